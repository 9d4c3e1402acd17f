"""Sending notices on each platform, paced by its limits.

Telegram: 30 messages/s per bot and 1 per second per chat; a 429 waits its retry_after and
sends the same message again; 403 marks the parent unreachable there. VK: 20 requests/s per
token; the same text to many goes out with peer_ids, up to 100 a request, with a random_id
stable across retries; per-recipient errors (901) are recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.vk import random_id
from bot.handlers.vk_keyboard import inline_keyboard
from bot.notify.pacing import Budget, Pace
from core.notify.delivery import Outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    row_id: int
    address: str  # chat id / peer id
    text: str
    button: tuple[str, str] | None  # (label, signed payload)
    group_key: str | None  # same text to many
    metrics_platform: str


class Sender(Protocol):
    async def send(self, items: list[Outgoing], outcome: Outcome) -> None: ...


@dataclass
class Limits:
    tg_per_second: float = 30
    tg_per_chat: float = 1
    vk_per_second: float = 20
    # sends in flight at once: what a killed worker may have sent without recording it
    concurrency: int = 4


class TelegramSender:
    def __init__(self, bot: Bot, pace: Pace, limits: Limits, metrics=None) -> None:  # type: ignore[no-untyped-def]
        self.bot = bot
        self.pace = pace
        self.limits = limits
        self.metrics = metrics

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        gate = asyncio.Semaphore(self.limits.concurrency)

        async def one(item: Outgoing) -> None:
            async with gate:
                await self._one(item, outcome)

        await asyncio.gather(*(one(i) for i in items))

    async def _one(self, item: Outgoing, outcome: Outcome) -> None:
        markup = None
        if item.button:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=item.button[0], callback_data=item.button[1])]
                ]
            )
        for _ in range(20):
            await self.pace.acquire_all(
                Budget(f"tg:chat:{item.address}", self.limits.tg_per_chat),
                Budget("tg:bot", self.limits.tg_per_second),
            )
            try:
                await self.bot.send_message(
                    chat_id=int(item.address), text=item.text, reply_markup=markup
                )
            except TelegramRetryAfter as exc:
                # the same message again after the wait Telegram asked for; the pause is
                # the bot's, so no other message (a reply, another worker's) goes first
                logger.warning("Telegram 429: pausing sends for %s s", exc.retry_after)
                await self.pace.pause("tg:bot", exc.retry_after)
                self._count("429")
                continue
            except TelegramForbiddenError:
                outcome.unreachable[item.row_id] = f"tg:{item.address}"
                self._count("blocked")
                return
            except TelegramBadRequest as exc:
                if "chat not found" in str(exc).lower():
                    outcome.unreachable[item.row_id] = f"tg:{item.address}"
                else:
                    outcome.failed[item.row_id] = f"telegram: {exc.message}"[:300]
                self._count("failed")
                return
            except (TelegramNetworkError, TelegramServerError) as exc:
                logger.warning("Telegram unavailable (%s): retry later", type(exc).__name__)
                outcome.retry[item.row_id] = 30
                return
            outcome.delivered.append(item.row_id)
            self._count("sent")
            return
        outcome.retry[item.row_id] = 60

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("tg", result).inc()


class VkSender:
    BATCH = 100

    def __init__(self, vk, pace: Pace, limits: Limits, metrics=None) -> None:  # type: ignore[no-untyped-def]
        self.vk = vk
        self.pace = pace
        self.limits = limits
        self.metrics = metrics

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        groups: dict[tuple[str, str, str], list[Outgoing]] = {}
        singles: list[Outgoing] = []
        for item in items:
            keyboard = self._keyboard(item)
            if item.group_key:
                groups.setdefault((item.group_key, item.text, keyboard), []).append(item)
            else:
                singles.append(item)
        tasks = []
        for (key, text, keyboard), members in groups.items():
            for i in range(0, len(members), self.BATCH):
                tasks.append(
                    self._batch(key, text, keyboard, members[i : i + self.BATCH], outcome)
                )
        tasks += [self._batch(None, s.text, self._keyboard(s), [s], outcome) for s in singles]
        gate = asyncio.Semaphore(self.limits.concurrency)

        async def one(task):  # type: ignore[no-untyped-def]
            async with gate:
                await task

        await asyncio.gather(*(one(t) for t in tasks))

    @staticmethod
    def _keyboard(item: Outgoing) -> str:
        if not item.button:
            return ""
        from bot.dialogs.screen import RButton

        return inline_keyboard([[RButton(item.button[0], item.button[1])]])

    async def _batch(
        self, key: str | None, text: str, keyboard: str, members: list[Outgoing], outcome: Outcome
    ) -> None:
        import vk_api

        values: dict[str, object] = {"message": text, "dont_parse_links": 1}
        if keyboard:
            values["keyboard"] = keyboard
        if key is not None:
            # VK scopes random_id to the sender, not the recipient: one per batch, made
            # from the notices in it, so a retry of this batch is recognised and the next
            # batch of the same announcement is not taken for a repeat
            values["random_id"] = random_id("batch", key, *sorted(m.row_id for m in members))
            values["peer_ids"] = ",".join(m.address for m in members)
        else:
            values["random_id"] = random_id("notice", members[0].row_id, members[0].address)
            values["peer_id"] = members[0].address
        await self.pace.acquire("vk:token", self.limits.vk_per_second)
        try:
            response = await asyncio.to_thread(self.vk.method, "messages.send", values)
        except vk_api.exceptions.ApiError as exc:
            for m in members:
                if exc.code == 901:
                    outcome.unreachable[m.row_id] = f"vk:{m.address}"
                else:
                    outcome.failed[m.row_id] = f"vk error {exc.code}"
            self._count("failed", len(members))
            return
        except Exception as exc:  # network: try again later, the random_id keeps it once
            logger.warning("VK unavailable (%s): retry later", type(exc).__name__)
            for m in members:
                outcome.retry[m.row_id] = 30
            return
        if key is None:
            outcome.delivered.append(members[0].row_id)
            self._count("sent", 1)
            return
        by_peer = {str(r.get("peer_id")): r for r in response or []}
        sent = 0
        for m in members:
            result = by_peer.get(m.address)
            error = (result or {}).get("error")
            if result is None:
                outcome.failed[m.row_id] = "vk: no result"
            elif error:
                code = error.get("code") if isinstance(error, dict) else error
                if code == 901:
                    outcome.unreachable[m.row_id] = f"vk:{m.address}"
                else:
                    outcome.failed[m.row_id] = f"vk error {json.dumps(code)}"
            else:
                outcome.delivered.append(m.row_id)
                sent += 1
        self._count("sent", sent)

    def _count(self, result: str, n: int) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("vk", result).inc(n)
