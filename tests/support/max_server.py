"""A stand-in MAX Bot API server on 127.0.0.1 for end-to-end tests, written from the MAX
Bot API documentation (dev.max.ru) and enforcing its limits:

- the token in the ``Authorization`` header (401 otherwise);
- 30 requests a second per bot (429 ``too.many.requests``), at most two callback answers a
  second in one dialog, and at most two long-poll requests (GET /updates) a second;
- a message's text up to 4000 UTF-16 code units; an inline keyboard of at most 210 buttons in
  30 rows, 7 a row (3 for link and location buttons); a callback payload of 1 to 256
  characters (400 ``proto.payload`` otherwise);
- a person who blocked the bot: 403 ``chat.denied``.

Files as MAX documents them (POST /uploads, dev.max.ru): POST /uploads?type=image|file
gives a one-time upload URL served here; the file is POSTed to it as multipart/form-data in
the field ``data`` (an image up to 50 MB and 7680×7680, its size read from its own header; a
file up to 4 GB — here as much as the test server takes); the upload server answers the
token (``{"photos": {…: {"token"}}}`` for an image, ``{"fileId", "token"}`` for a file), and
POST /messages takes an attachment ``{type: image|file, payload: {token}}`` only with a
token it issued for that type (400 otherwise); ``not_ready`` sends are answered 400
``attachment.not.ready`` first, as MAX does while it processes an upload.

It serves GET /me, GET /updates (long polling with the marker), POST /messages,
POST /answers, POST /uploads, GET/POST/DELETE /subscriptions (a subscribed webhook receives
each update as a POST with ``X-Max-Bot-Api-Secret``). Tests push updates as a user would
and read what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.uploads import MB, Upload, read_form
from tests.support.waiting import SentLog

# NewMessageBody.text "maxLength: 4000" (max-bot-api-schemas, schema_2026_07_01.yaml);
# MAX answers 400 proto.payload "text: size must be between 0 and 4000", the message of
# Java's @Size, which counts String.length(): UTF-16 code units (an emoji outside the BMP
# is 2). The maxapi library refuses len(text) >= 4000 itself, before any request.
MAX_TEXT = 4000


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


MAX_ROWS = 30
MAX_PER_ROW = 7
MAX_WIDE_PER_ROW = 3
MAX_BUTTONS = 210
MAX_PAYLOAD = 256
WIDE = {"link", "open_app", "request_geo_location", "request_contact"}
# POST /uploads: image "до 50 МБ, ≤7680×7680 px", file "до 4 ГБ" (dev.max.ru; maxapi's
# utils/upload_limits.py quotes the same)
IMAGE_BYTES = 50 * MB
IMAGE_SIDE = 7680
TEST_BODY_BYTES = 60 * MB  # what this stand-in reads at most (a file of 4 GB is not tried)


@dataclass
class Sent:
    method: str  # "messages" (a new message) or "answers" (the pressed message replaced)
    user_id: int
    text: str
    message_id: str
    attachments: list[dict[str, Any]]
    notification: str | None = None
    files: list[Upload] = field(default_factory=list)  # what its upload tokens stood for

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows: list[list[dict[str, Any]]] = []
        for a in self.attachments:
            if a.get("type") == "inline_keyboard":
                rows += a["payload"]["buttons"]
        return [b for row in rows for b in row]

    def button(self, label_part: str) -> dict[str, Any]:
        for b in self.buttons:
            if label_part in b["text"]:
                return b
        raise AssertionError(f"no button {label_part!r} in {[b['text'] for b in self.buttons]}")


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class FakeMax(SentLog):
    token: str = "max-test-token"
    rate_per_s: float = 30  # requests a second per bot
    answers_per_s: float = 2  # callback answers a second per dialog
    polls_per_s: float = 2  # GET /updates a second
    blocked: set[int] = field(default_factory=set)
    too_many: int = 0
    refused: list[str] = field(default_factory=list)  # codes of 4xx answers other than 429
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (marker, update)
    sent: list[Sent] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] | None = None  # the last PATCH /me/commands (None: never)
    port: int = 0

    # MAX documents no lifetime of a press; an answer to one older than this, or to an
    # unknown one, is refused 404 not.found (None: a press never expires)
    callback_ttl_s: float | None = None
    # "METHOD /path" -> HTTP codes its next calls get, set-up calls included (any request
    # beyond 30 a second is answered 429; 5xx when MAX is in trouble)
    refuse: dict[str, list[int]] = field(default_factory=dict)
    # sends with a fresh upload answered 400 attachment.not.ready before one is taken
    not_ready: int = 0

    def __post_init__(self) -> None:
        self._markers = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._times: list[float] = []
        self._answer_times: dict[int, list[float]] = {}
        self._poll_times: list[float] = []
        self.polls_refused = 0
        self._callbacks: dict[str, tuple[int, str]] = {}  # callback id -> (user, message id)
        self._pressed: dict[str, float] = {}  # callback id -> when it was pressed
        self._last_message: dict[int, str] = {}
        self._http: aiohttp.ClientSession | None = None
        self._upload_urls: dict[str, str] = {}  # one-time upload URL ticket -> type
        self._tokens: dict[str, tuple[str, Upload]] = {}  # upload token -> (type, file)
        self.uploads: list[Upload] = []  # every file the upload server took
        self.upload_refusals: list[str] = []  # why the upload server or a message refused
        self.not_ready_sent = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # aiohttp refuses a body over 1 MiB by default
        app = web.Application(client_max_size=TEST_BODY_BYTES)
        app.router.add_get("/me", self._me)
        app.router.add_patch("/me/commands", self._commands)
        app.router.add_post("/uploads", self._uploads)
        app.router.add_post("/upload/{ticket}", self._upload)
        app.router.add_get("/updates", self._updates)
        app.router.add_post("/messages", self._messages)
        app.router.add_post("/answers", self._answers)
        app.router.add_get("/subscriptions", self._subscriptions)
        app.router.add_post("/subscriptions", self._subscribe)
        app.router.add_delete("/subscriptions", self._unsubscribe)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a user does -------------------------------------------------------------

    async def push(self, update: dict[str, Any], *, twice: bool = False) -> None:
        update.setdefault("timestamp", int(time.time() * 1000))
        update.setdefault("user_locale", "ru")
        for _ in range(2 if twice else 1):
            copy = json.loads(json.dumps(update))
            if self.subscriptions:
                await self._deliver(copy)
                continue
            async with self._changed:
                self.updates.append((next(self._markers), copy))
                self._changed.notify_all()

    def _message(self, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "sender": {"user_id": user_id, "first_name": f"U{user_id}", "is_bot": False},
            "recipient": {"chat_id": user_id + 10**9, "chat_type": "dialog", "user_id": 1},
            "timestamp": int(time.time() * 1000),
            "body": {"mid": f"mid.{next(self._ids)}", "seq": next(self._ids), **body},
        }

    async def stop_bot(self, user_id: int) -> None:
        """The person stops (blocks) the bot: MAX sends ``bot_stopped`` and refuses every
        message to them with 403 ``chat.denied`` until they start it again."""
        self.blocked.add(user_id)
        await self.push(
            {
                "update_type": "bot_stopped",
                "chat_id": user_id + 10**9,
                "user": {"user_id": user_id, "first_name": f"U{user_id}"},
            }
        )

    async def start_bot(self, user_id: int) -> None:
        """The person starts the bot (again, after stopping it: it is unblocked)."""
        self.blocked.discard(user_id)
        await self.push(
            {
                "update_type": "bot_started",
                "chat_id": user_id + 10**9,
                "user": {"user_id": user_id, "first_name": f"U{user_id}"},
            }
        )

    async def message(self, user_id: int, text: str, *, twice: bool = False) -> None:
        body = {"text": text, "attachments": []}
        await self.push(
            {"update_type": "message_created", "message": self._message(user_id, body)},
            twice=twice,
        )

    async def location(self, user_id: int, lat: float, lon: float) -> None:
        body = {
            "text": "",
            "attachments": [{"type": "location", "latitude": lat, "longitude": lon}],
        }
        await self.push(
            {"update_type": "message_created", "message": self._message(user_id, body)}
        )

    async def press(
        self, user_id: int, payload: str, *, twice: bool = False, stale: bool = False
    ) -> None:
        """``stale``: a button of an old message whose callback MAX no longer knows, so
        answering it gets 404 ``not.found`` (the person is not blocked)."""
        callback_id = f"cb.{next(self._ids)}"
        mid = self._last_message.get(user_id, "mid.0")
        if not stale:
            self._callbacks[callback_id] = (user_id, mid)
        self._pressed[callback_id] = time.monotonic()
        await self.push(
            {
                "update_type": "message_callback",
                "callback": {
                    "timestamp": int(time.time() * 1000),
                    "callback_id": callback_id,
                    "payload": payload,
                    "user": {"user_id": user_id, "first_name": f"U{user_id}"},
                },
                "message": self._message(1, {"text": "…"}),
            },
            twice=twice,
        )

    # --- the Bot API ------------------------------------------------------------------

    async def _call(self, request: web.Request, handler) -> web.Response:  # type: ignore[no-untyped-def]
        if request.headers.get("Authorization") != self.token:
            return web.json_response(
                {"code": "verify.token", "message": "Invalid access_token"}, status=401
            )
        try:
            queued = self.refuse.get(f"{request.method} {request.path}")
            if queued:
                status = queued.pop(0)
                if status == 429:
                    self.too_many += 1
                    raise Refusal(429, "too.many.requests", "Too many requests")
                raise Refusal(status, "internal.error", "Internal error")
            self._rate()
            return web.json_response(await handler(request))
        except Refusal as exc:
            if exc.status != 429:
                self.refused.append(exc.code)
            return web.json_response({"code": exc.code, "message": exc.message}, status=exc.status)

    def _rate(self) -> None:
        now = time.monotonic()
        self._times = [t for t in self._times if t > now - 1.0]
        if len(self._times) >= self.rate_per_s:
            self.too_many += 1
            raise Refusal(429, "too.many.requests", "Too many requests")
        self._times.append(now)

    @staticmethod
    def _check(body: dict[str, Any]) -> None:
        text = body.get("text") or ""
        if utf16_len(text) > MAX_TEXT:
            raise Refusal(400, "proto.payload", "text: size must be between 0 and 4000")
        for attachment in body.get("attachments") or []:
            if attachment.get("type") == "location":
                _check_location(attachment)
                continue
            if attachment.get("type") != "inline_keyboard":
                continue
            rows = attachment["payload"]["buttons"]
            if len(rows) > MAX_ROWS or sum(map(len, rows)) > MAX_BUTTONS:
                raise Refusal(400, "proto.payload", "keyboard: too many buttons")
            for row in rows:
                wide = any(b.get("type") in WIDE for b in row)
                if len(row) > (MAX_WIDE_PER_ROW if wide else MAX_PER_ROW):
                    raise Refusal(400, "proto.payload", "keyboard: too many buttons in a row")
                for b in row:
                    if not b.get("text"):
                        raise Refusal(400, "proto.payload", "button: text is empty")
                    if b.get("type") == "callback" and not (
                        1 <= len(b.get("payload") or "") <= MAX_PAYLOAD
                    ):
                        raise Refusal(400, "proto.payload", "button: payload size")

    async def _me(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> dict[str, Any]:
            return {"user_id": 1, "first_name": "PFDO", "username": "pfdo_bot", "is_bot": True}

        return await self._call(request, handler)

    async def _commands(self, request: web.Request) -> web.Response:
        # "максимум 32 элемента в массиве", name "от 1 до 64 символов", description
        # "опционально, от 1 до 128 символов"; an empty list removes them
        # (dev.max.ru/docs-api/use-cases/chatbot-commands, methods/PATCH/me/commands)
        async def handler(request: web.Request) -> dict[str, Any]:
            commands = (await request.json()).get("commands")
            if not isinstance(commands, list) or len(commands) > 32:
                raise Refusal(400, "proto.payload", "commands: size must be between 0 and 32")
            for each in commands:
                if not 1 <= len(str(each.get("name") or "")) <= 64:
                    raise Refusal(400, "proto.payload", "name: size must be between 1 and 64")
                described = each.get("description")
                if described is not None and not 1 <= len(described) <= 128:
                    raise Refusal(
                        400, "proto.payload", "description: size must be between 1 and 128"
                    )
            self.commands = commands
            return {"commands": commands}

        return await self._call(request, handler)

    async def _updates(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            now = time.monotonic()
            self._poll_times = [t for t in self._poll_times if t > now - 1.0]
            if len(self._poll_times) >= self.polls_per_s:
                self.polls_refused += 1
                raise Refusal(429, "too.many.requests", "Long polling: at most 2 requests/s")
            self._poll_times.append(now)
            marker = int(request.query.get("marker") or 0)
            timeout = min(float(request.query.get("timeout") or 0), 0.5)
            limit = int(request.query.get("limit") or 100)
            async with self._changed:
                if not any(m > marker for m, _ in self.updates):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout)
                batch = [(m, u) for m, u in self.updates if m > marker][:limit]
            last = batch[-1][0] if batch else marker
            return {"updates": [u for _, u in batch], "marker": last}

        return await self._call(request, handler)

    async def _record(self, sent: Sent) -> None:
        async with self._changed:
            self.sent.append(sent)
            self._last_message[sent.user_id] = sent.message_id
            self._changed.notify_all()

    async def _messages(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            user_id = int(request.query["user_id"])
            body = await request.json()
            self._check(body)
            files = self._attached(body)
            if user_id in self.blocked:
                raise Refusal(403, "chat.denied", "chat.denied: dialog is blocked")
            mid = f"mid.{next(self._ids)}"
            attachments = body.get("attachments") or []
            text = body.get("text") or ""
            await self._record(Sent("messages", user_id, text, mid, attachments, None, files))
            return {
                "message": {
                    "recipient": {"user_id": user_id, "chat_type": "dialog", "chat_id": user_id},
                    "timestamp": int(time.time() * 1000),
                    "body": {
                        "mid": mid,
                        "seq": next(self._ids),
                        "text": body.get("text"),
                        "attachments": [],
                    },
                }
            }

        return await self._call(request, handler)

    # --- uploads ----------------------------------------------------------------------

    async def _uploads(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            kind = request.query.get("type", "")
            if kind not in ("image", "video", "audio", "file"):
                raise Refusal(400, "proto.payload", "type: must be image, video, audio or file")
            ticket = secrets.token_urlsafe(12)
            self._upload_urls[ticket] = kind
            return {"url": f"{self.base}/upload/{ticket}"}

        return await self._call(request, handler)

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload server: one file per URL, in the field ``data``."""

        def refuse(status: int, why: str) -> web.Response:
            self.upload_refusals.append(why)
            return web.json_response({"code": "upload.error", "message": why}, status=status)

        given = request.headers.get("Authorization")
        if given is not None and given != self.token:
            return refuse(401, "a token not the bot's")
        kind = self._upload_urls.pop(request.match_info["ticket"], None)
        if kind is None:
            return refuse(404, "unknown or used upload URL")
        _, files = await read_form(request)
        if len(files) != 1 or files[0].field != "data":
            return refuse(400, "one file in the field data expected")
        upload = files[0]
        if upload.size == 0:
            return refuse(400, "empty file")
        if kind == "image":
            if upload.size > IMAGE_BYTES:
                return refuse(400, "image too large")
            shape = upload.picture()
            if shape is None:
                return refuse(400, "not an image")
            if max(shape) > IMAGE_SIDE or min(shape) == 0:
                return refuse(400, "image dimensions")
        token = secrets.token_urlsafe(24)
        self._tokens[token] = (kind, upload)
        self.uploads.append(upload)
        if kind == "image":
            return web.json_response({"photos": {secrets.token_hex(8): {"token": token}}})
        return web.json_response({"fileId": len(self.uploads), "token": token})

    def _attached(self, body: dict[str, Any]) -> list[Upload]:
        """The files a message's upload attachments stand for; unknown tokens refused."""
        files: list[Upload] = []
        fresh = False
        for attachment in body.get("attachments") or []:
            kind = attachment.get("type")
            if kind not in ("image", "video", "audio", "file"):
                continue
            token = (attachment.get("payload") or {}).get("token")
            known = self._tokens.get(token) if isinstance(token, str) else None
            if known is None or known[0] != kind:
                self.upload_refusals.append("message: unknown attachment token")
                raise Refusal(400, "proto.payload", "attachment: invalid token")
            files.append(known[1])
            fresh = True
        if fresh and self.not_ready_sent < self.not_ready:
            self.not_ready_sent += 1
            why = "errors.process.attachment.file.not.processed"
            raise Refusal(400, "attachment.not.ready", why)
        return files

    async def _answers(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            callback_id = request.query.get("callback_id", "")
            pressed = self._pressed.get(callback_id)
            too_old = (
                self.callback_ttl_s is not None
                and pressed is not None
                and time.monotonic() - pressed > self.callback_ttl_s
            )
            if callback_id not in self._callbacks or too_old:
                raise Refusal(404, "not.found", "callback not found")
            user_id, mid = self._callbacks[callback_id]
            now = time.monotonic()
            recent = [t for t in self._answer_times.get(user_id, []) if t > now - 1.0]
            if len(recent) >= self.answers_per_s:
                self.too_many += 1
                raise Refusal(429, "too.many.requests", "Too many answers in this dialog")
            self._answer_times[user_id] = [*recent, now]
            body = await request.json()
            message = body.get("message") or {}
            self._check(message)
            if user_id in self.blocked:
                raise Refusal(403, "chat.denied", "chat.denied: dialog is blocked")
            if message:
                await self._record(
                    Sent(
                        "answers",
                        user_id,
                        message.get("text") or "",
                        mid,
                        message.get("attachments") or [],
                        body.get("notification"),
                    )
                )
            return {"success": True}

        return await self._call(request, handler)

    async def _subscriptions(self, request: web.Request) -> web.Response:
        async def handler(_: web.Request) -> dict[str, Any]:
            hidden = {"secret"}  # MAX never shows the secret back
            subs = [{k: v for k, v in s.items() if k not in hidden} for s in self.subscriptions]
            return {"subscriptions": subs}

        return await self._call(request, handler)

    async def _subscribe(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            body = await request.json()
            secret = body.get("secret")
            # POST /subscriptions, secret: "^[a-zA-Z0-9_-]{5,256}$" (dev.max.ru, Bot API)
            if secret is not None and not 5 <= len(secret) <= 256:
                raise Refusal(400, "proto.payload", "secret: size must be between 5 and 256")
            if secret is not None and not re.fullmatch(r"[a-zA-Z0-9_-]+", secret):
                raise Refusal(400, "proto.payload", "secret: must match ^[a-zA-Z0-9_-]{5,256}$")
            self.subscriptions = [
                {
                    "url": body["url"],
                    "time": int(time.time() * 1000),
                    "update_types": body.get("update_types"),
                    "secret": secret,
                }
            ]
            return {"success": True}

        return await self._call(request, handler)

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        async def handler(request: web.Request) -> dict[str, Any]:
            url = request.query.get("url")
            self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
            return {"success": True}

        return await self._call(request, handler)

    async def _deliver(self, update: dict[str, Any]) -> None:
        """A webhook delivery: POSTed with the subscription's secret in the header."""
        sub = self.subscriptions[0]
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {"X-Max-Bot-Api-Secret": sub["secret"]} if sub.get("secret") else {}
        async with self._http.post(sub["url"], json=update, headers=headers) as resp:
            await resp.read()


def _check_location(attachment: dict[str, Any]) -> None:
    """A location a bot sends (LocationAttachmentRequest in MAX's OpenAPI schema,
    max-messenger-bot/max-bot-api-schemas): ``type: location`` with ``latitude`` and
    ``longitude``, both required numbers; a latitude lies in -90..90 and a longitude in
    -180..180."""
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = attachment.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise Refusal(400, "proto.payload", f"location: {name} is required")
        if not -limit <= value <= limit:
            raise Refusal(400, "proto.payload", f"location: {name} out of range")
