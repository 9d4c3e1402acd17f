"""Telegram through aiogram 3: updates become neutral events, screens become messages.

No flow logic here. Inline keyboards for buttons; a reply keyboard only where the screen
asks for a location. A pressed button edits its own message instead of adding one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVenue,
    TelegramMethod,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)

from bot.app import App
from bot.dialogs.engine import Engine, Reply
from bot.dialogs.events import Event
from bot.dialogs.screen import Rendered
from bot.dialogs.state import RedisStateStore
from bot.handlers import uploads
from bot.handlers.common import (
    KeyedLock,
    MemorySeen,
    RedisOrder,
    RedisSeen,
    SeenStore,
)
from bot.handlers.split import TELEGRAM_TEXT, split_text
from bot.handlers.startup import setup_call
from bot.handlers.telegram.settings import TelegramSettings
from bot.i18n import LANGUAGES, translator
from bot.notify.pacing import Adaptive, Budget, Pace

logger = logging.getLogger(__name__)

# aiogram parametrises its Response model for every answer it parses
# (Response[method.__returning__]); pydantic keeps such a class only while something else
# holds it, so after a collection the next answer builds it again. A replica in the
# opening-day storm spent 4.7 % of its samples (py-spy) rebuilding them. Held here.
_RESPONSES = tuple(
    Response[m.__returning__]  # type: ignore[name-defined]
    for m in (SendMessage, EditMessageText, AnswerCallbackQuery)
)

STOP_GRACE = 10.0  # seconds a stop gives the updates in hand to finish their answer

COMMANDS = (
    "start",
    "menu",
    "children",
    "search",
    "apps",
    "balance",
    "privacy",
    "language",
    "help",
    "cancel",
)


def make_bot(token: str, api_base: str | None = None) -> Bot:
    if api_base:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
        return Bot(token, session=session)
    return Bot(token)


class PerUserOrder(BaseMiddleware):
    """Telegram may deliver an update again (a timeout, a restart): each is handled once
    (``seen``; None where the webhook handler checks it itself). And two quick presses of
    one person are handled one after the other, in order; with Redis, across every
    replica, the update marked seen in the lock's own round trip (``RedisOrder``).

    The handler may give the person's turn back early (``release_turn`` in its data): once
    their state is saved and their place among the chat's answers taken (``SendOrder``),
    the next event of theirs need not wait while this one's answer waits for the chat's
    pacing.

    It also counts the update among those in hand (``in_flight``) from its start, waiting
    in line included: one middleware where there were two, aiogram's chain a link shorter
    per update (issue 30).

    ``here``: where the turn is this process's lock, which any task may give back, the
    handler is told so (``turn_anywhere``) and runs the engine's step in the update's own
    task (``Engine.handle_here``), answering from a timer past the deadline. A Redis turn
    is given back in the task that took it (its context variable), and a webhook update
    is acknowledged when its handling ends: those keep the step's own task."""

    def __init__(
        self,
        locks: KeyedLock | RedisOrder | None = None,
        seen: SeenStore | None = None,
        in_flight: InFlight | None = None,
        here: bool = False,
    ) -> None:
        self.locks = locks or KeyedLock()
        self.seen = seen
        self.in_flight = in_flight
        self.here = here

    async def __call__(self, handler, event, data):
        task = asyncio.current_task() if self.in_flight is not None else None
        tasks = self.in_flight.tasks if self.in_flight is not None else None
        if task is not None and tasks is not None:
            tasks.add(task)
        try:
            return await self._ordered(handler, event, data)
        finally:
            if task is not None and tasks is not None:
                tasks.discard(task)

    async def _ordered(self, handler, event, data):
        user = data.get("event_from_user")
        seen, mark = self.seen, None
        if seen is not None and isinstance(event, Update):
            key = f"tg:{event.update_id}"
            if (
                user is not None
                and isinstance(seen, RedisSeen)
                and isinstance(self.locks, RedisOrder)
            ):
                mark = seen.mark(key)  # checked with the lock: one round trip for both
            elif not await seen.first_time(key):
                logger.info("duplicate update %s dropped", event.update_id)
                return None
        if user is None:
            return await handler(event, data)
        locks = self.locks
        if isinstance(locks, KeyedLock):
            if self.here:
                data["turn_anywhere"] = True
            return await self._in_turn(locks, str(user.id), handler, event, data)
        async with contextlib.AsyncExitStack() as turn:
            fresh = await turn.enter_async_context(locks.hold(str(user.id), f"tg:{user.id}", mark))
            if not fresh:
                logger.info("duplicate update %s dropped", event.update_id)
                return None
            data["release_turn"] = turn.aclose  # idempotent: a second close does nothing
            return await handler(event, data)

    @staticmethod
    async def _in_turn(locks: KeyedLock, key: str, handler, event, data):
        """The person's turn in one process: what ``KeyedLock.hold`` in an exit stack
        does, the lock taken and given back directly (issue 30: 15-25 µs of an update)."""
        lock = locks.enter(key)
        try:
            await lock.acquire()
        except BaseException:
            locks.leave(key)
            raise
        held = True

        def give_back() -> None:
            nonlocal held
            if held:  # idempotent: the handler may give it back early
                held = False
                lock.release()
                locks.leave(key)

        async def release_turn() -> None:
            give_back()

        data["release_turn"] = release_turn
        try:
            return await handler(event, data)
        finally:
            give_back()


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
        for row in screen.rows
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

    def __post_init__(self) -> None:
        self.rate = Adaptive(self.per_second, self.recover_s)

    async def _call(self, chat_id: int, method: TelegramMethod[Any]) -> None:
        for _ in range(self.attempts):
            # a person pressing quickly is answered at once (a burst of a few in their chat);
            # the chat's line comes first, so a chat has at most one reply at the head of
            # the bot's line: families are served round-robin
            await self.pace.acquire_all(
                Budget(f"tg:chat:{chat_id}", self.per_chat, burst=3),
                Budget("tg:bot", self.per_second, live=self.rate.rate),
                reply=True,
            )
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


def _event_from_message(message: Message) -> Event | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    text = message.text or ""
    uid, lang = str(user.id), user.language_code
    if message.location is not None:
        place = message.location
        return Event(
            "tg",
            uid,
            "location",
            text,
            language_code=lang,
            lat=place.latitude,
            lon=place.longitude,
        )
    if text.startswith("/"):
        command, _, arg = text[1:].partition(" ")
        command = command.split("@", 1)[0]  # /start@SomeBot in a menu
        return Event("tg", uid, "command", f"{command} {arg}".strip(), language_code=lang)
    return Event("tg", uid, "text", text, language_code=lang)


Release = Callable[[], Awaitable[Any]] | None


async def answer_press(callback: CallbackQuery, toast: str | None) -> None:
    """Stop the press's progress bar ("the client will display a progress bar until you
    call answerCallbackQuery", Bot API). Not a message: no chat's pacing holds it, and
    Telegram states no budget for it. Telegram refuses an answer that comes late ("query
    is too old and response timeout expired or query ID is invalid", about 15 s after the
    press) and may refuse it otherwise: the screen goes all the same, the action behind the
    press having been saved already."""
    try:
        await callback.answer(toast)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.info("a button press was not answered (%s): its screen goes anyway", exc)


ACK_WITHIN = 0.25  # seconds: a press's progress bar stops by then, its screen ready or not


_EARLY: set[asyncio.Task[None]] = set()  # presses answered before their screen was ready
_LATE: set[asyncio.Task[None]] = set()  # apologies sent past the deadline (handle_here)


class Late(Protocol):
    """Sends an apology past the deadline (``late_answer``), after ``first`` if given."""

    def __call__(self, apology: Reply, first: asyncio.Task[None] | None = None) -> None: ...


def late_answer(
    replies: Replies,
    chat_id: int,
    release: Release,
    in_flight: InFlight | None,
) -> Late:
    """What answers a person past the engine's deadline while their step goes on in the
    update's task (``Engine.handle_here``): a task of its own, made only then, that takes
    the chat's next place, gives the person's turn back (their next messages are not held
    behind a hung one) and sends the apology, after the press's answer when there is one.
    Counted among the updates in hand, so that a stop lets it finish."""

    def late(apology: Reply, first: asyncio.Task[None] | None = None) -> None:
        async def send() -> None:
            if first is not None:
                await first  # the press's answer, then its screen
            async with replies.order.place(chat_id, release):
                await replies.deliver(chat_id, apology)

        task = asyncio.ensure_future(send())
        _LATE.add(task)
        task.add_done_callback(_LATE.discard)
        if in_flight is not None:
            in_flight.tasks.add(task)
            task.add_done_callback(in_flight.tasks.discard)

    return late


async def handle_press(
    engine: Engine, event: Event, callback: CallbackQuery, late: Late | None = None
) -> Reply | None:
    """The press's screen, the press answered as soon as the screen is known or after
    ``ACK_WITHIN``, whichever comes first: a person sees their press taken within a second
    however long the screen takes to build (a busy database) or to send (the reply queue,
    which the answer never joins). Answered early, the press gets no toast: the screen
    itself says what a toast would have (a stale button's notice heads it). A timer, not
    a task: most screens are ready well before it (issue 30).

    With ``late``, the step runs in this task (``Engine.handle_here``): past the deadline
    the press is answered if it was not yet, ``late`` sends the apology after that
    answer, and None is returned (nothing more to send)."""
    early: list[asyncio.Task[None]] = []

    def answer_early() -> None:
        task = asyncio.ensure_future(answer_press(callback, None))
        _EARLY.add(task)
        task.add_done_callback(_EARLY.discard)
        early.append(task)

    timer = asyncio.get_running_loop().call_later(ACK_WITHIN, answer_early)
    try:
        if late is None:
            reply: Reply | None = await engine.handle(event)
        else:

            def overdue(apology: Reply) -> None:
                timer.cancel()
                if not early:
                    answer_early()
                late(apology, early[0])

            reply = await engine.handle_here(event, overdue)
    finally:
        timer.cancel()
    if reply is None:
        return None
    if early:
        await early[0]  # the screen goes after the answer
    else:
        await answer_press(callback, reply.toast)
    return reply


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message()
    async def on_message(
        message: Message,
        engine: Engine,
        replies: Replies,
        release_turn: Release = None,
        turn_anywhere: bool = False,
        in_flight: InFlight | None = None,
    ) -> None:
        if message.chat.type != "private":
            return  # parents talk to the bot privately; groups are not served
        event = _event_from_message(message)
        if event is None:
            return
        chat_id = message.chat.id
        if turn_anywhere:
            late = late_answer(replies, chat_id, release_turn, in_flight)
            found = await engine.handle_here(event, late)
            if found is None:
                return  # answered at the deadline
            reply = found
        else:
            reply = await engine.handle(event)
        async with replies.order.place(chat_id, release_turn):
            await replies.deliver(chat_id, reply)

    @router.callback_query()
    async def on_callback(
        callback: CallbackQuery,
        engine: Engine,
        replies: Replies,
        release_turn: Release = None,
        turn_anywhere: bool = False,
        in_flight: InFlight | None = None,
    ) -> None:
        user = callback.from_user
        event = Event(
            platform="tg",
            user_id=str(user.id),
            kind="button",
            payload=callback.data or "",
            language_code=user.language_code,
        )
        message = callback.message if isinstance(callback.message, Message) else None
        chat_id = message.chat.id if message else user.id
        late = late_answer(replies, chat_id, release_turn, in_flight) if turn_anywhere else None
        reply = await handle_press(engine, event, callback, late)
        if reply is None:
            return  # answered at the deadline
        async with replies.order.place(chat_id, release_turn):
            await replies.deliver(chat_id, reply, message)

    return router


def build_dispatcher(app: App, bot: Bot, *, dedup: bool = True) -> Dispatcher:
    """``dedup``: drop repeated update ids here (long polling); the webhook handler does it
    itself, before answering Telegram."""
    s = TelegramSettings.of(app.settings)
    replies = Replies(bot, app.pace, s.replies_per_second, s.chat_rate, recover_s=s.recover_s)
    # no aiogram FSM: the dialog state is the engine's own (bot/dialogs/state.py), and the
    # FSM's middleware read a state nobody asks for on every update (issue 30)
    dp = Dispatcher(engine=app.engine, replies=replies, disable_fsm=True)
    in_flight = InFlight()  # counted by PerUserOrder, waiting in line included
    dp["in_flight"] = in_flight
    seen: SeenStore | None = None
    if dedup:
        seen = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
    order: KeyedLock | RedisOrder = KeyedLock()
    if app.redis is not None and isinstance(app.engine.states, RedisStateStore):
        order = RedisOrder(app.redis, app.engine.states)
    # the step in the update's own task where the turn is this process's and the update
    # is long polling's (PerUserOrder says why not otherwise)
    here = dedup and isinstance(order, KeyedLock)
    dp.update.outer_middleware(PerUserOrder(order, seen, in_flight, here))
    dp.include_router(build_router())
    return dp


def transient(exc: BaseException) -> float | None:
    """A refusal of the moment: 429 (wait its retry_after), 5xx, the network."""
    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return 0.0
    return None


async def set_up(bot: Bot) -> None:
    """What the bot asks Telegram before serving, each retried when refused for a moment."""
    await setup_call("Telegram setMyCommands", lambda: set_commands(bot), transient)
    await setup_call("Telegram getMe", bot.me, transient)  # kept: polling asks it again


async def set_commands(bot: Bot) -> None:
    t = translator()
    for lang in LANGUAGES:
        await bot.set_my_commands(
            [BotCommand(command=c, description=t(lang, f"cmd-{c}")) for c in COMMANDS],
            language_code=lang,
        )
    await bot.set_my_commands(
        [BotCommand(command=c, description=t("ru", f"cmd-{c}")) for c in COMMANDS]
    )


async def run_polling(app: App, *, handle_signals: bool = True) -> None:
    settings = TelegramSettings.of(app.settings)
    assert settings.bot_token is not None
    base = str(settings.api_base) if settings.api_base else None
    bot = make_bot(settings.bot_token.get_secret_value(), base)
    dp = build_dispatcher(app, bot)
    try:
        await set_up(bot)
        polling = asyncio.create_task(
            dp.start_polling(
                bot, handle_signals=handle_signals, polling_timeout=20, close_bot_session=False
            )
        )
        try:
            await asyncio.shield(polling)
        except asyncio.CancelledError:
            # stopped from outside: aiogram's start_polling, if it were cancelled itself,
            # would leave its polling tasks running (asyncio.wait does not cancel them),
            # and they would open a new HTTP session after ours is closed; stop it the way
            # it stops itself, then let the cancellation go on
            try:
                await dp.stop_polling()
            except RuntimeError:  # not started yet
                polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
            raise
    finally:
        await dp["in_flight"].drain(STOP_GRACE)
        await bot.session.close()
