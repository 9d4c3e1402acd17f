"""Telegram's answers to a person: the sending itself from the bot's shared budget, ahead
of notices, a screen as one message or several, its venue and files. The chat's line and
the updates in hand are order.py's; a screen's keyboard is keyboards.py's."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVenue,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    Message,
    ReplyKeyboardMarkup,
)

from bot.dialogs.engine import Reply
from bot.dialogs.screen import Rendered
from bot.handlers import uploads
from bot.handlers.split import TELEGRAM_TEXT, split_text
from bot.handlers.telegram.keyboards import markup, unchanged
from bot.handlers.telegram.order import SendOrder
from bot.i18n import translator
from bot.notify.pacing import Adaptive, Budget, Pace

logger = logging.getLogger(__name__)


CHAT_BUDGETS_KEPT = 10_000  # chats whose budget is kept made, all forgotten when full


@dataclass
class Replies:
    """Sends the dialog's answers from the bot's shared budget, ahead of notices: the
    chat's 1/s and the bot's 30/s are the budgets the worker draws from, and a reply takes
    the next free slot before any waiting notice. A 429 pauses the whole bot for
    retry_after and the same answer goes again after it; an answer is never dropped for a
    limit."""

    bot: Bot
    pace: Pace
    per_second: float = 30  # TELEGRAM_REPLY_RATE (TELEGRAM_RATE when unset)
    per_chat: float = 1
    attempts: int = 6
    recover_s: float = 30.0
    order: SendOrder = field(default_factory=SendOrder)
    rate: Adaptive = field(init=False)
    # the budgets a reply is taken from, made once (the bot's) and once per chat
    # (issue 30: 10 µs of a reply's 30 made at each send, load 7.9)
    _bot_budget: Budget = field(init=False)
    _chat_budgets: dict[int, Budget] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.rate = Adaptive(self.per_second, self.recover_s)
        self._bot_budget = Budget("tg:bot", self.per_second, live=self.rate.rate)

    def _budget(self, chat_id: int) -> Budget:
        known = self._chat_budgets.get(chat_id)
        if known is None:
            if len(self._chat_budgets) >= CHAT_BUDGETS_KEPT:
                self._chat_budgets.clear()
            known = Budget(f"tg:chat:{chat_id}", self.per_chat, burst=3)
            self._chat_budgets[chat_id] = known
        return known

    async def _call(self, chat_id: int, method: TelegramMethod[Any]) -> None:
        for _ in range(self.attempts):
            # a person pressing quickly is answered at once (a burst of a few in their chat);
            # the chat's line comes first, so a chat has at most one reply at the head of
            # the bot's line: families are served round-robin
            await self.pace.acquire_all(self._budget(chat_id), self._bot_budget, reply=True)
            try:
                await self.bot(method)
                return
            except TelegramRetryAfter as exc:
                self.rate.refused(exc.retry_after)
                logger.warning(
                    "Telegram 429 on a reply: pausing sends for %s s, replies at %.1f/s",
                    exc.retry_after,
                    self.rate.rate(),
                )
                await self.pace.pause("tg:bot", exc.retry_after)
            except TelegramNetworkError as exc:
                logger.warning("a reply could not be sent (%s): trying again", type(exc).__name__)
                await asyncio.sleep(1)
        logger.error("a reply was not sent after %d attempts", self.attempts)

    async def deliver(self, chat_id: int, reply: Reply, message: Message | None = None) -> None:
        """Edit the message a button was on when that reads better; otherwise send anew. A
        text longer than one message goes as several, the keyboard on the last: a pressed
        button's message then shows the first part (without its old buttons) and the rest
        follow it."""
        keyboard = markup(reply.screen)
        parts = split_text(reply.screen.text, TELEGRAM_TEXT)
        if reply.edit and message is not None and unchanged(message, parts, keyboard, reply):
            return  # the press's acknowledgement is all it needs: no message for nothing
        first = 0
        if reply.edit and message is not None and not isinstance(keyboard, ReplyKeyboardMarkup):
            try:
                await self._call(
                    chat_id,
                    EditMessageText(
                        text=parts[0],
                        chat_id=chat_id,
                        message_id=message.message_id,
                        reply_markup=keyboard if len(parts) == 1 else None,
                    ),
                )
                first = 1
            except TelegramBadRequest as exc:
                if "not modified" in str(exc):
                    first = 1
                else:
                    logger.info("edit refused (%s), sending a new message", type(exc).__name__)
        for i in range(first, len(parts)):
            last = i == len(parts) - 1
            try:
                await self._call(
                    chat_id,
                    SendMessage(
                        chat_id=chat_id, text=parts[i], reply_markup=keyboard if last else None
                    ),
                )
            except TelegramForbiddenError:
                logger.info("a chat has blocked the bot")
                return
        if reply.screen.venue is not None and not await self.send_venue(chat_id, reply.screen):
            return
        if reply.screen.files:  # most screens have none: no coroutine, no translator
            await self.send_files(chat_id, reply.screen)

    async def send_venue(self, chat_id: int, screen: Rendered) -> bool:
        """The screen's place as Telegram's own venue (sendVenue: latitude, longitude,
        title, address), after its text; False when the chat has blocked the bot."""
        venue = screen.venue
        if venue is None:
            return True
        try:
            await self._call(
                chat_id,
                SendVenue(
                    chat_id=chat_id,
                    latitude=venue.latitude,
                    longitude=venue.longitude,
                    title=venue.title,
                    address=venue.address,
                ),
            )
        except TelegramForbiddenError:
            logger.info("a chat has blocked the bot")
            return False
        except TelegramBadRequest as exc:
            # the address in words is in the text above: the person still knows where
            logger.warning("Telegram refused a venue: %s", exc.message)
        return True

    async def send_files(self, chat_id: int, screen: Rendered) -> None:
        """The screen's files after its text, each a message of its own: a picture by
        sendPhoto, anything else by sendDocument, uploaded as multipart/form-data
        (BufferedInputFile). A file over Telegram's limits is not uploaded: the person
        reads why instead."""
        t = translator()
        for file in screen.files:
            refusal = uploads.check(file, uploads.TELEGRAM)
            caption = file.caption or None
            try:
                if refusal is not None:
                    logger.info("a %s over Telegram's limits was not sent", file.kind)
                    await self._call(
                        chat_id, SendMessage(chat_id=chat_id, text=refusal.text(t, screen.lang))
                    )
                    continue
                if caption and uploads.caption_apart(caption, uploads.TELEGRAM):
                    await self._call(chat_id, SendMessage(chat_id=chat_id, text=caption))
                    caption = None
                upload = BufferedInputFile(file.data, filename=file.filename)
                method: TelegramMethod[Any] = (
                    SendPhoto(chat_id=chat_id, photo=upload, caption=caption)
                    if file.kind == "picture"
                    else SendDocument(chat_id=chat_id, document=upload, caption=caption)
                )
                await self._call(chat_id, method)
            except TelegramForbiddenError:
                logger.info("a chat has blocked the bot")
                return
            except TelegramBadRequest as exc:
                # a refusal the checks above did not foresee: said, not swallowed
                logger.warning("Telegram refused a %s: %s", file.kind, exc.message)
                failed = uploads.failed(file, uploads.TELEGRAM)
                with contextlib.suppress(TelegramAPIError):
                    await self._call(
                        chat_id, SendMessage(chat_id=chat_id, text=failed.text(t, screen.lang))
                    )
