"""MAX through the maxapi library: long polling with the marker, or a webhook subscription
with its secret; updates turned into the neutral event, screens into MAX inline keyboards.

No flow logic here. Every request to MAX (replies here, notices in sender.py) draws from
the bot's 30 requests/s budget, shared through Redis when REDIS_URL is set, and a dialog's
own budget of 2 answers a second (api.py); updates are read in updates.py. The library's
own retries are off: a repeated POST /messages would be a second message, so a failed send
is this package's decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from maxapi import Bot
from maxapi.enums.attachment import AttachmentType
from maxapi.enums.update import UpdateType
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError, MaxConnection, MaxUploadFileFailed
from maxapi.types.attachments import AttachmentInput, Location
from maxapi.types.attachments.upload import AttachmentPayload, AttachmentUpload
from maxapi.types.updates.message_callback import MessageForCallback

from bot.app import App
from bot.dialogs.engine import Reply
from bot.dialogs.events import Event
from bot.dialogs.screen import Rendered, RFile
from bot.dialogs.state import RedisStateStore
from bot.handlers import Refused, uploads
from bot.handlers.common import KeyedLock, MemorySeen, RedisOrder, RedisSeen, SeenStore
from bot.handlers.max.api import MaxApi, make_bot, transient, unreachable, upload_token
from bot.handlers.max.keyboard import keyboard
from bot.handlers.max.settings import MaxSettings
from bot.handlers.max.updates import KEY, to_event, who
from bot.handlers.split import MAX_TEXT, split_text
from bot.handlers.startup import setup_call
from bot.i18n import pick_language, translator
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
                    await self._unreachable(user)
                elif kind == "message_callback":
                    await self.on_press(raw, user)
                else:
                    await self.on_message(raw, user)
        except Exception:
            logger.exception("MAX %s update failed", raw.get("update_type"))

    async def on_message(self, raw: dict[str, Any], user: str) -> None:
        event = to_event(raw, user)
        if event is None:
            return
        reply = await self.app.engine.handle(event)
        await self.send(user, reply)

    async def on_press(self, raw: dict[str, Any], user: str) -> None:
        callback = raw.get("callback") or {}
        lang = raw.get("user_locale")
        event = Event(
            platform=KEY,
            user_id=user,
            kind="button",
            payload=str(callback.get("payload") or ""),
            language_code=pick_language(lang) if isinstance(lang, str) else None,
        )
        reply = await self.app.engine.handle(event)
        callback_id = str(callback.get("callback_id") or "")
        # one call answers the press and puts the new screen in place of the old one; a
        # text longer than one message: its first part there (without buttons), the rest
        # sent after it, the keyboard on the last
        parts = split_text(reply.screen.text, MAX_TEXT)
        attachments: list[AttachmentInput] = (
            [*keyboard(reply.screen.rows)] if len(parts) == 1 else []
        )
        message = MessageForCallback(text=parts[0], attachments=attachments)
        try:
            await self.api.call(
                user,
                lambda: self.bot.send_callback(
                    callback_id, message=message, notification=reply.toast
                ),
                reply=True,
                line="answers",
            )
        except MaxApiError as exc:
            # 404 not.found: the press is too old or unknown, which says nothing of the
            # person; only a refusal of the dialog itself does
            if exc.code != 404 and unreachable(exc):
                await self._unreachable(user)
                return
            logger.info("MAX callback answer refused (%s): sending anew", exc.code)
        except (MaxConnection, TimeoutError) as exc:
            logger.info("MAX callback answer failed (%s): sending anew", type(exc).__name__)
        else:
            await self.send(user, reply, first=1)
            return
        # the action behind the press was saved: its screen goes as messages instead
        await self.send(user, reply)

    async def send(self, user: str, reply: Reply, first: int = 0) -> None:
        """The screen as one message or several, the keyboard on the last; from part
        ``first`` (the ones before it are shown already)."""
        screen = reply.screen
        parts = split_text(screen.text, MAX_TEXT)
        for i in range(first, len(parts)):
            rows = screen.rows if i == len(parts) - 1 else []
            refused = await self._deliver(
                user,
                partial(
                    self.bot.send_message,
                    user_id=int(user),
                    text=parts[i],
                    attachments=keyboard(rows),
                ),
            )
            if refused is not None:
                logger.warning("MAX message not sent: error %s", refused.code)
                return
        if screen.venue is not None and not await self.send_venue(user, screen):
            return
        if screen.files:
            await self.send_files(user, screen)

    async def send_venue(self, user: str, screen: Rendered) -> bool:
        """The screen's place as MAX's own location: POST /messages with an attachment
        ``{type: location, latitude, longitude}`` (dev.max.ru, LocationAttachmentRequest),
        the name and address as its text; False when the person cannot be messaged."""
        venue = screen.venue
        if venue is None:
            return True
        place: list[AttachmentInput] = [
            Location(
                type=AttachmentType.LOCATION,
                latitude=venue.latitude,
                longitude=venue.longitude,
                bot=None,
            )
        ]
        refused = await self._deliver(
            user,
            partial(
                self.bot.send_message,
                user_id=int(user),
                text=f"{venue.title}\n{venue.address}",
                attachments=place,
            ),
        )
        if refused is not None:
            logger.warning("MAX location not sent: error %s", refused.code)
            return not unreachable(refused)
        return True

    # --- files --------------------------------------------------------------------------

    async def send_files(self, user: str, screen: Rendered) -> None:
        """The screen's files after its text, each a message with its caption: POST
        /uploads?type=image|file gives an upload URL, the file is POSTed there as
        multipart/form-data (field ``data``), the upload server answers the token, and
        POST /messages carries ``{type, payload: {token}}`` (dev.max.ru, "Отправка
        сообщений с медиафайлами"); maxapi waits and asks again while MAX answers
        ``attachment.not.ready``. A file over MAX's limits is not uploaded: the person
        reads why instead."""
        t = translator()
        for file in screen.files:
            refusal = uploads.check(file, uploads.MAX)
            if refusal is not None:
                logger.info("a %s over MAX's limits was not sent", file.kind)
                if not await self._text(user, refusal.text(t, screen.lang)):
                    return
                continue
            caption = file.caption
            if caption and uploads.caption_apart(caption, uploads.MAX):
                if not await self._text(user, caption):
                    return
                caption = ""
            try:
                attachment = await self.api.call(
                    user, partial(self._upload, file), reply=True, attempts=3
                )
            except (
                MaxApiError,
                MaxUploadFileFailed,
                MaxConnection,
                TimeoutError,
                aiohttp.ClientError,
            ) as exc:
                logger.warning("MAX upload of a %s failed: %s", file.kind, type(exc).__name__)
                await self._text(user, uploads.failed(file, uploads.MAX).text(t, screen.lang))
                continue
            refused = await self._deliver(
                user,
                partial(
                    self.bot.send_message,
                    user_id=int(user),
                    text=caption or None,
                    attachments=[attachment],
                ),
            )
            if refused is not None:
                logger.warning("MAX message with a file not sent: error %s", refused.code)
                if unreachable(refused):
                    return
                await self._text(user, uploads.failed(file, uploads.MAX).text(t, screen.lang))

    async def _upload(self, file: RFile) -> AttachmentUpload:
        """One file to MAX's upload server: its token as an attachment. The URL is asked
        through maxapi (Bot.get_upload_url); the POST is made here on the bot's session,
        because maxapi's upload from memory names the file after what its content looks
        like (a workbook "report.xlsx" arrives as "report.xlsx.docx")."""
        kind = UploadType.IMAGE if file.kind == "picture" else UploadType.FILE
        target = await self.bot.get_upload_url(kind)
        form = aiohttp.FormData(quote_fields=False)
        content_type = mimetypes.guess_type(file.filename)[0] or "application/octet-stream"
        form.add_field("data", file.data, filename=file.filename, content_type=content_type)
        session = await self.bot.ensure_session()
        async with session.post(target.url, data=form) as response:
            body = await response.text()
            if not 200 <= response.status < 300:
                raise MaxUploadFileFailed(f"upload server answered {response.status}")
        token = upload_token(kind, body)
        return AttachmentUpload(type=kind, payload=AttachmentPayload(token=token))

    async def _text(self, user: str, text: str) -> bool:
        """One message of text; False if the person cannot be reached."""
        refused = await self._deliver(
            user, partial(self.bot.send_message, user_id=int(user), text=text)
        )
        if refused is not None:
            logger.warning("MAX message not sent: error %s", refused.code)
            return not unreachable(refused)
        return True

    async def _deliver(self, user: str, send: Callable[[], Awaitable[Any]]) -> MaxApiError | None:
        """One reply from the budgets. Returns MAX's refusal, for the caller to decide (a
        person MAX cannot reach is marked so first: nothing more goes to them)."""
        try:
            await self.api.call(user, send, reply=True)
        except MaxApiError as exc:
            if unreachable(exc):
                await self._unreachable(user)
            return exc
        except (MaxConnection, TimeoutError) as exc:
            logger.warning("MAX reply not sent: %s", type(exc).__name__)
        return None

    async def _unreachable(self, user: str) -> None:
        logger.info("a MAX user cannot be messaged: marked unreachable")
        await self.app.engine.core.family.mark_unreachable(KEY, user)
        # the person's next event resolves the account again and lifts the mark
        await self.app.engine.forget(f"{KEY}:{user}")


async def run(app: App, stop: asyncio.Event | None = None) -> None:
    settings = MaxSettings.of(app.settings)
    assert settings.bot_token is not None
    base = str(settings.api_base) if settings.api_base else None
    bot = make_bot(settings.bot_token.get_secret_value(), base)
    seen: SeenStore = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
    handler = MaxHandler(app, bot, seen)
    stop = stop or asyncio.Event()
    try:
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
