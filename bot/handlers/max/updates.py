"""MAX's updates read: whose they are and their own id (a repeat is dropped by it), and
the neutral event a message or a start makes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.dialogs.events import Event
from bot.i18n import pick_language

KEY = "max"


def who(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """The person's MAX user id and the update's own id (for repeats)."""
    kind = raw.get("update_type")
    if kind == "message_callback":
        callback = raw.get("callback") or {}
        user = (callback.get("user") or {}).get("user_id")
        key = callback.get("callback_id")
        return _digits(user), f"cb:{key}" if key else None
    if kind == "message_created":
        message = raw.get("message") or {}
        if (message.get("recipient") or {}).get("chat_type", "dialog") != "dialog":
            return None, None  # group chats and channels are not served
        user = (message.get("sender") or {}).get("user_id")
        if (message.get("sender") or {}).get("is_bot"):
            return None, None
        mid = (message.get("body") or {}).get("mid")
        return _digits(user), f"m:{mid}" if mid else None
    if kind in ("bot_started", "bot_stopped"):
        user = (raw.get("user") or {}).get("user_id")
        mark = "s" if kind == "bot_started" else "x"
        return _digits(user), f"{mark}:{user}:{raw.get('timestamp')}"
    return None, None


def _digits(value: object) -> str | None:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else ""
    return text if text.isdigit() else None


def to_event(raw: dict[str, Any], user: str) -> Event | None:
    lang = raw.get("user_locale")
    language = pick_language(lang) if isinstance(lang, str) else None
    body = (raw.get("message") or {}).get("body") or {}
    text = body.get("text")
    text = text if isinstance(text, str) else ""
    event = Event(KEY, user, "text", text=text, language_code=language)
    if raw.get("update_type") == "bot_started":
        return replace(event, kind="command", text="start")
    for attachment in body.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("type") == "location":
            try:
                lat, lon = float(attachment["latitude"]), float(attachment["longitude"])
            except (KeyError, TypeError, ValueError):
                return replace(event, text="")
            return replace(event, kind="location", text="", lat=lat, lon=lon)
    if text.startswith("/"):
        return replace(event, kind="command", text=text[1:].strip())
    return event
