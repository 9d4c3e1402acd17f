"""A screen's keyboard on Telegram: inline buttons, or a reply keyboard where the screen
asks for a location; the keyboards made are kept a while (the same buttons make the same
keyboard), and a press that would change nothing is told apart (``unchanged``)."""

from __future__ import annotations

import time

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.dialogs.engine import Reply
from bot.dialogs.screen import RButton, Rendered


def markup(screen: Rendered) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if not screen.rows:
        return None
    if any(b.kind == "location" for b in screen.buttons):
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=b.label, request_location=b.kind == "location") for b in row]
                for row in screen.rows
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    # the same buttons, signed for the same person, make the same keyboard: the one made
    # the last time is sent again (issue 30: 13-30 µs of a /balance, the lookup 1 µs);
    # nothing changes a keyboard once made (aiogram serialises it as it is)
    # A button's label may name a child: the kept ones are all forgotten when full and
    # at the latest KEYBOARDS_KEPT_S after the first of them was made, so a keyboard does
    # not outlive the person's screen in this process's memory
    global _kept_since
    now = time.monotonic()
    if now - _kept_since > KEYBOARDS_KEPT_S or len(_KEYBOARDS) >= KEYBOARDS_KEPT:
        _KEYBOARDS.clear()
        _kept_since = now
    key = tuple(map(tuple, screen.rows))
    known = _KEYBOARDS.get(key)
    if known is None:
        known = _KEYBOARDS[key] = _inline(screen.rows)
    return known


KEYBOARDS_KEPT = 2048  # inline keyboards remembered (a few KB each), all forgotten when full
KEYBOARDS_KEPT_S = 600.0  # and all forgotten this long after the first was made
_KEYBOARDS: dict[tuple[tuple[RButton, ...], ...], InlineKeyboardMarkup] = {}
_kept_since = 0.0


def _inline(screen_rows: list[list[RButton]]) -> InlineKeyboardMarkup:
    # validated whole, from plain dicts: pydantic's validation runs in its compiled core,
    # while model_construct fills each button's dozen defaults in Python, three times
    # slower (issue 30: 18 µs for /balance's three buttons, 66 µs constructed; the
    # validation of each button as a model of its own was slower still); serialised as any
    # other (tests/unit/test_telegram_markup.py)
    rows = [
        [
            {"text": b.label, "url": b.url}
            if b.kind == "url"
            else {"text": b.label, "callback_data": b.payload}
            for b in row
        ]
        for row in screen_rows
    ]
    return InlineKeyboardMarkup.model_validate({"inline_keyboard": rows})


def unchanged(
    message: Message,
    parts: list[str],
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None,
    reply: Reply,
) -> bool:
    """The pressed message already shows this screen, word for word and button for
    button (a press that changed nothing: the same page again, a refresh with nothing
    new). Telegram would refuse the edit ("message is not modified") after it took a
    slot of the bot's budget."""
    if len(parts) != 1 or reply.screen.files or isinstance(keyboard, ReplyKeyboardMarkup):
        return False
    if (message.text or "").strip() != parts[0].strip():
        return False
    shown = message.reply_markup
    if shown is None or keyboard is None:
        return shown is None and keyboard is None
    return shown.model_dump(exclude_none=True) == keyboard.model_dump(exclude_none=True)
