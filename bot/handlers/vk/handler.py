"""VK through vk_api: Bots Long Poll off the event loop, screens as VK keyboards.

No flow logic here. vk_api is synchronous (requests), so every call runs in a thread;
its rate delay is set for a community token (20 requests/s, not the user-token 3/s).
Every messages.send carries a random_id derived from what is sent, to whom and in answer
to what, so a retried request never produces a second message (api.py: the client, its
pacing and the random_ids).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import requests
import vk_api
from vk_api.bot_longpoll import VkBotLongPoll
from vk_api.upload import VkUpload

from bot.app import App
from bot.dialogs.engine import Reply
from bot.dialogs.events import Event
from bot.dialogs.screen import RButton, Rendered, RFile
from bot.handlers import uploads
from bot.handlers.common import KeyedLock, MemorySeen, RedisSeen, SeenStore
from bot.handlers.split import VK_TEXT, split_text
from bot.handlers.vk.api import (
    CANT_SEND,
    RedirectSession,
    make_vk,
    part_random_id,
    random_id,
)
from bot.handlers.vk.keyboard import inline_keyboard, location_keyboard, paginate
from bot.handlers.vk.settings import VkSettings
from bot.i18n import translator

logger = logging.getLogger(__name__)

PAGE_ACTION = "vkp"
MAX_PAGED_SCREENS = 10_000
LANG_BY_ID = {0: "ru", 3: "en"}  # VK's client_info.lang_id


class VkHandler:
    def __init__(self, app: App, vk: vk_api.VkApi, group_id: int, seen: SeenStore) -> None:
        self.app = app
        self.vk = vk
        self.group_id = group_id
        self.seen = seen
        self.order = KeyedLock()
        # the last paged screen of each person, for ◀ ▶ (bounded: the oldest are forgotten)
        self.pages: OrderedDict[str, tuple[Rendered, list[list[list[RButton]]], str]] = (
            OrderedDict()
        )
        self.tasks: set[asyncio.Task[None]] = set()
        self.backoff = 1.0

    async def call(self, method: str, **values: Any) -> Any:
        return await asyncio.to_thread(self.vk.method, method, values)

    # --- long poll ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        longpoll = await self._connect(stop)
        while not stop.is_set() and longpoll is not None:
            try:
                events = await asyncio.to_thread(longpoll.check)
            except (requests.RequestException, ValueError, vk_api.exceptions.ApiError) as exc:
                # the same key and ts are asked again: nothing is lost or repeated; a key that
                # expired meanwhile comes back as failed 2 and vk_api renews it
                logger.warning(
                    "VK long poll: %s; retrying in %.0f s", type(exc).__name__, self.backoff
                )
                await self._sleep(stop, self.backoff)
                self.backoff = min(self.backoff * 2, 30.0)
                continue
            self.backoff = 1.0
            for event in events:
                self._spawn(event.raw)
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _connect(self, stop: asyncio.Event) -> VkBotLongPoll | None:
        while not stop.is_set():
            try:
                longpoll = await asyncio.to_thread(VkBotLongPoll, self.vk, self.group_id, 25)
                if isinstance(self.vk.http, RedirectSession):
                    longpoll.session = RedirectSession(self.vk.http.base)
                return longpoll
            except (requests.RequestException, vk_api.exceptions.ApiError) as exc:
                logger.warning("VK long poll server unavailable: %s", type(exc).__name__)
                await self._sleep(stop, self.backoff)
                self.backoff = min(self.backoff * 2, 30.0)
        return None

    @staticmethod
    async def _sleep(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    def _spawn(self, raw: dict[str, Any]) -> None:
        task = asyncio.create_task(self.on_raw(raw))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- events -------------------------------------------------------------------------

    async def on_raw(self, raw: dict[str, Any]) -> None:
        event_id = raw.get("event_id")
        if event_id and not await self.seen.first_time(f"vk:{event_id}"):
            return
        obj = raw.get("object") or {}
        user = str(obj.get("user_id") or (obj.get("message") or {}).get("from_id") or "")
        if not user:
            return
        async with self.order.hold(user):
            try:
                if raw.get("type") == "message_new":
                    await self.on_message(obj)
                elif raw.get("type") == "message_event":
                    await self.on_press(obj)
                elif raw.get("type") == "message_allow":
                    # the person allowed the community's messages again
                    await self.app.engine.core.family.mark_reachable("vk", user)
                elif raw.get("type") == "message_deny":
                    await self._unreachable(user)
            except Exception:
                logger.exception("VK %s event failed", raw.get("type"))

    async def on_message(self, obj: dict[str, Any]) -> None:
        msg = obj.get("message") or {}
        peer, user = int(msg.get("peer_id", 0)), str(msg.get("from_id", ""))
        if peer >= 2_000_000_000 or not user or int(user) <= 0:
            return  # conversations and communities are not served
        lang = LANG_BY_ID.get((obj.get("client_info") or {}).get("lang_id", 0), "ru")
        payload = _payload(msg.get("payload"))
        geo = (msg.get("geo") or {}).get("coordinates")
        text = msg.get("text") or ""
        event = Event("vk", user, "text", text=text, language_code=lang)
        if geo:
            lat, lon = float(geo["latitude"]), float(geo["longitude"])
            event = replace(event, kind="location", text="", lat=lat, lon=lon)
        elif payload.get("command") == "start":
            event = replace(event, kind="command", text="start")
        elif "a" in payload:
            event = replace(event, kind="button", text="", payload=str(payload["a"]))
        elif text.startswith("/"):
            event = replace(event, kind="command", text=text[1:].strip())
        reply = await self.app.engine.handle(event)
        await self.send(
            peer,
            user,
            reply.screen,
            cause=f"m{msg.get('id') or msg.get('conversation_message_id')}",
        )

    async def on_press(self, obj: dict[str, Any]) -> None:
        """Answer the press first (VK shows a spinner until then), then the screen."""
        user, peer = str(obj.get("user_id")), int(obj.get("peer_id", 0))
        payload = str(_payload(obj.get("payload")).get("a", ""))
        action = self.app.engine.signer.verify(f"vk:{user}", payload)
        if action and action.startswith(f"{PAGE_ACTION}:") and user in self.pages:
            await self._answer(obj, None)
            await self._show_page(peer, user, int(action.split(":")[1]), obj.get("event_id"))
            return
        reply: Reply = await self.app.engine.handle(
            Event(kind="button", platform="vk", user_id=user, payload=payload)
        )
        await self._answer(obj, reply.toast)
        await self.send(peer, user, reply.screen, cause=f"e{obj.get('event_id')}")

    async def _answer(self, obj: dict[str, Any], toast: str | None) -> None:
        values: dict[str, Any] = {
            "event_id": obj.get("event_id"),
            "user_id": obj.get("user_id"),
            "peer_id": obj.get("peer_id"),
        }
        if toast:
            values["event_data"] = json.dumps(
                {"type": "show_snackbar", "text": toast[:90]}, ensure_ascii=False
            )
        # a refused or failed answer (an event_id VK no longer knows, the network) must
        # not stop the screen: the action behind the press was saved already
        try:
            await self.call("messages.sendMessageEventAnswer", **values)
        except vk_api.exceptions.ApiError as exc:
            logger.info("VK event answer refused: %s", exc.code)
        except (requests.RequestException, vk_api.exceptions.VkApiError) as exc:
            logger.info("VK event answer failed: %s", type(exc).__name__)

    # --- sending ------------------------------------------------------------------------

    async def send(self, peer: int, user: str, screen: Rendered, *, cause: str) -> None:
        reached = await self._send_screen(peer, user, screen, cause=cause)
        if screen.venue is not None and reached:
            reached = await self.send_venue(peer, user, screen, cause=cause)
        if screen.files and reached:
            await self.send_files(peer, user, screen, cause=cause)

    async def send_venue(self, peer: int, user: str, screen: Rendered, *, cause: str) -> bool:
        """The screen's place as VK's own location: messages.send with ``lat`` and ``long``
        (dev.vk.com/method/messages.send), the name and address as its text; False when
        the person cannot be messaged."""
        venue = screen.venue
        if venue is None:
            return True
        text = f"{venue.title}\n{venue.address}"
        rid = random_id(peer, cause, "venue", venue.latitude, venue.longitude)
        return await self._send_one(
            peer, user, text, rid, lat=venue.latitude, long=venue.longitude
        )

    async def _send_screen(self, peer: int, user: str, screen: Rendered, *, cause: str) -> bool:
        if any(b.kind == "location" for b in screen.buttons):
            self.pages.pop(user, None)
            return await self._send(peer, user, screen.text, location_keyboard(screen.rows), cause)
        pages = paginate(screen.rows)
        lang = "ru"
        if len(pages) > 1:
            lang = await self._lang(user)
            self.pages[user] = (screen, pages, lang)
            self.pages.move_to_end(user)
            if len(self.pages) > MAX_PAGED_SCREENS:
                self.pages.popitem(last=False)
        else:
            self.pages.pop(user, None)
        keyboard = self._keyboard(user, pages, 0, lang)
        return await self._send(peer, user, screen.text, keyboard, cause)

    async def _lang(self, user: str) -> str:
        """The person's language for the ◀ ▶ labels, from their dialog state. Only a screen
        too long for one keyboard asks it, and an unreachable Redis (the screen then is
        most likely the engine's "temporarily unavailable") must not lose the answer."""
        try:
            state = await self.app.engine.states.get(f"vk:{user}")
        except Exception as exc:
            logger.warning("VK: no dialog state for the page labels (%s)", type(exc).__name__)
            return "ru"
        return state.lang if state else "ru"

    async def _show_page(self, peer: int, user: str, page: int, cause: object) -> None:
        """Another page of the buttons: the screen's last part again with them (the parts
        before it are still just above)."""
        screen, pages, lang = self.pages[user]
        page = max(0, min(page, len(pages) - 1))
        keyboard = self._keyboard(user, pages, page, lang)
        last = split_text(screen.text, VK_TEXT)[-1]
        await self._send(peer, user, last, keyboard, f"p{cause}")

    def _keyboard(self, user: str, pages: list[list[list[RButton]]], page: int, lang: str) -> str:
        """A page of the screen's rows and ◀ ▶ (the adapter's own presentation, signed for
        the person like any button)."""
        rows = list(pages[page]) if pages else []
        if len(pages) > 1:
            t = translator()
            sign = self.app.engine.signer.sign
            nav = []
            if page > 0:
                action = f"{PAGE_ACTION}:{page - 1}"
                nav.append(RButton(t(lang, "btn-prev"), sign(f"vk:{user}", action)))
            if page < len(pages) - 1:
                action = f"{PAGE_ACTION}:{page + 1}"
                nav.append(RButton(t(lang, "btn-more"), sign(f"vk:{user}", action)))
            rows.append(nav)
        return inline_keyboard(rows) if rows else json.dumps({"inline": True, "buttons": []})

    async def _send(self, peer: int, user: str, text: str, keyboard: str, cause: str) -> bool:
        """The text as one message or several (the keyboard on the last); False when the
        person cannot be messaged."""
        base = random_id(peer, cause, text, keyboard)
        parts = split_text(text, VK_TEXT)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            values = {"keyboard": keyboard} if last else {}
            try:
                await self.call(
                    "messages.send",
                    peer_id=peer,
                    message=part,
                    random_id=part_random_id(base, i),
                    dont_parse_links=1,
                    **values,
                )
            except vk_api.exceptions.ApiError as exc:
                if exc.code == CANT_SEND:
                    await self._unreachable(user)
                    return False
                logger.warning("VK messages.send failed: error %s", exc.code)
                return True
        return True

    # --- files --------------------------------------------------------------------------

    async def send_files(self, peer: int, user: str, screen: Rendered, *, cause: str) -> None:
        """The screen's files after its text, each a message with its caption. Uploaded
        the way VK documents for messages (vk_api's VkUpload): a picture by
        photos.getMessagesUploadServer, a POST of the file to its upload_url and
        photos.saveMessagesPhoto; a document by docs.getMessagesUploadServer (type doc,
        peer_id), the POST and docs.save; then messages.send with ``attachment``. A file
        over VK's limits is not uploaded: the person reads why instead."""
        t = translator()
        for index, file in enumerate(screen.files):
            refusal = uploads.check(file, uploads.VK)
            rid = random_id(peer, cause, "file", index, file.filename)
            if refusal is not None:
                logger.info("a %s over VK's limits was not sent", file.kind)
                if not await self._send_one(peer, user, refusal.text(t, screen.lang), rid):
                    return
                continue
            caption = file.caption
            if caption and uploads.caption_apart(caption, uploads.VK):
                await self._send_one(peer, user, caption, random_id("caption", rid))
                caption = ""
            try:
                attachment = await asyncio.to_thread(self._upload, peer, file)
            except (vk_api.exceptions.VkApiError, requests.RequestException, LookupError) as exc:
                # VK refused the file or the upload server failed: said, not swallowed
                logger.warning("VK upload of a %s failed: %s", file.kind, type(exc).__name__)
                failed = uploads.failed(file, uploads.VK)
                await self._send_one(peer, user, failed.text(t, screen.lang), rid)
                continue
            if not await self._send_one(peer, user, caption, rid, attachment=attachment):
                return

    def _upload(self, peer: int, file: RFile) -> str:
        """Upload one file for a message to ``peer`` (in a thread: vk_api is synchronous);
        its ``attachment`` for messages.send."""
        upload = VkUpload(self.vk)
        data = io.BytesIO(file.data)
        data.name = file.filename  # VkUpload names the part after its extension
        if file.kind == "picture":
            photo = upload.photo_messages(data, peer_id=peer)[0]
            return _attachment("photo", photo)
        saved = upload.document(data, title=file.filename, message_peer_id=peer, doc_type="doc")
        return _attachment("doc", saved["doc"])

    async def _send_one(
        self, peer: int, user: str, text: str, rid: int, *, attachment: str = "", **place: float
    ) -> bool:
        """One message (a file, a caption, a refusal, a location with ``lat`` and
        ``long``); False if the person cannot be messaged."""
        values: dict[str, Any] = {"attachment": attachment} if attachment else {}
        values |= place
        try:
            await self.call(
                "messages.send",
                peer_id=peer,
                message=text,
                random_id=rid,
                dont_parse_links=1,
                **values,
            )
        except vk_api.exceptions.ApiError as exc:
            if exc.code == CANT_SEND:
                await self._unreachable(user)
                return False
            logger.warning("VK messages.send failed: error %s", exc.code)
        except (requests.RequestException, vk_api.exceptions.VkApiError) as exc:
            logger.warning("VK messages.send failed: %s", type(exc).__name__)
        return True

    async def _unreachable(self, user: str) -> None:
        logger.info("a VK user cannot be messaged: marked unreachable")
        await self.app.engine.core.family.mark_unreachable("vk", user)
        # the person's next event resolves the account again and lifts the mark
        await self.app.engine.forget(f"vk:{user}")


def _attachment(kind: str, saved: dict[str, Any]) -> str:
    """photo{owner_id}_{id} or doc{owner_id}_{id}, with the access key when VK gives one
    (dev.vk.com/method/messages.send, ``attachment``)."""
    key = saved.get("access_key")
    return f"{kind}{saved['owner_id']}_{saved['id']}" + (f"_{key}" if key else "")


def _payload(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


async def run(app: App, stop: asyncio.Event | None = None) -> None:
    settings = VkSettings.of(app.settings)
    assert settings.group_token is not None and settings.group_id is not None
    base = str(settings.api_base) if settings.api_base else None
    vk = make_vk(settings.group_token.get_secret_value(), base)
    seen: SeenStore = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
    await VkHandler(app, vk, settings.group_id, seen).run(stop)
