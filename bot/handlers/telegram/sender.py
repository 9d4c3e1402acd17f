"""Telegram notices: 30 messages/s per bot and 1 per second per chat; a 429 waits its
retry_after and sends the same message again; 403 marks the parent unreachable there. A
notice longer than a message goes as several (bot/handlers/split.py). A staff account's
command menu is set through it too (menus.py)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.split import TELEGRAM_TEXT, split_text
from bot.handlers.telegram.menus import set_staff_menu, staff_menu
from bot.i18n import Translator
from bot.notify.pacing import Adaptive, Budget, Pace
from bot.notify.parts import PartsSent
from bot.notify.senders import Limits, Outgoing
from core.outbox.delivery import Outcome

logger = logging.getLogger(__name__)


class TelegramSender:
    def __init__(self, bot: Bot, pace: Pace, limits: Limits, metrics=None) -> None:
        self.parts = PartsSent()
        self.bot = bot
        self.pace = pace
        self.limits = limits
        self.metrics = metrics
        # a 429 slows this worker's notices down, then they climb back (README "Limits")
        self.rate = Adaptive(limits.tg_per_second)

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        gate = asyncio.Semaphore(self.limits.concurrency)

        async def one(item: Outgoing) -> None:
            async with gate:
                await self._one(item, outcome)

        await asyncio.gather(*(one(i) for i in items))

    async def _one(self, item: Outgoing, outcome: Outcome) -> None:
        """The notice as one message or several (the button on the last); a retry sends
        only the parts this worker has not sent yet."""
        markup = None
        if item.button:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=item.button[0], callback_data=item.button[1])]
                ]
            )
        parts = split_text(item.text, TELEGRAM_TEXT)
        for i in range(self.parts.sent(item.row_id, parts), len(parts)):
            last = i == len(parts) - 1
            if not await self._part(item, parts[i], markup if last else None, outcome):
                return
            if not last:
                self.parts.advance(item.row_id, parts, i + 1)
        self.parts.forget(item.row_id)
        outcome.delivered.append(item.row_id)
        self._count("sent")

    async def _part(
        self, item: Outgoing, text: str, markup: InlineKeyboardMarkup | None, outcome: Outcome
    ) -> bool:
        """One message; False when it was not sent (how the notice ended is recorded)."""
        for _ in range(20):
            await self.pace.acquire_all(
                Budget(f"tg:chat:{item.address}", self.limits.tg_per_chat),
                Budget("tg:bot", self.limits.tg_per_second, live=self.rate.rate),
            )
            try:
                await self.bot.send_message(
                    chat_id=int(item.address), text=text, reply_markup=markup
                )
            except TelegramRetryAfter as exc:
                # the same message again after the wait Telegram asked for; the pause is
                # the bot's, so no other message (a reply, another worker's) goes first
                self.rate.refused(exc.retry_after)
                logger.warning("Telegram 429: pausing sends for %s s", exc.retry_after)
                await self.pace.pause("tg:bot", exc.retry_after)
                self._count("429")
                continue
            except TelegramForbiddenError:
                outcome.unreachable[item.row_id] = f"tg:{item.address}"
                self._count("blocked")
                return False
            except TelegramBadRequest as exc:
                if "chat not found" in str(exc).lower():
                    outcome.unreachable[item.row_id] = f"tg:{item.address}"
                else:
                    outcome.failed[item.row_id] = f"telegram: {exc.message}"[:300]
                self._count("failed")
                return False
            except (TelegramNetworkError, TelegramServerError) as exc:
                logger.warning("Telegram unavailable (%s): retry later", type(exc).__name__)
                outcome.retry[item.row_id] = 30
                return False
            return True
        outcome.retry[item.row_id] = 60
        return False

    def menu(
        self, roles: frozenset[str], language: str, t: Translator
    ) -> list[tuple[str, str]] | None:
        return staff_menu(roles, language, t)

    async def set_menu(self, address: str, commands: list[tuple[str, str]] | None) -> bool:
        return await set_staff_menu(self.bot, int(address), commands)

    async def close(self) -> None:
        await self.bot.session.close()

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("tg", result).inc()
