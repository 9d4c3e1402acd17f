"""A button press on MAX (message_callback): one call answers it and puts its screen in
place of the old one; where MAX refuses that, the screen goes as messages."""

from __future__ import annotations

import logging
from typing import Any

from maxapi.exceptions.max import MaxApiError, MaxConnection
from maxapi.types.attachments import AttachmentInput
from maxapi.types.updates.message_callback import MessageForCallback

from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.handlers.max.api import unreachable
from bot.handlers.max.keyboard import keyboard
from bot.handlers.max.replies import Replies
from bot.handlers.max.updates import KEY
from bot.handlers.split import MAX_TEXT, split_text
from bot.i18n import pick_language

logger = logging.getLogger(__name__)


async def handle_press(engine: Engine, replies: Replies, raw: dict[str, Any], user: str) -> None:
    callback = raw.get("callback") or {}
    lang = raw.get("user_locale")
    event = Event(
        platform=KEY,
        user_id=user,
        kind="button",
        payload=str(callback.get("payload") or ""),
        language_code=pick_language(lang) if isinstance(lang, str) else None,
    )
    reply = await engine.handle(event)
    callback_id = str(callback.get("callback_id") or "")
    # one call answers the press and puts the new screen in place of the old one; a
    # text longer than one message: its first part there (without buttons), the rest
    # sent after it, the keyboard on the last
    parts = split_text(reply.screen.text, MAX_TEXT)
    attachments: list[AttachmentInput] = [*keyboard(reply.screen.rows)] if len(parts) == 1 else []
    message = MessageForCallback(text=parts[0], attachments=attachments)
    try:
        await replies.api.call(
            user,
            lambda: replies.bot.send_callback(
                callback_id, message=message, notification=reply.toast
            ),
            reply=True,
            line="answers",
        )
    except MaxApiError as exc:
        # 404 not.found: the press is too old or unknown, which says nothing of the
        # person; only a refusal of the dialog itself does
        if exc.code != 404 and unreachable(exc):
            await replies.unreachable(user)
            return
        logger.info("MAX callback answer refused (%s): sending anew", exc.code)
    except (MaxConnection, TimeoutError) as exc:
        logger.info("MAX callback answer failed (%s): sending anew", type(exc).__name__)
    else:
        await replies.send(user, reply, first=1)
        return
    # the action behind the press was saved: its screen goes as messages instead
    await replies.send(user, reply)
