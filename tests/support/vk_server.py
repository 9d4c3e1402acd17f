"""A stand-in VK API and Bots Long Poll server on 127.0.0.1 for end-to-end tests.

The API answers messages.send (dropping a repeated random_id as VK does, taking peer_ids),
messages.sendMessageEventAnswer and groups.getLongPollServer; files for messages the way
VK documents them: photos.getMessagesUploadServer / docs.getMessagesUploadServer give an
upload_url served here, the file is POSTed there as multipart/form-data (size and, for a
photo, its dimensions from its own header checked), the upload server answers signed JSON
(``server``/``photo``/``hash``, or ``file``), photos.saveMessagesPhoto / docs.save take it
only unaltered and once, and messages.send takes ``attachment`` only of what was saved
for this community. Errors can be queued per
method (6 too many requests, 9 flood control, 10 internal error, 901 can't send). The
long poll serves queued events by ts and can be told to answer failed 1/2/3 or to drop
the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.uploads import MB, Upload, read_form
from tests.support.waiting import SentLog

# messages.send: "message … Max. length = 9000" (dev.vk.com/method/messages.send), longer
# is error 914 "Message is too long" (VK's error list; VkNet MessageIsTooLongException,
# VKCOM vk-php-sdk VKApiMessageIsTooLongException). VK counts characters.
MAX_TEXT = 9000
TOO_LONG = 914
# what VK answers (https://dev.vk.com/ru/reference/errors); queued on demand per method
# with FakeVk.errors. 6, 9 and 10 pass: the same request later may succeed.
ERRORS = {
    6: "Too many requests per second",
    9: "Flood control",
    10: "Internal server error",
    901: "Can't send messages for users without permission",
    TOO_LONG: "Message is too long",
    100: "One of the parameters specified was missing or invalid",
    121: "Invalid hash",
}
# uploads for messages (dev.vk.com/ru/api/upload): a photo "JPG, PNG, GIF … сумма высоты и
# ширины не более 14000px, файл объемом не более 50 МБ, соотношение сторон не менее 1:20";
# a document "не более 200 МБ"
PHOTO_BYTES = 50 * MB
PHOTO_SIDES = 14_000
PHOTO_RATIO = 20
DOC_BYTES = 200 * MB
ATTACHMENT = re.compile(r"^(photo|doc)(-?\d+)_(\d+)(?:_(\w+))?$")


@dataclass
class VkSent:
    peer_id: int
    text: str
    keyboard: dict[str, Any] | None
    random_id: int
    files: list[Upload] = field(default_factory=list)  # what its attachments were made of
    # a location (messages.send ``lat`` and ``long``): (latitude, longitude)
    location: tuple[float, float] | None = None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.keyboard:
            return []
        return [b for row in self.keyboard.get("buttons", []) for b in row]

    def button(self, part: str) -> dict[str, Any]:
        for b in self.buttons:
            if part in b["action"].get("label", ""):
                return b
        labels = [b["action"].get("label") for b in self.buttons]
        raise AssertionError(f"no button {part!r} in {labels}")


@dataclass
class FakeVk(SentLog):
    token: str = "vk-group-token"
    group_id: int = 777
    sent: list[VkSent] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    errors: dict[str, list[int]] = field(default_factory=dict)  # method -> codes to return
    drops: dict[str, int] = field(default_factory=dict)  # method -> connections to drop
    # message_event.event_id: "active for a minute, becomes invalid after a minute" (VK,
    # community events JSON schema); VK names no error code for a late answer: 100 here
    event_ttl_s: float = 60.0
    lp_script: list[str] = field(default_factory=list)  # "failed1|2|3", "drop"
    limit_per_s: float | None = None  # enforce 20 requests/s per token (error 6)
    cant_send: set[int] = field(default_factory=set)  # peers that closed messages (901)
    too_many: int = 0
    too_long: int = 0  # messages.send refused with 914
    port: int = 0

    def __post_init__(self) -> None:
        self.events: list[dict[str, Any]] = []  # index = ts - 1
        self.key = "k1"
        self.keys_issued = 0
        self._message_ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        # VK: random_id is unique "in relation to API_ID and the sender's id", not to the
        # recipient: a random_id used once makes every later request with it a repeat,
        # whoever it is addressed to (answered as sent, nothing delivered)
        # (https://dev.vk.com/ru/method/messages.send, random_id); the token is the
        # community's, so the sender is this stand-in's group
        self._random_ids: dict[tuple[int, int], dict[int, int]] = {}  # -> {peer: message id}
        self.swallowed = 0
        self._runner: web.AppRunner | None = None
        self.lp_requests = 0
        self._pressed: dict[str, float] = {}  # event_id of a press -> when it was pressed
        self._secret = secrets.token_bytes(16)  # signs what the upload server answers
        self._tickets: dict[str, tuple[str, int]] = {}  # upload_url ticket -> (kind, peer)
        self._uploaded: dict[str, Upload] = {}  # an upload's id -> the file, until saved
        self._saved: dict[str, Upload] = {}  # "photo-777_5" -> the file
        self._saved_ids = itertools.count(1)
        self.uploads: list[Upload] = []  # every file the upload server took
        self.upload_refusals: list[str] = []  # why the upload server or a save refused

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # aiohttp refuses a body over 1 MiB by default; VK takes a document of 200 MB
        app = web.Application(client_max_size=DOC_BYTES + MB)
        app.router.add_post("/method/{method}", self._api)
        app.router.add_get("/lp", self._longpoll)
        app.router.add_post("/upload/{kind}/{ticket}", self._upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a user does -------------------------------------------------------------

    async def _push(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", f"ev{next(self._event_ids)}")
        event.setdefault("group_id", self.group_id)
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def message(
        self,
        user: int,
        text: str,
        payload: dict | None = None,
        geo: tuple[float, float] | None = None,
    ) -> None:
        msg: dict[str, Any] = {
            "id": next(self._message_ids),
            "date": int(time.time()),
            "peer_id": user,
            "from_id": user,
            "text": text,
        }
        # a user who writes to the community lets it answer again
        self.cant_send.discard(user)
        if payload is not None:
            msg["payload"] = json.dumps(payload)
        if geo is not None:
            msg["geo"] = {"coordinates": {"latitude": geo[0], "longitude": geo[1]}}
        await self._push(
            {"type": "message_new", "object": {"message": msg, "client_info": {"lang_id": 0}}}
        )

    async def deny(self, user: int) -> None:
        """The user forbids the community's messages: VK sends ``message_deny`` and
        messages.send answers error 901 for them (https://dev.vk.com/ru/reference/errors)."""
        self.cant_send.add(user)
        await self._push({"type": "message_deny", "object": {"user_id": user}})

    async def allow(self, user: int) -> None:
        """The user allows the community's messages again (``message_allow``)."""
        self.cant_send.discard(user)
        await self._push({"type": "message_allow", "object": {"user_id": user, "key": ""}})

    async def press(self, user: int, button: dict[str, Any]) -> None:
        payload = button["action"].get("payload")
        event_id = f"e{next(self._event_ids)}"
        self._pressed[event_id] = time.monotonic()
        await self._push(
            {
                "type": "message_event",
                "object": {
                    "user_id": user,
                    "peer_id": user,
                    "event_id": event_id,
                    "payload": json.loads(payload) if isinstance(payload, str) else payload,
                    "conversation_message_id": 1,
                },
            }
        )

    # --- the API ----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = dict(await request.post())
        self.calls.append(method)
        if form.get("access_token") != self.token:
            return web.json_response({"error": {"error_code": 5, "error_msg": "auth failed"}})
        if self.limit_per_s is not None:
            now = time.monotonic()
            self._times = [t for t in getattr(self, "_times", []) if t > now - 1.0]
            if len(self._times) >= self.limit_per_s:
                self.too_many += 1
                return web.json_response(
                    {"error": {"error_code": 6, "error_msg": "Too many requests per second"}}
                )
            self._times.append(now)
        if self.drops.get(method):
            self.drops[method] -= 1
            assert request.transport is not None
            request.transport.close()  # the connection is lost before any answer
            return web.Response(status=500)
        queued = self.errors.get(method)
        if queued:
            code = queued.pop(0)
            message = ERRORS.get(code, f"error {code}")
            return web.json_response(
                {"error": {"error_code": code, "error_msg": message, "request_params": []}}
            )
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"response": 1})
        result = await handler(form)
        if isinstance(result, dict) and "__error__" in result:
            code = result["__error__"]
            text = ERRORS.get(code, f"error {code}")
            return web.json_response({"error": {"error_code": code, "error_msg": text}})
        return web.json_response({"response": result})

    def per_peer(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for s in self.sent:
            counts[s.peer_id] = counts.get(s.peer_id, 0) + 1
        return counts

    async def _m_groups_getLongPollServer(self, form: dict[str, Any]) -> Any:
        self.keys_issued += 1
        self.key = f"k{self.keys_issued}"
        return {"key": self.key, "server": f"{self.base}/lp", "ts": str(len(self.events))}

    async def _m_messages_send(self, form: dict[str, Any]) -> Any:
        rid = int(form.get("random_id", 0))
        if not -(2**31) <= rid < 2**31:  # a signed int32 (vk_api.utils.get_random_id)
            return {"__error__": 100}
        peers = (
            [int(p) for p in str(form["peer_ids"]).split(",")]
            if "peer_ids" in form
            else [int(form["peer_id"])]
        )
        results: list[dict[str, Any]] = []
        if len(str(form.get("message", ""))) > MAX_TEXT:
            self.too_long += 1
            return {"__error__": TOO_LONG}
        if "peer_ids" not in form and peers[0] in self.cant_send:
            return {"__error__": 901}
        location = _location(form)
        if location == "invalid":
            return {"__error__": 100}
        files: list[Upload] = []
        for item in filter(None, str(form.get("attachment") or "").split(",")):
            match = ATTACHMENT.match(item.strip())
            saved = self._saved.get(f"{match[1]}{match[2]}_{match[3]}") if match else None
            if saved is None or match is None or match[4] != self._key(match[1], match[3]):
                self.upload_refusals.append("messages.send: unknown attachment")
                return {"__error__": 100}
            files.append(saved)
        async with self._changed:
            scope = (self.group_id, rid)
            seen = self._random_ids.get(scope) if rid else None
            if seen is None and rid:
                seen = self._random_ids[scope] = {}
                fresh = True
            else:
                fresh = not rid
            for peer in peers:
                if peer in self.cant_send:
                    results.append(
                        {
                            "peer_id": peer,
                            "error": {
                                "code": 901,
                                "description": "Can't send messages for users without permission",
                            },
                        }
                    )
                    continue
                known = seen.get(peer) if seen is not None else None
                if known is None:
                    known = next(self._message_ids)
                    if fresh:
                        if seen is not None:
                            seen[peer] = known
                        keyboard = json.loads(form["keyboard"]) if form.get("keyboard") else None
                        text = str(form.get("message", ""))
                        self.sent.append(VkSent(peer, text, keyboard, rid, files, location))
                    else:
                        self.swallowed += 1  # a repeat of the random_id: not delivered
                results.append({"peer_id": peer, "message_id": known})
            self._changed.notify_all()
        return results if "peer_ids" in form else results[0]["message_id"]

    # --- uploads ----------------------------------------------------------------------

    def _sign(self, *parts: object) -> str:
        text = "|".join(map(str, parts)).encode()
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()[:32]

    def _key(self, kind: str, item_id: str) -> str:
        return self._sign("key", kind, item_id)[:18]

    def _upload_url(self, kind: str, peer: int) -> str:
        ticket = secrets.token_urlsafe(12)
        self._tickets[ticket] = (kind, peer)
        return f"{self.base}/upload/{kind}/{ticket}"

    async def _m_photos_getMessagesUploadServer(self, form: dict[str, Any]) -> Any:
        peer = int(form.get("peer_id") or 0)
        return {
            "upload_url": self._upload_url("photo", peer),
            "album_id": -3,
            "group_id": self.group_id,
        }

    async def _m_docs_getMessagesUploadServer(self, form: dict[str, Any]) -> Any:
        # type: doc (the default), audio_message or graffiti; peer_id is required
        kind = str(form.get("type") or "doc")
        if kind not in ("doc", "audio_message", "graffiti") or not form.get("peer_id"):
            return {"__error__": 100}
        return {"upload_url": self._upload_url("doc", int(form["peer_id"]))}

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload server: one file per upload_url, answered with what the save method
        takes back (signed, so that a forged or edited answer is refused there)."""
        kind = request.match_info["kind"]
        ticket = self._tickets.pop(request.match_info["ticket"], None)
        _, files = await read_form(request)

        def refuse(why: str) -> web.Response:
            self.upload_refusals.append(why)
            return web.json_response({"error": why})

        if ticket is None or ticket[0] != kind:
            return refuse("unknown or used upload_url")
        # a photo as "photo" (the documentation) or "file0" (VK's album naming, as
        # vk_api's VkUpload sends it); a document as "file"
        fields = ("photo", "file0") if kind == "photo" else ("file",)
        upload = next((f for f in files if f.field in fields), None)
        if upload is None or len(files) != 1:
            return refuse("one file expected")
        if upload.size == 0:
            return refuse("empty file")
        if upload.size > (PHOTO_BYTES if kind == "photo" else DOC_BYTES):
            return refuse("file too large")
        if kind == "photo":
            shape = upload.picture()
            if shape is None:
                return refuse("not an image")
            width, height = shape
            if (
                min(width, height) == 0
                or width + height > PHOTO_SIDES
                or max(width, height) / min(width, height) > PHOTO_RATIO
            ):
                return refuse("image dimensions")
        upload_id = secrets.token_hex(8)
        self._uploaded[upload_id] = upload
        self.uploads.append(upload)
        server = 800_000 + len(self.uploads)
        if kind == "photo":
            photo = json.dumps([{"upload": upload_id, "peer": ticket[1]}])
            return web.json_response(
                {"server": server, "photo": photo, "hash": self._sign(server, photo)}
            )
        return web.json_response({"file": f"{upload_id}|{self._sign('doc', upload_id)}"})

    def _save(self, kind: str, upload_id: str) -> tuple[str, Upload] | None:
        upload = self._uploaded.pop(upload_id, None)  # saved once
        if upload is None:
            return None
        item_id = str(next(self._saved_ids))
        self._saved[f"{kind}-{self.group_id}_{item_id}"] = upload
        return item_id, upload

    async def _m_photos_saveMessagesPhoto(self, form: dict[str, Any]) -> Any:
        server, photo, given = form.get("server"), str(form.get("photo") or ""), form.get("hash")
        if not photo or photo == "[]":  # what an upload the server refused leaves
            self.upload_refusals.append("photos.saveMessagesPhoto: photos_list is invalid")
            return {"__error__": 100}
        if not hmac.compare_digest(str(given or ""), self._sign(server, photo)):
            self.upload_refusals.append("photos.saveMessagesPhoto: hash")
            return {"__error__": 121}
        try:
            upload_id = json.loads(photo)[0]["upload"]
        except (ValueError, LookupError, TypeError):
            return {"__error__": 100}
        saved = self._save("photo", upload_id)
        if saved is None:
            self.upload_refusals.append("photos.saveMessagesPhoto: saved already")
            return {"__error__": 100}
        item_id, upload = saved
        return [
            {
                "id": int(item_id),
                "owner_id": -self.group_id,
                "album_id": -3,
                "access_key": self._key("photo", item_id),
                "sizes": [{"type": "x", "width": upload.width, "height": upload.height}],
            }
        ]

    async def _m_docs_save(self, form: dict[str, Any]) -> Any:
        upload_id, _, sign = str(form.get("file") or "").partition("|")
        if not hmac.compare_digest(sign, self._sign("doc", upload_id)):
            self.upload_refusals.append("docs.save: file")
            return {"__error__": 100}
        saved = self._save("doc", upload_id)
        if saved is None:
            self.upload_refusals.append("docs.save: saved already")
            return {"__error__": 100}
        item_id, upload = saved
        title = str(form.get("title") or upload.filename)
        return {
            "type": "doc",
            "doc": {
                "id": int(item_id),
                "owner_id": -self.group_id,
                "title": title,
                "size": upload.size,
                "ext": title.rsplit(".", 1)[-1],
                "access_key": self._key("doc", item_id),
            },
        }

    async def _m_messages_sendMessageEventAnswer(self, form: dict[str, Any]) -> Any:
        pressed = self._pressed.get(str(form.get("event_id")))
        if pressed is None or time.monotonic() - pressed > self.event_ttl_s:
            return {"__error__": 100}
        self.answers.append(form)
        return 1

    async def _longpoll(self, request: web.Request) -> web.StreamResponse:
        self.lp_requests += 1
        q = request.query
        if self.lp_script:
            step = self.lp_script.pop(0)
            if step == "drop":
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            if step == "failed1":
                return web.json_response({"failed": 1, "ts": q.get("ts")})
            if step in ("failed2", "failed3"):
                self.key = "expired"
                return web.json_response({"failed": int(step[-1])})
        if q.get("key") != self.key:
            return web.json_response({"failed": 2})
        ts = int(q.get("ts") or 0)
        wait = min(float(q.get("wait") or 0), 1.0)
        async with self._changed:
            if len(self.events) <= ts:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            updates = self.events[ts:]
        return web.json_response({"ts": str(ts + len(updates)), "updates": updates})


def _location(form: dict[str, Any]) -> tuple[float, float] | str | None:
    """messages.send's place (dev.vk.com/method/messages.send): ``lat``, "geographical
    latitude of a check-in, in degrees (from -90 to 90)", and ``long``, "(from -180 to
    180)", given together; anything else is error 100 (a parameter missing or invalid)."""
    if "lat" not in form and "long" not in form:
        return None
    try:
        lat, lon = float(form["lat"]), float(form["long"])
    except (KeyError, TypeError, ValueError):
        return "invalid"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return "invalid"
    return (lat, lon)
