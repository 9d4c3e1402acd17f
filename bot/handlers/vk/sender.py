"""VK notices: 20 requests/s per token; the same text to many goes out with peer_ids, up to
100 a request, with a random_id stable across retries; per-recipient errors (901) are
recorded. VK's passing refusals (6 too many requests per second, 9 flood control, 10
internal server error) are tried again with backoff, then the notice waits for a later
round of the worker (which gives up after core.outbox.delivery.MAX_ATTEMPTS). A notice
longer than a message goes as several (bot/handlers/split.py), part i with the random_id
of its batch + i (the counter reserves PART_IDS numbers a batch), so a retry sends only
the parts VK lacks."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from bot.handlers.split import VK_TEXT, split_text
from bot.handlers.vk.keyboard import inline_keyboard
from bot.notify.pacing import Pace
from bot.notify.senders import Limits, Outgoing
from core.outbox import delivery
from core.outbox.delivery import Outcome
from core.storage.db import Database

logger = logging.getLogger(__name__)

# https://dev.vk.com/ru/reference/errors: 6 "Too many requests per second", 9 "Flood
# control", 10 "Internal server error": none says the message is wrong or the person gone
TRANSIENT = frozenset({6, 9, 10})
LATER_S = 60  # a notice still refused after the attempts here waits this long


def _transient(exc: BaseException) -> bool:
    import vk_api

    return isinstance(exc, vk_api.exceptions.ApiError) and exc.code in TRANSIENT


class SendIds(Protocol):
    async def __call__(self, batches: list[list[int]]) -> list[int | None]:
        """A random_id for each batch of outbox rows, stored on them (None: not now)."""
        ...


class StoredIds:
    """random_ids from the database's counter for this community: unique for ever by
    construction (VK drops a second message with a used one, whoever it is to), and kept
    on the rows, so a retry sends the same one (core.outbox.delivery.number_batches)."""

    def __init__(self, db: Database, group_id: int) -> None:
        self.db = db
        self.counter = f"vk_random_id:{group_id}"

    async def __call__(self, batches: list[list[int]]) -> list[int | None]:
        return await self.db.run(delivery.number_batches, self.counter, batches)


@dataclass
class _Batch:
    text: str
    keyboard: str
    members: list[Outgoing]
    many: bool  # sent with peer_ids (the same text to many)
    send_id: int | None = None


class VkSender:
    BATCH = 100

    def __init__(
        self,
        vk,
        pace: Pace,
        limits: Limits,
        metrics=None,
        *,
        ids: SendIds,
        attempts: int = 4,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
    ) -> None:
        self.vk = vk
        self.pace = pace
        self.limits = limits
        self.metrics = metrics
        self.ids = ids
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        batches: list[_Batch] = []
        retried: dict[int, list[Outgoing]] = {}
        groups: dict[tuple[str, str, str], list[Outgoing]] = {}
        fresh: list[_Batch] = []
        for item in items:
            if item.send_id is not None:  # its batch was numbered before: the same again
                retried.setdefault(item.send_id, []).append(item)
            elif item.group_key:
                groups.setdefault((item.group_key, item.text, self._keyboard(item)), []).append(
                    item
                )
            else:
                fresh.append(_Batch(item.text, self._keyboard(item), [item], many=False))
        for send_id, members in retried.items():
            first = members[0]
            many = first.group_key is not None
            batches.append(_Batch(first.text, self._keyboard(first), members, many, send_id))
        for (_, text, keyboard), members in groups.items():
            for i in range(0, len(members), self.BATCH):
                fresh.append(_Batch(text, keyboard, members[i : i + self.BATCH], many=True))
        batches += await self._number(fresh, outcome)
        gate = asyncio.Semaphore(self.limits.concurrency)

        async def one(batch: _Batch) -> None:
            async with gate:
                await self._batch(batch, outcome)

        await asyncio.gather(*(one(b) for b in batches))

    async def _number(self, batches: list[_Batch], outcome: Outcome) -> list[_Batch]:
        """Each new batch's random_id, reserved and stored on its rows before it is sent."""
        if not batches:
            return []
        try:
            numbers = await self.ids([[m.row_id for m in b.members] for b in batches])
        except Exception as exc:
            logger.warning("VK notices not numbered (%s): retry later", type(exc).__name__)
            numbers = [None] * len(batches)
        numbered = []
        for batch, number in zip(batches, numbers, strict=True):
            if number is None:  # not numbered, or taken over: its next claim decides
                for m in batch.members:
                    outcome.retry[m.row_id] = 5
                continue
            batch.send_id = number
            numbered.append(batch)
        return numbered

    @staticmethod
    def _keyboard(item: Outgoing) -> str:
        if not item.button:
            return ""
        from bot.dialogs.screen import RButton

        return inline_keyboard([[RButton(item.button[0], item.button[1])]])

    async def _batch(self, batch: _Batch, outcome: Outcome) -> None:
        """The text as one message or several (the keyboard on the last), to each member;
        a member refused one part gets none of the later ones."""
        parts = split_text(batch.text, VK_TEXT)
        if len(parts) > delivery.PART_IDS:  # no notice is near it (announcements: 2,000)
            logger.warning(
                "a VK notice of %d parts: the first %d sent", len(parts), delivery.PART_IDS
            )
            parts = parts[: delivery.PART_IDS]
        alive = batch.members
        assert batch.send_id is not None
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            keyboard = batch.keyboard if last else ""
            # VK scopes random_id to the sender, not the recipient: numbers of the
            # community's counter, never used before, the same on a retry of this batch
            reached = await self._part(
                batch.many, part, keyboard, batch.send_id + i, alive, outcome
            )
            if not reached:
                return
            alive = reached
        outcome.delivered.extend(m.row_id for m in alive)
        self._count("sent", len(alive))

    async def _part(
        self,
        many: bool,
        text: str,
        keyboard: str,
        rid: int,
        members: list[Outgoing],
        outcome: Outcome,
    ) -> list[Outgoing] | None:
        """One message to ``members``: those it reached (the others' end is recorded);
        None when VK asks to come back later (the whole batch is retried)."""
        import vk_api

        values: dict[str, object] = {"message": text, "dont_parse_links": 1, "random_id": rid}
        if keyboard:
            values["keyboard"] = keyboard
        if many:
            values["peer_ids"] = ",".join(m.address for m in members)
        else:
            values["peer_id"] = members[0].address
        try:
            response = await self._send(values)
        except vk_api.exceptions.ApiError as exc:
            if exc.code in TRANSIENT:
                logger.warning("VK error %s after %d attempts: later", exc.code, self.attempts)
                for m in members:
                    outcome.retry[m.row_id] = LATER_S
                return None
            for m in members:
                if exc.code == 901:
                    outcome.unreachable[m.row_id] = f"vk:{m.address}"
                else:
                    outcome.failed[m.row_id] = f"vk error {exc.code}"
            self._count("failed", len(members))
            return []
        except Exception as exc:  # network: try again later, the random_id keeps it once
            logger.warning("VK unavailable (%s): retry later", type(exc).__name__)
            for m in members:
                outcome.retry[m.row_id] = 30
            return None
        if not many:
            return members
        by_peer = {str(r.get("peer_id")): r for r in response or []}
        reached = []
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
                reached.append(m)
        return reached

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
