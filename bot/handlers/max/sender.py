"""MAX notices: from the bot's 30 requests/s (shared with the dialog's replies), one
message per recipient (MAX has no send-to-many); a 429 pauses the bot and the same
message goes again; a recipient who blocked the bot is recorded as unreachable. The
library does not retry on its own, so a notice is never sent twice by it. A notice longer
than a message goes as several (bot/handlers/split.py)."""

from __future__ import annotations

import asyncio
import logging

from maxapi.exceptions.max import MaxApiError, MaxConnection

from bot.dialogs.screen import RButton
from bot.handlers.max.api import MaxApi, unreachable
from bot.handlers.max.keyboard import keyboard
from bot.handlers.split import MAX_TEXT, split_text
from bot.notify.parts import PartsSent
from bot.notify.senders import Outgoing
from core.outbox.delivery import Outcome

logger = logging.getLogger(__name__)


class MaxSender:
    def __init__(self, api: MaxApi, concurrency: int = 4, metrics=None) -> None:
        self.api = api
        self.parts = PartsSent()
        self.concurrency = concurrency
        self.metrics = metrics

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Outgoing) -> None:
            async with gate:
                await self._one(item, outcome)

        await asyncio.gather(*(one(i) for i in items))

    async def _one(self, item: Outgoing, outcome: Outcome) -> None:
        """The notice as one message or several (the button on the last); a retry sends
        only the parts this worker has not sent yet."""
        rows = [[RButton(item.button[0], item.button[1])]] if item.button else []
        parts = split_text(item.text, MAX_TEXT)
        for i in range(self.parts.sent(item.row_id, parts), len(parts)):
            last = i == len(parts) - 1
            if not await self._part(item, parts[i], rows if last else [], outcome):
                return
            if not last:
                self.parts.advance(item.row_id, parts, i + 1)
        self.parts.forget(item.row_id)
        outcome.delivered.append(item.row_id)
        self._count("sent")

    async def _part(
        self, item: Outgoing, text: str, rows: list[list[RButton]], outcome: Outcome
    ) -> bool:
        """One message; False when it was not sent (how the notice ended is recorded)."""
        bot = self.api.bot
        try:
            await self.api.call(
                item.address,
                lambda: bot.send_message(
                    user_id=int(item.address), text=text, attachments=keyboard(rows)
                ),
                reply=False,
                attempts=20,
            )
        except MaxApiError as exc:
            if unreachable(exc):
                outcome.unreachable[item.row_id] = f"max:{item.address}"
                self._count("blocked")
            else:
                outcome.failed[item.row_id] = f"max error {exc.code}"
                self._count("failed")
            return False
        except (MaxConnection, TimeoutError) as exc:
            logger.warning("MAX unavailable (%s): retry later", type(exc).__name__)
            outcome.retry[item.row_id] = 30
            return False
        return True

    async def close(self) -> None:
        await self.api.bot.close_session()

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("max", result).inc()
