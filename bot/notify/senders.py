"""What a platform's notice sender is given and must do: each messenger's handler package has one
(bot/handlers/<name>/sender.py), paced by that platform's limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from core.outbox.delivery import Outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    row_id: int
    address: str  # chat id / peer id
    text: str
    button: tuple[str, str] | None  # (label, signed payload)
    group_key: str | None  # same text to many
    metrics_platform: str
    send_id: int | None = None  # the number its batch was first sent with (VK random_id)


class Sender(Protocol):
    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        """Send every item once, recording in ``outcome`` how each ended."""
        ...

    async def close(self) -> None:
        """Release its connections (the worker stops)."""
        ...


@dataclass
class Limits:
    tg_per_second: float = 30
    tg_per_chat: float = 1
    vk_per_second: float = 20
    # sends in flight at once: what a killed worker may have sent without recording it
    concurrency: int = 4
