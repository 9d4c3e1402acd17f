"""Telegram in webhook mode: the aiohttp server of one replica, the update ledger that
handles each update once across replicas, and the guard against running several replicas
without Redis. The updates themselves go to the same dispatcher as in long polling."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text

from bot.app import App
from bot.handlers import Refused
from bot.handlers.common import MARK, MemoryUpdateLedger, RedisUpdateLedger, UpdateLedger
from bot.handlers.startup import setup_call
from bot.handlers.telegram.handler import (
    STOP_GRACE,
    build_dispatcher,
    make_bot,
    set_up,
    transient,
)
from bot.handlers.telegram.order import InFlight
from bot.handlers.telegram.presses import RESPONSE
from bot.handlers.telegram.settings import TelegramSettings

logger = logging.getLogger(__name__)


class LedgerRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler that processes the update before answering 200, and only
    once across replicas.

    401: a wrong secret. 400: a body nested deeper than the JSON decoder goes (malformed:
    no update of Telegram's is). 200: the update was handled (so a crash never loses an
    acknowledged update), or it is a repeat of a handled one, or the body is not a usable
    update at all (logged; Telegram would re-send a poison update forever otherwise).
    A press's 200 may come before its screen is sent, once its step is saved and the update
    marked handled, carrying the press's answer (``EarlyResponse``).
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
        except RecursionError:
            # nested deeper than the decoder goes: no update of Telegram's is (logged
            # without the body, which is the sender's to know)
            logger.warning("webhook: a body nested too deeply was refused")
            return web.Response(status=400, text="malformed")
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
        if update.callback_query is None:
            return await self._feed(bot, update, key, None)
        # a press: its handling goes on in a task of its own once the response has carried
        # its answer, and the request ends there (held until the screen was sent, the
        # answers that rode a response reached Telegram 1.6 s late at p99 in a storm at
        # 30 messages/s, where the screens wait in the replies' line: storm_bench)
        response = EarlyResponse(request, bot)
        handling = asyncio.ensure_future(self._feed(bot, update, key, response))
        either: set[asyncio.Future[Any]] = {handling, response.written}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if handling.done():
            return handling.result()
        _PRESSES.add(handling)  # counted among the updates in hand (PerUserOrder) meanwhile
        handling.add_done_callback(_PRESSES.discard)
        return response.sent or await handling

    async def _feed(
        self, bot: Bot, update: Update, key: str, response: EarlyResponse | None
    ) -> web.Response:
        # the person's lock marks it done with its release when it can (one round trip)
        mark = self.ledger.mark(key)
        reset = MARK.set(mark)
        answering = RESPONSE.set(response)
        try:
            await self.dispatcher.feed_update(bot, update, **self.data)
        except Exception:
            if response is not None and response.sent is not None:
                # answered already: the step was saved and the update marked handled
                logger.exception("webhook update failed after its press was answered")
                return response.sent
            await self._release(key)
            logger.exception("webhook update failed; Telegram will send it again")
            return web.Response(status=503, text="failed")
        finally:
            RESPONSE.reset(answering)
            MARK.reset(reset)
        if mark is None or not mark.done:
            await self._done(key)
        return (response.sent if response is not None else None) or web.json_response({})

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


_PRESSES: set[asyncio.Task[web.Response]] = set()  # handled on after their response


class EarlyResponse:
    """The webhook request's response written before the update's handling ends, carrying
    a Bot API call (a press's answer: bot/handlers/telegram/presses.py). Written only once
    the step is saved and the update marked handled (the person's turn given back), so an
    early 200 still means what the handler promises; the screen that follows goes by the
    bot's own calls, as every answer does. aiohttp writes no second response for a
    request whose response was written (prepare and write_eof do nothing again)."""

    __slots__ = ("_bot", "_request", "_tried", "sent", "written")

    def __init__(self, request: web.Request, bot: Bot) -> None:
        self._request = request
        self._bot = bot
        self._tried = False
        self.sent: web.Response | None = None
        self.written: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def send(self, body: dict[str, object]) -> bool:
        if self._tried:
            return False
        self._tried = True
        response = web.Response(
            body=self._bot.session.json_dumps(body), content_type="application/json"
        )
        try:
            await response.prepare(self._request)
            await response.write_eof()
        except (ConnectionError, RuntimeError) as exc:
            # Telegram gone from this request: the caller makes the call itself
            logger.info("a webhook's response was not written (%s)", type(exc).__name__)
            return False
        self.sent = response
        self.written.set_result(None)
        return True


WEBHOOK_PATH = "/telegram/webhook"
# the updates in hand of a replica (handler.InFlight): a press's handling outlives its
# request (LedgerRequestHandler), so a stop waits for them after the server's own stop
IN_FLIGHT = web.AppKey("in_flight", InFlight)


def webhook_app(app: App, bot: Bot) -> web.Application:
    """The aiohttp application of one webhook replica: the webhook and the health checks
    a load balancer asks. /metrics is not here (this port faces the internet): it is
    served on HEALTH_PORT."""
    from bot.handlers import health

    secret = TelegramSettings.of(app.settings).webhook_secret
    if secret is None or not TelegramSettings.of(app.settings).webhook_secret_ok:
        # the command refuses earlier with a message; this guards other callers
        raise RuntimeError("webhook mode without a long enough TELEGRAM_WEBHOOK_SECRET")
    dp = build_dispatcher(app, bot, dedup=False)
    ledger: UpdateLedger = (
        RedisUpdateLedger(app.redis) if app.redis is not None else MemoryUpdateLedger()
    )
    web_app = web.Application()
    web_app[IN_FLIGHT] = dp["in_flight"]
    LedgerRequestHandler(dp, bot, ledger, secret.get_secret_value()).register(
        web_app, path=WEBHOOK_PATH
    )
    health.add_routes(web_app, app, metrics=False)
    return web_app


class ReplicaConflict(Refused):
    """Another webhook replica runs on this database without REDIS_URL."""

    def __init__(self) -> None:
        super().__init__("cli-webhook-replica")


# pg_try_advisory_lock key of a webhook replica without Redis ("PFDW")
SINGLE_REPLICA_LOCK = 0x5046_4457


async def single_replica_guard(app: App):
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
    settings = TelegramSettings.of(app.settings)
    assert settings.bot_token is not None and settings.webhook_url is not None
    base = str(settings.api_base) if settings.api_base else None
    bot = make_bot(settings.bot_token.get_secret_value(), base)
    web_app = webhook_app(app, bot)
    guard = await single_replica_guard(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    try:
        await set_up(bot)
        secret = settings.webhook_secret
        await setup_call(
            "Telegram setWebhook",
            lambda: bot.set_webhook(
                str(settings.webhook_url).rstrip("/") + WEBHOOK_PATH,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=["message", "callback_query"],
            ),
            transient,
        )
        logger.info("webhook set; listening on port %s", settings.webhook_port)
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
        await web_app[IN_FLIGHT].drain(STOP_GRACE)
        await bot.session.close()
        if guard is not None:
            await guard.close()
