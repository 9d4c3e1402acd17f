"""Telegram through aiogram 3: updates become neutral events, screens become messages.

No flow logic here. Inline keyboards for buttons; a reply keyboard only where the screen
asks for a location. A pressed button edits its own message instead of adding one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text

from bot.app import App
from bot.dialogs.engine import Engine, Reply
from bot.dialogs.events import Event
from bot.dialogs.screen import Rendered
from bot.handlers.common import (
    KeyedLock,
    MemorySeen,
    MemoryUpdateLedger,
    RedisOrder,
    RedisSeen,
    RedisUpdateLedger,
    SeenStore,
    UpdateLedger,
)
from bot.i18n import LANGUAGES, translator
from bot.notify.pacing import Pace

logger = logging.getLogger(__name__)

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


class DedupMiddleware(BaseMiddleware):
    """Telegram may deliver an update again (a timeout, a restart): handle each once."""

    def __init__(self, seen: SeenStore) -> None:
        self.seen = seen

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update) and not await self.seen.first_time(f"tg:{event.update_id}"):
            logger.info("duplicate update %s dropped", event.update_id)
            return None
        return await handler(event, data)


class PerUserOrder(BaseMiddleware):
    """Two quick presses of one person are handled one after the other, in order; with
    Redis, across every replica."""

    def __init__(self, locks: KeyedLock | RedisOrder | None = None) -> None:
        self.locks = locks or KeyedLock()

    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        async with self.locks.hold(str(user.id)):
            return await handler(event, data)


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
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.label, url=b.url)
                if b.kind == "url"
                else InlineKeyboardButton(text=b.label, callback_data=b.payload)
                for b in row
            ]
            for row in screen.rows
        ]
    )


@dataclass
class Replies:
    """Sends the dialog's answers from the bot's shared budget, ahead of notices: the
    chat's 1/s and the bot's 30/s are the budgets the worker draws from, and a reply takes
    the next free slot before any waiting notice. A 429 pauses the whole bot for
    retry_after and the same answer goes again after it; an answer is never dropped for a
    limit."""

    bot: Bot
    pace: Pace
    per_second: float = 30
    per_chat: float = 1
    attempts: int = 6

    async def _call(self, chat_id: int, method: TelegramMethod[Any]) -> None:
        for _ in range(self.attempts):
            # a person pressing quickly is answered at once (a burst of a few in their chat)
            await self.pace.acquire(f"tg:chat:{chat_id}", self.per_chat, reply=True, burst=3)
            await self.pace.acquire("tg:bot", self.per_second, reply=True)
            try:
                await self.bot(method)
                return
            except TelegramRetryAfter as exc:
                logger.warning("Telegram 429 on a reply: pausing sends for %s s", exc.retry_after)
                await self.pace.pause("tg:bot", exc.retry_after)
            except TelegramNetworkError as exc:
                logger.warning("a reply could not be sent (%s): trying again", type(exc).__name__)
                await asyncio.sleep(1)
        logger.error("a reply was not sent after %d attempts", self.attempts)

    async def deliver(self, chat_id: int, reply: Reply, message: Message | None = None) -> None:
        """Edit the message a button was on when that reads better; otherwise send anew."""
        keyboard = markup(reply.screen)
        if reply.edit and message is not None and not isinstance(keyboard, ReplyKeyboardMarkup):
            try:
                await self._call(
                    chat_id,
                    EditMessageText(
                        text=reply.screen.text,
                        chat_id=chat_id,
                        message_id=message.message_id,
                        reply_markup=keyboard,
                    ),
                )
                return
            except TelegramBadRequest as exc:
                if "not modified" in str(exc):
                    return
                logger.info("edit refused (%s), sending a new message", type(exc).__name__)
        try:
            await self._call(
                chat_id,
                SendMessage(chat_id=chat_id, text=reply.screen.text, reply_markup=keyboard),
            )
        except TelegramForbiddenError:
            logger.info("a chat has blocked the bot")


def _event_from_message(message: Message) -> Event | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    base = {"platform": "tg", "user_id": str(user.id), "language_code": user.language_code}
    if message.location is not None:
        return Event(
            kind="location", lat=message.location.latitude, lon=message.location.longitude, **base
        )
    text = message.text or ""
    if text.startswith("/"):
        command, _, arg = text[1:].partition(" ")
        command = command.split("@", 1)[0]  # /start@SomeBot in a menu
        return Event(kind="command", text=f"{command} {arg}".strip(), **base)
    return Event(kind="text", text=text, **base)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message()
    async def on_message(message: Message, engine: Engine, replies: Replies) -> None:
        if message.chat.type != "private":
            return  # parents talk to the bot privately; groups are not served
        event = _event_from_message(message)
        if event is None:
            return
        reply = await engine.handle(event)
        await replies.deliver(message.chat.id, reply)

    @router.callback_query()
    async def on_callback(callback: CallbackQuery, engine: Engine, replies: Replies) -> None:
        user = callback.from_user
        event = Event(
            platform="tg",
            user_id=str(user.id),
            kind="button",
            payload=callback.data or "",
            language_code=user.language_code,
        )
        reply = await engine.handle(event)
        await callback.answer(reply.toast)
        message = callback.message if isinstance(callback.message, Message) else None
        await replies.deliver(message.chat.id if message else user.id, reply, message)

    return router


def build_dispatcher(app: App, bot: Bot, *, dedup: bool = True) -> Dispatcher:
    """``dedup``: drop repeated update ids here (long polling); the webhook handler does it
    itself, before answering Telegram."""
    s = app.settings
    replies = Replies(bot, app.pace, s.telegram_rate, s.telegram_chat_rate)
    dp = Dispatcher(engine=app.engine, replies=replies)
    if dedup:
        seen: SeenStore = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
        dp.update.outer_middleware(DedupMiddleware(seen))
    order = RedisOrder(app.redis) if app.redis is not None else KeyedLock()
    dp.update.outer_middleware(PerUserOrder(order))
    dp.include_router(build_router())
    return dp


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
    settings = app.settings
    assert settings.telegram_bot_token is not None
    base = str(settings.telegram_api_base) if settings.telegram_api_base else None
    bot = make_bot(settings.telegram_bot_token.get_secret_value(), base)
    dp = build_dispatcher(app, bot)
    try:
        await set_commands(bot)
        await dp.start_polling(bot, handle_signals=handle_signals, polling_timeout=20)
    finally:
        await bot.session.close()


class LedgerRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler that processes the update before answering 200, and only
    once across replicas.

    401: a wrong secret. 200: the update was handled (so a crash never loses an
    acknowledged update), or it is a repeat of a handled one, or the body is not a usable
    update at all (logged; Telegram would re-send a poison update forever otherwise).
    503: another replica is on the same update, or handling it failed: Telegram sends it
    again later. Never 500.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, ledger: UpdateLedger, secret: str):
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)
        self.ledger = ledger

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # as bytes: compare_digest refuses a str with non-ASCII characters
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, (self.secret_token or "").encode())

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            raw = await request.json(loads=bot.session.json_loads)
        except (ValueError, UnicodeDecodeError):
            logger.warning("webhook: a body that is not JSON was ignored")
            return web.json_response({})
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int):
            logger.warning("webhook: a body without an update_id was ignored")
            return web.json_response({})
        try:
            update = Update.model_validate(raw, context={"bot": bot})
        except ValidationError:
            logger.warning("webhook: update %s does not fit the Bot API model, ignored", update_id)
            return web.json_response({})
        key = f"tg:{bot.id}:{update_id}"
        state = await self._claim(key)
        if state == "done":
            return web.json_response({})
        if state != "new":
            return web.Response(status=503, text="being processed")
        try:
            await self.dispatcher.feed_update(bot, update, **self.data)
        except Exception:
            await self._release(key)
            logger.exception("webhook update failed; Telegram will send it again")
            return web.Response(status=503, text="failed")
        await self._done(key)
        return web.json_response({})

    async def _claim(self, key: str) -> str:
        try:
            return await self.ledger.claim(key)
        except Exception as exc:
            # Redis is down: handle it (a rare repeat) rather than leave the person unanswered
            logger.warning(
                "update ledger unavailable (%s): handling without it", type(exc).__name__
            )
            return "new"

    async def _done(self, key: str) -> None:
        with contextlib.suppress(Exception):
            await self.ledger.done(key)

    async def _release(self, key: str) -> None:
        with contextlib.suppress(Exception):
            await self.ledger.release(key)


WEBHOOK_PATH = "/telegram/webhook"


def webhook_app(app: App, bot: Bot) -> web.Application:
    """The aiohttp application of one webhook replica: the webhook and the health checks
    a load balancer asks. /metrics is not here (this port faces the internet): it is
    served on HEALTH_PORT."""
    from bot import health

    secret = app.settings.telegram_webhook_secret
    if secret is None or not app.settings.webhook_secret_ok:
        # the command refuses earlier with a message; this guards other callers
        raise RuntimeError("webhook mode without a long enough TELEGRAM_WEBHOOK_SECRET")
    dp = build_dispatcher(app, bot, dedup=False)
    ledger: UpdateLedger = (
        RedisUpdateLedger(app.redis) if app.redis is not None else MemoryUpdateLedger()
    )
    web_app = web.Application()
    LedgerRequestHandler(dp, bot, ledger, secret.get_secret_value()).register(
        web_app, path=WEBHOOK_PATH
    )
    health.add_routes(web_app, app, metrics=False)
    return web_app


class ReplicaConflict(Exception):
    """Another webhook replica runs on this database without REDIS_URL."""


# pg_try_advisory_lock key of a webhook replica without Redis ("PFDW")
SINGLE_REPLICA_LOCK = 0x5046_4457


async def single_replica_guard(app: App):  # type: ignore[no-untyped-def]
    """Without Redis each replica keeps its own duplicate check and dialog states, so a
    second replica would handle re-sent updates twice and lose people's places in their
    dialogs. On PostgreSQL the first replica holds a lock for its lifetime and a second
    one refuses to start; on SQLite (one machine) a warning says to run only one."""
    if app.redis is not None:
        return None
    if app.db.engine.dialect.name != "postgresql":
        logger.warning("webhook mode without REDIS_URL: run exactly one replica of this process")
        return None
    conn = await app.db.engine.connect()
    got = await conn.scalar(text(f"SELECT pg_try_advisory_lock({SINGLE_REPLICA_LOCK})"))
    await conn.commit()
    if not got:
        await conn.close()
        raise ReplicaConflict
    logger.warning("webhook mode without REDIS_URL: this is the only replica allowed")
    return conn


async def run_webhook(app: App, stop: asyncio.Event | None = None) -> None:
    settings = app.settings
    assert settings.telegram_bot_token is not None and settings.telegram_webhook_url is not None
    base = str(settings.telegram_api_base) if settings.telegram_api_base else None
    bot = make_bot(settings.telegram_bot_token.get_secret_value(), base)
    web_app = webhook_app(app, bot)
    guard = await single_replica_guard(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.telegram_webhook_host, settings.telegram_webhook_port)
    await site.start()
    try:
        await set_commands(bot)
        secret = settings.telegram_webhook_secret
        await bot.set_webhook(
            str(settings.telegram_webhook_url).rstrip("/") + WEBHOOK_PATH,
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=["message", "callback_query"],
        )
        logger.info("webhook set; listening on port %s", settings.telegram_webhook_port)
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
        await bot.session.close()
        if guard is not None:
            await guard.close()
