"""Telegram's answers to a person: the chat's line (its answers leave in the order their
events were handled), the keyboard of a screen, the sending itself from the bot's shared
budget, ahead of notices, and the updates in hand that a stop lets finish (InFlight)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
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
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.dialogs.engine import Reply
from bot.dialogs.screen import RButton, Rendered
from bot.handlers import uploads
from bot.handlers.split import TELEGRAM_TEXT, split_text
from bot.i18n import translator
from bot.notify.pacing import Adaptive, Budget, Pace

logger = logging.getLogger(__name__)


Release = Callable[[], Awaitable[Any]] | None


class InFlight:
    """The updates being handled now (counted by ``PerUserOrder``). aiogram handles each
    polled update in a task of its own and does not wait for them when polling stops; a
    stop waits for them here so that an answer half-way is sent and only then the bot's
    HTTP session closes (an answer sent after the close would open a session that nobody
    closes)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def drain(self, grace: float) -> None:
        """Let the updates in hand finish for up to ``grace`` seconds, then cancel the rest
        (their unit of work rolls back, so nothing is half-written) and wait for them."""
        pending = self.tasks - {asyncio.current_task()}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            logger.warning("%d updates were still in hand after %s s: cancelled", len(late), grace)
            await asyncio.gather(*late, return_exceptions=True)


class SendOrder:
    """One chat's answers leave in the order their events were handled, though the
    person's turn is given back before they are sent: each answer takes its place in the
    chat's line at once (while the turn is still held) and waits there for the one before
    it. In one process; across replicas the person's turn alone orders the handling."""

    def __init__(self) -> None:
        self._tails: dict[int, asyncio.Future[None]] = {}

    def place(self, chat_id: int, release: Callable[[], Awaitable[Any]] | None = None) -> _Place:
        """``async with order.place(chat, release):`` the chat's next place, the person's
        turn given back once it is taken, entered when the answer before it has left."""
        return _Place(self._tails, chat_id, release)

    def __len__(self) -> int:
        return len(self._tails)


class _Place:
    """A place in a chat's line (``SendOrder.place``): a plain async context manager, not
    a generator's (issue 30: a few µs of every update)."""

    __slots__ = ("_chat", "_mine", "_release", "_tails")

    def __init__(
        self,
        tails: dict[int, asyncio.Future[None]],
        chat_id: int,
        release: Callable[[], Awaitable[Any]] | None,
    ) -> None:
        self._tails = tails
        self._chat = chat_id
        self._release = release
        self._mine: asyncio.Future[None] | None = None

    async def __aenter__(self) -> None:
        tails, chat = self._tails, self._chat
        before = tails.get(chat)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._mine = tails[chat] = mine
        try:
            if self._release is not None:
                await self._release()
            if before is not None and not before.done():
                await asyncio.wait({before})  # never cancels the one before
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, *_: object) -> None:
        self._leave()

    def _leave(self) -> None:
        mine = self._mine
        if mine is None or mine.done():
            return
        mine.set_result(None)
        if self._tails.get(self._chat) is mine:
            del self._tails[self._chat]


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
