"""MAX's answers to a person: a screen as one message or several (the keyboard on the
last), its place and its files after it, each from the bot's budget and the dialog's own
(api.py); a person MAX will not let the bot reach is marked so."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
from maxapi import Bot
from maxapi.enums.attachment import AttachmentType
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError, MaxConnection, MaxUploadFileFailed
from maxapi.types.attachments import AttachmentInput, Location
from maxapi.types.attachments.upload import AttachmentPayload, AttachmentUpload

from bot.dialogs.engine import Engine, Reply
from bot.dialogs.screen import Rendered, RFile
from bot.handlers import uploads
from bot.handlers.max.api import MaxApi, unreachable, upload_token
from bot.handlers.max.keyboard import keyboard
from bot.handlers.max.updates import KEY
from bot.handlers.split import MAX_TEXT, split_text
from bot.i18n import translator

logger = logging.getLogger(__name__)


class Replies:
    """What the handler and a press send to a person, and the mark of one MAX cannot
    reach."""

    def __init__(self, engine: Engine, bot: Bot, api: MaxApi) -> None:
        self.engine = engine
        self.bot = bot
        self.api = api

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
                await self.unreachable(user)
            return exc
        except (MaxConnection, TimeoutError) as exc:
            logger.warning("MAX reply not sent: %s", type(exc).__name__)
        return None

    async def unreachable(self, user: str) -> None:
        logger.info("a MAX user cannot be messaged: marked unreachable")
        await self.engine.core.family.mark_unreachable(KEY, user)
        # the person's next event resolves the account again and lifts the mark
        await self.engine.forget(f"{KEY}:{user}")
