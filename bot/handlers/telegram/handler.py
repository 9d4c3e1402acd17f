"""Telegram through aiogram 3: updates become neutral events, screens become messages.

No flow logic here. Inline keyboards for buttons; a reply keyboard only where the screen
asks for a location. A pressed button edits its own message instead of adding one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendMessage,
)
from aiogram.methods.base import Response
from aiogram.types import (
    CallbackQuery,
    Message,
    Update,
)

from bot.app import App
from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.state import RedisStateStore
from bot.handlers.common import (
    KeyedLock,
    MemorySeen,
    RedisOrder,
    RedisSeen,
    SeenStore,
)
from bot.handlers.startup import setup_call
from bot.handlers.telegram.menus import set_commands
from bot.handlers.telegram.order import InFlight, Release
from bot.handlers.telegram.presses import handle_press, late_answer
from bot.handlers.telegram.replies import Replies
from bot.handlers.telegram.session import JsonSession
from bot.handlers.telegram.settings import TelegramSettings

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


def make_bot(token: str, api_base: str | None = None) -> Bot:
    if api_base:
        return Bot(
            token, session=JsonSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")))
        )
    return Bot(token, session=JsonSession())


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
    reply, answer = await handle_press(engine, event, callback, late)
    if reply is None:
        return  # answered at the deadline
    async with replies.order.place(chat_id, release_turn):
        # the turn given back (the step and the person's place saved, the update marked
        # handled): a webhook's response may go now, carrying the press's answer
        await answer.give(reply.toast)
        await replies.deliver(chat_id, reply, message)


async def on_update(
    update: Update,
    engine: Engine,
    replies: Replies,
    release_turn: Release = None,
    turn_anywhere: bool = False,
    in_flight: InFlight | None = None,
) -> Any:
    """A message or a button press, taken from the update itself: the dispatcher's own
    handler of updates, ahead of aiogram's routing by type (its routers, their observers,
    each a chain of middlewares made anew per update: a third of what aiogram did around
    a /balance, issue 30). Any other kind of update goes on to that routing (no router
    handles one today)."""
    if update.message is not None:
        return await on_message(
            update.message, engine, replies, release_turn, turn_anywhere, in_flight
        )
    if update.callback_query is not None:
        return await on_callback(
            update.callback_query, engine, replies, release_turn, turn_anywhere, in_flight
        )
    raise SkipHandler


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
    # first among the dispatcher's handlers of updates, ahead of aiogram's routing by type
    dp.update.register(on_update)
    dp.update.handlers.insert(0, dp.update.handlers.pop())
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
