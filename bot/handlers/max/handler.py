"""MAX through the maxapi library: long polling with the marker, or a webhook subscription
with its secret; updates turned into the neutral event, screens into MAX inline keyboards.

No flow logic here. Every request to MAX (answers in replies.py, a press's in presses.py,
notices in sender.py) draws from the bot's 30 requests/s budget, shared through Redis when
REDIS_URL is set, and a dialog's own budget of 2 answers a second (api.py); updates are
read in updates.py. The library's own retries are off: a repeated POST /messages would be
a second message, so a failed send is this package's decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any

from aiohttp import web
from maxapi import Bot
from maxapi.enums.update import UpdateType
from maxapi.exceptions.max import MaxApiError, MaxConnection
from maxapi.types.command import BotCommand

from bot.app import App
from bot.dialogs.commands import PARENT_COMMANDS
from bot.dialogs.state import RedisStateStore
from bot.handlers import Refused
from bot.handlers.common import KeyedLock, MemorySeen, RedisOrder, RedisSeen, SeenStore
from bot.handlers.max.api import MaxApi, make_bot, transient
from bot.handlers.max.presses import handle_press
from bot.handlers.max.replies import Replies
from bot.handlers.max.settings import MaxSettings
from bot.handlers.max.updates import KEY, to_event, who
from bot.handlers.startup import setup_call
from bot.i18n import translator
from bot.notify.pacing import Budget

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/max/webhook"
UPDATE_TYPES = [
    UpdateType.MESSAGE_CREATED,
    UpdateType.MESSAGE_CALLBACK,
    UpdateType.BOT_STARTED,
    UpdateType.BOT_STOPPED,
]
POLL_TIMEOUT_S = 30  # MAX holds a long poll at most 30 s (the library caps it at 90)
POLL_RATE = 2  # long polling: at most 2 requests a second (MAX Bot API, GET /updates)


class MaxHandler:
    def __init__(self, app: App, bot: Bot, seen: SeenStore) -> None:
        self.app = app
        self.bot = bot
        self.seen = seen
        own = MaxSettings.of(app.settings)
        self.api = MaxApi(bot, app.pace, own.rate, own.chat_rate)
        self.replies = Replies(app.engine, bot, self.api)
        states = app.engine.states
        self.order: KeyedLock | RedisOrder = KeyedLock()
        if app.redis is not None and isinstance(states, RedisStateStore):
            self.order = RedisOrder(app.redis, states, prefix="pfdo:order:max:")
        self.tasks: set[asyncio.Task[None]] = set()
        self.marker: int | None = None

    # --- receiving ----------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling: each answer carries the marker of the next batch, so nothing is
        asked twice; a failure asks again with the same marker after a pause."""
        backoff = 1.0
        while not stop.is_set():
            # a poll is a request of the bot's like any other, and MAX allows two a second
            await self.app.pace.acquire_all(
                Budget("max:poll", POLL_RATE), Budget("max:bot", self.api.rate), reply=True
            )
            try:
                got = await self.bot.get_updates(
                    limit=100, timeout=POLL_TIMEOUT_S, marker=self.marker, types=UPDATE_TYPES
                )
            except (MaxApiError, MaxConnection, TimeoutError, ValueError) as exc:
                logger.warning("MAX long poll: %s; again in %.0f s", type(exc).__name__, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if isinstance(got.get("marker"), int):
                self.marker = got["marker"]
            for raw in got.get("updates") or []:
                self._spawn(raw)
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def _spawn(self, raw: dict[str, Any]) -> None:
        task = asyncio.create_task(self.on_update(raw))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def webhook_app(self, secret: str) -> web.Application:
        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Max-Bot-Api-Secret", "").encode(
                "utf-8", "surrogateescape"
            )
            if not hmac.compare_digest(given, secret.encode()):
                return web.Response(status=401)
            try:
                raw = await request.json()
            except RecursionError:
                # nested deeper than the decoder goes: not an update of MAX's (logged
                # without the body)
                logger.warning("MAX webhook: a body nested too deeply was refused")
                return web.Response(status=400, text="malformed")
            except ValueError:
                logger.warning("MAX webhook: a body that is not JSON was ignored")
                return web.json_response({"ok": True})
            if isinstance(raw, dict):
                # answered after handling: a crash before it leaves MAX to deliver it again
                await self.on_update(raw)
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, receive)
        return app

    # --- events -------------------------------------------------------------------------

    async def on_update(self, raw: dict[str, Any]) -> None:
        try:
            kind = raw.get("update_type")
            user, key = who(raw)
            if user is None or key is None:
                return
            if not await self.seen.first_time(f"max:{key}"):
                logger.info("a repeated MAX update was dropped")
                return
            async with self.order.hold(user, f"{KEY}:{user}"):
                if kind == "bot_stopped":
                    # the person stopped (blocked) the bot: nothing reaches them until
                    # they start it again (bot_started) or write
                    await self.replies.unreachable(user)
                elif kind == "message_callback":
                    await handle_press(self.app.engine, self.replies, raw, user)
                else:
                    await self.on_message(raw, user)
        except Exception:
            logger.exception("MAX %s update failed", raw.get("update_type"))

    async def on_message(self, raw: dict[str, Any], user: str) -> None:
        event = to_event(raw, user)
        if event is None:
            return
        reply = await self.app.engine.handle(event)
        await self.replies.send(user, reply)


async def set_commands(bot: Bot) -> None:
    """A parent's commands as MAX's list under «/» (PATCH /me/commands): one list for
    the whole bot and every language, so in Russian. MAX takes at most 32 commands, each
    description at most 128 characters (dev.max.ru/docs-api/use-cases/chatbot-commands);
    a staff role's commands are reached from the menu's buttons."""
    t = translator()
    await bot.set_commands(
        *(BotCommand(name=c, description=t("ru", f"cmd-{c}")) for c in PARENT_COMMANDS)
    )


async def run(app: App, stop: asyncio.Event | None = None) -> None:
    settings = MaxSettings.of(app.settings)
    assert settings.bot_token is not None
    base = str(settings.api_base) if settings.api_base else None
    bot = make_bot(settings.bot_token.get_secret_value(), base)
    seen: SeenStore = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
    handler = MaxHandler(app, bot, seen)
    stop = stop or asyncio.Event()
    try:
        await setup_call("MAX commands", lambda: set_commands(bot), transient)
        if settings.webhook_url is None:
            # long polling gets nothing while a webhook is set
            await setup_call("MAX subscriptions (removing)", bot.delete_webhook, transient)
            await handler.poll(stop)
            return
        secret = settings.webhook_secret
        if secret is None or not settings.webhook_secret_ok:
            raise Refused("cli-need-max-webhook-secret")
        runner = web.AppRunner(handler.webhook_app(secret.get_secret_value()), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        try:
            await setup_call(
                "MAX subscriptions (adding)",
                lambda: bot.subscribe_webhook(
                    str(settings.webhook_url).rstrip("/") + WEBHOOK_PATH,
                    update_types=UPDATE_TYPES,
                    secret=secret.get_secret_value(),
                ),
                transient,
            )
            logger.info("MAX webhook subscribed; listening on %s", settings.webhook_port)
            await stop.wait()
        finally:
            await runner.cleanup()
    finally:
        await bot.close_session()
