"""A stand-in Telegram Bot API server on 127.0.0.1 for end-to-end tests.

It speaks enough of the Bot API for aiogram's long polling and our messages: getMe,
getUpdates (long poll), sendMessage, editMessageText, answerCallbackQuery, setMyCommands,
deleteWebhook, sendVenue (a place on the map), and sendPhoto / sendDocument with the file
uploaded as multipart/form-data
(its size, a photo's dimensions read from its own header, the caption's length checked as
the Bot API states). Tests push updates as a user would and wait for the bot's answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.uploads import MB, Upload, read_form
from tests.support.waiting import SentLog

# sendMessage/editMessageText: "Text of the message to be sent, 1-4096 characters after
# entities parsing" (core.telegram.org/bots/api#sendmessage); the Bot API counts every
# length in UTF-16 code units (core.telegram.org/api/entities: "Entity length … UTF-16")
# and answers a longer text 400 "Bad Request: message is too long"
MAX_TEXT = 4096
# sendPhoto: "The photo must be at most 10 MB in size. The photo's width and height must not
# exceed 10000 in total. Width and height ratio must be at most 20."; sendDocument and
# "Sending files": "50 MB for other files"; caption "0-1024 characters after entities
# parsing" (core.telegram.org/bots/api). What Telegram answers: PHOTO_INVALID_DIMENSIONS,
# IMAGE_PROCESS_FAILED, "file is too big", "message caption is too long" (its 400s).
PHOTO_BYTES = 10 * MB
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20
DOCUMENT_BYTES = 50 * MB
MAX_CAPTION = 1024


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_text(params: dict[str, Any]) -> None:
    text = params.get("text") or ""
    if not text.strip():
        raise ApiRefusal(400, "Bad Request: message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise ApiRefusal(400, "Bad Request: message is too long")


@dataclass
class Sent:
    method: str
    chat_id: int
    text: str
    message_id: int
    markup: dict[str, Any] | None
    file: Upload | None = None  # sendPhoto / sendDocument: what was uploaded
    # sendVenue: {latitude, longitude, title, address} as the bot sent them
    venue: dict[str, Any] | None = None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.markup:
            return []
        rows = self.markup.get("inline_keyboard") or self.markup.get("keyboard") or []
        return [b for row in rows for b in row]

    def button(self, label_part: str) -> dict[str, Any]:
        for b in self.buttons:
            if label_part in b["text"]:
                return b
        raise AssertionError(f"no button {label_part!r} in {[b['text'] for b in self.buttons]}")


async def serve_webhook(app, bot):  # type: ignore[no-untyped-def]
    """One webhook replica of ``app`` on a free port: (its runner, its webhook URL)."""
    from bot.handlers.telegram.webhook import WEBHOOK_PATH, webhook_app

    runner = web.AppRunner(webhook_app(app, bot))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


class ApiRefusal(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class FakeTelegram(SentLog):
    token: str = "123456:TEST"
    limit_per_s: float | None = None  # enforce Telegram's 30 messages/s per bot
    chat_limit_per_s: float | None = None  # and 1 per second per chat
    blocked: set[int] = field(default_factory=set)
    too_many: int = 0  # how many 429 answers were given
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the default's
    # the other scopes' lists: (scope key, language code or "") -> commands
    scoped: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    unknown_chats: set[int] = field(default_factory=set)  # no chat with the bot there
    calls: list[str] = field(default_factory=list)
    from_webhook: list[str] = field(default_factory=list)  # calls made by webhook responses
    webhook: dict[str, Any] | None = None  # the last setWebhook's parameters, bar the secret
    # a press is answered at most once and within this many seconds, else Telegram answers
    # 400 "query is too old and response timeout expired or query ID is invalid" (the Bot
    # API gives no figure; bots see the refusal from about 15 s after the press)
    callback_ttl_s: float = 15.0
    # method (lower case) -> error codes its next calls get, set-up calls included: "Any
    # method may be answered 429 Too Many Requests, with parameters.retry_after" (Bot API,
    # ResponseParameters); 5xx when Telegram is in trouble
    refuse: dict[str, list[int]] = field(default_factory=dict)
    retry_after_s: int = 1
    port: int = 0

    def __post_init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._pressed: dict[str, float] = {}  # callback query id -> when it was pressed

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # aiohttp refuses a body over 1 MiB by default; Telegram takes a document of 50 MB
        app = web.Application(client_max_size=DOCUMENT_BYTES + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a user does -------------------------------------------------------------

    def per_chat(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for s in self.sent:
            counts[s.chat_id] = counts.get(s.chat_id, 0) + 1
        return counts

    def block(self, user_id: int) -> None:
        """The user blocks the bot: every message to them is refused with 403 "Forbidden:
        bot was blocked by the user" (https://core.telegram.org/api/errors#403-forbidden)
        and they cannot write to it until they unblock it."""
        self.blocked.add(user_id)

    async def unblock(self, user_id: int) -> int:
        """The user unblocks the bot with the client's "Restart" button, which sends
        /start: messages reach them again."""
        self.blocked.discard(user_id)
        return await self.message(user_id, "/start")

    def _writes(self, user_id: int) -> None:
        if user_id in self.blocked:
            raise AssertionError(f"user {user_id} blocked the bot: they unblock it first")

    def _user(self, user_id: int, lang: str = "ru") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": lang}

    async def push(self, update: dict[str, Any]) -> int:
        update.setdefault("update_id", next(self._update_ids))
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update["update_id"]

    async def push_twice(self, update: dict[str, Any]) -> None:
        """The same update delivered twice, as Telegram does after a timeout."""
        update["update_id"] = next(self._update_ids)
        async with self._changed:
            self.updates += [update, json.loads(json.dumps(update))]
            self._changed.notify_all()

    async def message(self, user_id: int, text: str, lang: str = "ru") -> int:
        self._writes(user_id)
        return await self.push(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": self._user(user_id, lang),
                    "text": text,
                }
            }
        )

    async def location(self, user_id: int, lat: float, lon: float) -> int:
        return await self.push(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": self._user(user_id),
                    "location": {"latitude": lat, "longitude": lon},
                }
            }
        )

    async def press(self, user_id: int, data: str, message_id: int = 1) -> int:
        self._writes(user_id)
        query_id = str(next(self._message_ids))
        self._pressed[query_id] = time.monotonic()
        return await self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": user_id, "type": "private"},
                        "text": "…",
                    },
                }
            }
        )

    # --- the Bot API ------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        values, files = await read_form(request)
        out: dict[str, Any] = {}
        for key, value in values.items():
            text = value if isinstance(value, str) else json.dumps(value)
            try:
                out[key] = (
                    json.loads(text) if key in ("reply_markup", "commands", "scope") else value
                )
            except ValueError:
                out[key] = text
        # a file part is named by the parameter that refers to it ("attach://<name>") or by
        # the parameter itself (aiogram names it by a random id and sets the parameter)
        for upload in files:
            for key, value in list(out.items()):
                if value == f"attach://{upload.field}":
                    out[key] = upload
            out.setdefault(upload.field, upload)
        return out

    async def webhook_answered(self, body: bytes) -> None:
        """What Telegram does with the response to a webhook request: a Bot API call in it
        (application/json with "method" and the call's parameters) is made, and its outcome
        told to nobody ("Making requests when getting updates",
        core.telegram.org/bots/api#making-requests-when-getting-updates); anything else is
        ignored. Refused as the same call would be, silently."""
        try:
            params = json.loads(body) if body else None
        except ValueError:
            return
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            return
        params = dict(params)
        method = params.pop("method").lower()
        self.calls.append(method)
        self.from_webhook.append(method)
        with contextlib.suppress(ApiRefusal):
            await getattr(self, f"_m_{method}", self._m_default)(params)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        self.calls.append(method)
        try:
            queued = self.refuse.get(method)
            if queued:
                code = queued.pop(0)
                if code == 429:
                    self.too_many += 1
                    raise ApiRefusal(
                        429,
                        f"Too Many Requests: retry after {self.retry_after_s}",
                        retry_after=self.retry_after_s,
                    )
                raise ApiRefusal(code, "Internal Server Error" if code >= 500 else "Bad Request")
            result = await getattr(self, f"_m_{method}", self._m_default)(params)
        except ApiRefusal as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    def _enforce(self, chat_id: int) -> None:
        now = time.monotonic()
        self._times = [t for t in getattr(self, "_times", []) if t > now - 1.0]
        chat_times = getattr(self, "_chat_times", {})
        self._chat_times = chat_times
        recent = [t for t in chat_times.get(chat_id, []) if t > now - 1.0]
        if chat_id in self.blocked:
            raise ApiRefusal(403, "Forbidden: bot was blocked by the user")
        if (self.limit_per_s is not None and len(self._times) >= self.limit_per_s) or (
            self.chat_limit_per_s is not None and len(recent) >= self.chat_limit_per_s
        ):
            self.too_many += 1
            raise ApiRefusal(429, "Too Many Requests: retry after 1", retry_after=1)
        self._times.append(now)
        chat_times[chat_id] = [*recent, now]

    async def _m_default(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getme(self, params: dict[str, Any]) -> Any:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "PFDO",
            "username": "pfdo_test_bot",
        }

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        async with self._changed:
            if not any(u["update_id"] >= offset for u in self.updates):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            return [u for u in self.updates if u["update_id"] >= offset]

    async def _record(
        self, method: str, params: dict[str, Any], message_id: int, file: Upload | None = None
    ) -> Any:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        text = params.get("caption", "") if file is not None else params.get("text", "")
        async with self._changed:
            self.sent.append(Sent(method, int(params["chat_id"]), text, message_id, markup, file))
            self._changed.notify_all()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params.get("text", ""),
        }

    async def _m_sendvenue(self, params: dict[str, Any]) -> Any:
        """sendVenue (core.telegram.org/bots/api#sendvenue): chat_id, latitude and
        longitude (Float), title and address (String) are all required; a latitude lies
        in -90..90 and a longitude in -180..180."""
        venue: dict[str, Any] = {}
        for name in ("latitude", "longitude"):
            try:
                venue[name] = float(params[name])
            except (KeyError, TypeError, ValueError):
                raise ApiRefusal(400, f'Bad Request: parameter "{name}" is required') from None
        for name in ("title", "address"):
            value = params.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ApiRefusal(400, f'Bad Request: parameter "{name}" is required')
            venue[name] = value
        if not -90 <= venue["latitude"] <= 90 or not -180 <= venue["longitude"] <= 180:
            raise ApiRefusal(400, "Bad Request: wrong latitude or longitude")
        chat_id = int(params["chat_id"])
        self._enforce(chat_id)
        message_id = next(self._message_ids)
        async with self._changed:
            self.sent.append(
                Sent("sendVenue", chat_id, "", message_id, params.get("reply_markup"), None, venue)
            )
            self._changed.notify_all()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "venue": {
                "location": {"latitude": venue["latitude"], "longitude": venue["longitude"]},
                "title": venue["title"],
                "address": venue["address"],
            },
        }

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        check_text(params)
        self._enforce(int(params["chat_id"]))
        return await self._record("sendMessage", params, next(self._message_ids))

    @staticmethod
    def _upload(params: dict[str, Any], name: str, limit: int) -> Upload:
        value = params.get(name)
        if not isinstance(value, Upload):
            # a file_id or an HTTP URL: none is known here, the bot always uploads
            raise ApiRefusal(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if value.size == 0:
            raise ApiRefusal(400, "Bad Request: file must be non-empty")
        if value.size > limit:
            raise ApiRefusal(400, "Bad Request: file is too big")
        caption = params.get("caption") or ""
        if utf16_len(caption) > MAX_CAPTION:
            raise ApiRefusal(400, "Bad Request: message caption is too long")
        return value

    async def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        upload = self._upload(params, "photo", PHOTO_BYTES)
        shape = upload.picture()
        if shape is None:
            raise ApiRefusal(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = shape
        if (
            min(width, height) == 0
            or width + height > PHOTO_SIDES
            or max(width, height) / min(width, height) > PHOTO_RATIO
        ):
            raise ApiRefusal(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        self._enforce(int(params["chat_id"]))
        return await self._record("sendPhoto", params, next(self._message_ids), upload)

    async def _m_senddocument(self, params: dict[str, Any]) -> Any:
        upload = self._upload(params, "document", DOCUMENT_BYTES)
        self._enforce(int(params["chat_id"]))
        return await self._record("sendDocument", params, next(self._message_ids), upload)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        check_text(params)
        return await self._record("editMessageText", params, int(params["message_id"]))

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        pressed = self._pressed.pop(str(params.get("callback_query_id")), None)
        if pressed is None or time.monotonic() - pressed > self.callback_ttl_s:
            raise ApiRefusal(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        # seconds from the press to its answer, for the tests
        self.answers.append({**params, "after_s": time.monotonic() - pressed})
        return True

    async def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        # setWebhook, secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and
        # - are allowed" (core.telegram.org/bots/api#setwebhook)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiRefusal(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {k: v for k, v in params.items() if k != "secret_token"}
        return True

    async def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        # "commands: A JSON-serialized list of bot commands ... At most 100 commands";
        # BotCommand: "command: 1-32 characters. Can contain only lowercase English
        # letters, digits and underscores", "description: 1-256 characters"
        # (core.telegram.org/bots/api#setmycommands, #botcommand)
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiRefusal(400, "Bad Request: too many commands specified")
        for each in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(each.get("command", ""))):
                raise ApiRefusal(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(each.get("description", ""))) <= 256:
                raise ApiRefusal(400, "Bad Request: command description is empty or too long")
        scope, language = self._scope(params), params.get("language_code") or ""
        if scope == "default":
            self.commands[language] = commands
        else:
            self.scoped[(scope, language)] = commands
        return True

    async def _m_deletemycommands(self, params: dict[str, Any]) -> Any:
        # "After deletion, higher level commands will be shown to affected users"
        scope, language = self._scope(params), params.get("language_code") or ""
        if scope == "default":
            self.commands.pop(language, None)
        else:
            self.scoped.pop((scope, language), None)
        return True

    def _scope(self, params: dict[str, Any]) -> str:
        """BotCommandScope as a key: "default", "all_private_chats", "chat:<id>"; a chat
        the bot has no chat with is refused as Telegram does ("chat not found")."""
        raw = params.get("scope") or {"type": "default"}
        if isinstance(raw, str):
            raw = json.loads(raw)
        kind = raw.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return str(kind)
        if kind == "chat" and isinstance(raw.get("chat_id"), int):
            if raw["chat_id"] in self.unknown_chats:
                raise ApiRefusal(400, "Bad Request: chat not found")
            return f"chat:{raw['chat_id']}"
        raise ApiRefusal(400, "Bad Request: wrong scope")

    def menu(self, chat_id: int, language: str) -> list[str]:
        """The commands a user of a private chat sees, in Telegram's order of precedence
        ("Determining list of commands": the chat's scope with the user's language, without
        it, all private chats with it, without it, the default with it, without it)."""
        for found in (
            self.scoped.get((f"chat:{chat_id}", language)),
            self.scoped.get((f"chat:{chat_id}", "")),
            self.scoped.get(("all_private_chats", language)),
            self.scoped.get(("all_private_chats", "")),
            self.commands.get(language),
            self.commands.get(""),
        ):
            if found is not None:
                return [c["command"] for c in found]
        return []
