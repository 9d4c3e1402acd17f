"""VK notices: 20 requests/s per token; the same text to many goes out with peer_ids, up to
100 a request, with a random_id stable across retries; per-recipient errors (901) are
recorded. VK's passing refusals (6 too many requests per second, 9 flood control, 10
internal server error) are tried again with backoff, then the notice waits for a later
round of the worker (which gives up after core.notify.delivery.MAX_ATTEMPTS)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from bot.notify.pacing import Pace
from bot.notify.senders import Limits, Outgoing
from bot.platforms.vk.keyboard import inline_keyboard
from bot.platforms.vk.surface import random_id
from core.notify.delivery import Outcome

logger = logging.getLogger(__name__)

# https://dev.vk.com/ru/reference/errors: 6 "Too many requests per second", 9 "Flood
# control", 10 "Internal server error": none says the message is wrong or the person gone
TRANSIENT = frozenset({6, 9, 10})
LATER_S = 60  # a notice still refused after the attempts here waits this long


def _transient(exc: BaseException) -> bool:
    import vk_api

    return isinstance(exc, vk_api.exceptions.ApiError) and exc.code in TRANSIENT


class VkSender:
    BATCH = 100

    def __init__(
        self,
        vk,
        pace: Pace,
        limits: Limits,
        metrics=None,
        *,
        attempts: int = 4,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
    ) -> None:
        self.vk = vk
        self.pace = pace
        self.limits = limits
        self.metrics = metrics
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s

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

        async def one(task):
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
        try:
            response = await self._send(values)
        except vk_api.exceptions.ApiError as exc:
            if exc.code in TRANSIENT:
                logger.warning("VK error %s after %d attempts: later", exc.code, self.attempts)
                for m in members:
                    outcome.retry[m.row_id] = LATER_S
                return
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

    async def _send(self, values: dict[str, object]) -> Any:
        """messages.send from the token's budget; a passing refusal is tried again after a
        growing, jittered wait (the same random_id: VK keeps one message of it)."""
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_random_exponential(multiplier=self.backoff_s, max=self.backoff_max_s),
            retry=retry_if_exception(_transient),
            reraise=True,
        ):
            with attempt:
                await self.pace.acquire("vk:token", self.limits.vk_per_second)
                try:
                    return await asyncio.to_thread(self.vk.method, "messages.send", values)
                except Exception as exc:
                    if _transient(exc):
                        code = exc.code  # type: ignore[attr-defined]
                        logger.warning("VK error %s on a notice: trying again", code)
                        if code == 6:  # the token's budget was overdrawn: every sender waits
                            await self.pace.pause("vk:token", 1.0)
                    raise
        raise AssertionError("unreachable")  # AsyncRetrying returns or raises

    async def close(self) -> None:
        self.vk.http.close()

    def _count(self, result: str, n: int) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("vk", result).inc(n)
