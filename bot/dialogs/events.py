"""A platform's update, translated by its adapter into one neutral event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    platform: str  # "tg" | "vk" | "console"
    user_id: str  # the platform's user id, as text
    kind: str  # "command" | "text" | "button" | "location"
    text: str = ""  # the text, or the command without "/" plus its argument
    payload: str = ""  # a button's payload as it came back
    language_code: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user_id}"
