"""MAX's API as this package calls it: the maxapi client (its own retries off: a repeated
POST /messages would be a second message), which refusals are of the moment and which
say the person blocked the bot, every call paced by the bot's and the dialog's budgets,
and the token in an upload server's answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import MaxApiError, MaxConnection, MaxUploadFileFailed

from bot.notify.pacing import Budget, Pace

logger = logging.getLogger(__name__)

TOO_MANY_REQUESTS = 429
FORBIDDEN = 403


def make_bot(token: str, api_base: str | None = None) -> Bot:
    bot = Bot(
        token,
        default_connection=DefaultConnectionProperties(timeout=60, max_retries=0),
        auto_requests=False,
        auto_check_subscriptions=False,
    )
    if api_base:
        bot.set_api_url(api_base)
    return bot


def transient(exc: BaseException) -> float | None:
    """A refusal of the moment: 429 (MAX names no wait), 5xx, the network."""
    if isinstance(exc, MaxApiError):
        return 0.0 if exc.code == TOO_MANY_REQUESTS or exc.code >= 500 else None
    if isinstance(exc, MaxConnection | TimeoutError | aiohttp.ClientError):
        return 0.0
    return None


def unreachable(exc: MaxApiError) -> bool:
    """The person blocked the bot: MAX answers 403 (``chat.denied``). A 404 is not that:
    a pressed button's callback or a message that is gone (a stale screen) answers 404
    ``not.found`` while the person may be writing to the bot at that very moment."""
    code = exc.raw.get("code") if isinstance(exc.raw, dict) else None
    return exc.code == FORBIDDEN or code == "chat.denied"


class MaxApi:
    """Calls to MAX paced by the shared budgets; a 429 pauses every sender of the bot for a
    second and the same call goes again."""

    def __init__(self, bot: Bot, pace: Pace, rate: float, chat_rate: float) -> None:
        self.bot = bot
        self.pace = pace
        self.rate = rate
        self.chat_rate = chat_rate

    async def call(
        self,
        user: str,
        send: Callable[[], Awaitable[Any]],
        *,
        reply: bool,
        attempts: int = 6,
        line: str = "chat",
    ) -> Any:
        """``line``: the dialog's budget the call draws from besides the bot's: "chat" for
        messages, "answers" for answers to presses (POST /answers: "no more than two
        answers a second in one dialog", dev.max.ru), so an answer never waits behind the
        dialog's messages."""
        for _ in range(attempts):
            await self.pace.acquire_all(
                Budget(f"max:{line}:{user}", self.chat_rate, burst=2 if reply else 0),
                Budget("max:bot", self.rate),
                reply=reply,
            )
            try:
                return await send()
            except MaxApiError as exc:
                if exc.code != TOO_MANY_REQUESTS:
                    raise
                logger.warning("MAX 429: pausing sends for 1 s")
                await self.pace.pause("max:bot", 1.0)
        raise TimeoutError("MAX kept answering 429")


def upload_token(kind: UploadType, body: str) -> str:
    """The token in the upload server's answer: ``{"token": …}`` for a file, ``{"photos":
    {<id>: {"token": …}}}`` for an image (dev.max.ru, POST /uploads)."""
    try:
        answer = json.loads(body)
    except ValueError as exc:
        raise MaxUploadFileFailed("the upload server's answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise MaxUploadFileFailed("the upload server's answer is not an object")
    holder = answer
    if kind == UploadType.IMAGE:
        photos = answer.get("photos")
        first = next(iter(photos.values()), None) if isinstance(photos, dict) else None
        holder = first if isinstance(first, dict) else {}
    token = holder.get("token")
    if not isinstance(token, str) or not token:
        raise MaxUploadFileFailed("no token in the upload server's answer")
    return token
