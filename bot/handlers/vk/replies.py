"""VK's answers to a person: a screen as messages.send (its text in parts, the keyboard
on the last), its place and its files after it; a screen with more buttons than one VK
keyboard holds paged with ◀ ▶ (the last paged screen of each person kept for them). Every
messages.send carries a random_id derived from what is sent, to whom and in answer to
what (api.py), so a retried request never produces a second message."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections import OrderedDict
from typing import Any

import requests
import vk_api
from vk_api.upload import VkUpload

from bot.dialogs.engine import Engine
from bot.dialogs.screen import RButton, Rendered, RFile
from bot.handlers import uploads
from bot.handlers.split import VK_TEXT, split_text
from bot.handlers.vk.api import CANT_SEND, part_random_id, random_id
from bot.handlers.vk.keyboard import inline_keyboard, location_keyboard, paginate
from bot.i18n import translator

logger = logging.getLogger(__name__)

PAGE_ACTION = "vkp"
MAX_PAGED_SCREENS = 10_000


class Replies:
    """What the handler and a press send to a person, and the mark of one VK will not let
    the community message (error 901, or message_deny)."""

    def __init__(self, engine: Engine, vk: vk_api.VkApi) -> None:
        self.engine = engine
        self.vk = vk
        # the last paged screen of each person, for ◀ ▶ (bounded: the oldest are forgotten)
        self.pages: OrderedDict[str, tuple[Rendered, list[list[list[RButton]]], str]] = (
            OrderedDict()
        )

    async def call(self, method: str, **values: Any) -> Any:
        return await asyncio.to_thread(self.vk.method, method, values)

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
            state = await self.engine.states.get(f"vk:{user}")
        except Exception as exc:
            logger.warning("VK: no dialog state for the page labels (%s)", type(exc).__name__)
            return "ru"
        return state.lang if state else "ru"

    async def show_page(self, peer: int, user: str, page: int, cause: object) -> None:
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
            sign = self.engine.signer.sign
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
            sent = await self._message(peer, user, part, part_random_id(base, i), **values)
            if sent is not True:
                # a refused part: the parts after it would not read on (a network error
                # reaches the caller, which answers the update again)
                return sent is None
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
            return await self._message(peer, user, text, rid, **values) is not False
        except (requests.RequestException, vk_api.exceptions.VkApiError) as exc:
            logger.warning("VK messages.send failed: %s", type(exc).__name__)
        return True

    async def _message(
        self, peer: int, user: str, text: str, rid: int, **values: Any
    ) -> bool | None:
        """messages.send of one message: True when sent; False when the person cannot be
        messaged (marked unreachable); None when VK refused it otherwise (logged). A
        network error goes to the caller."""
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
                await self.unreachable(user)
                return False
            logger.warning("VK messages.send failed: error %s", exc.code)
            return None
        return True

    async def unreachable(self, user: str) -> None:
        logger.info("a VK user cannot be messaged: marked unreachable")
        await self.engine.core.family.mark_unreachable("vk", user)
        # the person's next event resolves the account again and lifts the mark
        await self.engine.forget(f"vk:{user}")


def _attachment(kind: str, saved: dict[str, Any]) -> str:
    """photo{owner_id}_{id} or doc{owner_id}_{id}, with the access key when VK gives one
    (dev.vk.com/method/messages.send, ``attachment``)."""
    key = saved.get("access_key")
    return f"{kind}{saved['owner_id']}_{saved['id']}" + (f"_{key}" if key else "")
