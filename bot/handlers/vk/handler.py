"""VK through vk_api: Bots Long Poll off the event loop, screens as VK keyboards.

No flow logic here. vk_api is synchronous (requests), so every call runs in a thread;
its rate delay is set for a community token (20 requests/s, not the user-token 3/s).
Every messages.send carries a random_id derived from what is sent, to whom and in answer
to what, so a retried request never produces a second message (api.py: the client, its
pacing and the random_ids). The answers are sent in replies.py, a press answered in
presses.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Any

import requests
import vk_api
from vk_api.bot_longpoll import VkBotLongPoll

from bot.app import App
from bot.dialogs.events import Event
from bot.handlers.common import KeyedLock, MemorySeen, RedisSeen, SeenStore
from bot.handlers.vk.api import RedirectSession, make_vk
from bot.handlers.vk.presses import handle_press, read_payload
from bot.handlers.vk.replies import Replies
from bot.handlers.vk.settings import VkSettings

logger = logging.getLogger(__name__)

LANG_BY_ID = {0: "ru", 3: "en"}  # VK's client_info.lang_id


class VkHandler:
    def __init__(self, app: App, vk: vk_api.VkApi, group_id: int, seen: SeenStore) -> None:
        self.app = app
        self.vk = vk
        self.group_id = group_id
        self.seen = seen
        self.order = KeyedLock()
        self.replies = Replies(app.engine, vk)
        self.tasks: set[asyncio.Task[None]] = set()
        self.backoff = 1.0

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
                    await handle_press(self.app.engine, self.replies, obj)
                elif raw.get("type") == "message_allow":
                    # the person allowed the community's messages again
                    await self.app.engine.core.family.mark_reachable("vk", user)
                elif raw.get("type") == "message_deny":
                    await self.replies.unreachable(user)
            except Exception:
                logger.exception("VK %s event failed", raw.get("type"))

    async def on_message(self, obj: dict[str, Any]) -> None:
        msg = obj.get("message") or {}
        peer, user = int(msg.get("peer_id", 0)), str(msg.get("from_id", ""))
        if peer >= 2_000_000_000 or not user or int(user) <= 0:
            return  # conversations and communities are not served
        lang = LANG_BY_ID.get((obj.get("client_info") or {}).get("lang_id", 0), "ru")
        payload = read_payload(msg.get("payload"))
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
        await self.replies.send(
            peer,
            user,
            reply.screen,
            cause=f"m{msg.get('id') or msg.get('conversation_message_id')}",
        )


async def run(app: App, stop: asyncio.Event | None = None) -> None:
    settings = VkSettings.of(app.settings)
    assert settings.group_token is not None and settings.group_id is not None
    base = str(settings.api_base) if settings.api_base else None
    vk = make_vk(settings.group_token.get_secret_value(), base)
    seen: SeenStore = RedisSeen(app.redis) if app.redis is not None else MemorySeen()
    await VkHandler(app, vk, settings.group_id, seen).run(stop)
