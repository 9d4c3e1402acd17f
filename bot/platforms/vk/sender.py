"""VK notices: 20 requests/s per token; the same text to many goes out with peer_ids, up to
100 a request, with a random_id stable across retries; per-recipient errors (901) are
recorded. A notice longer than a message goes as several (bot/platforms/split.py), each
part with its own random_id (part_random_id), so a retry sends only the parts VK lacks."""

from __future__ import annotations

import asyncio
import json
import logging

from bot.notify.pacing import Pace
from bot.notify.senders import Limits, Outgoing
from bot.platforms.split import VK_TEXT, split_text
from bot.platforms.vk.keyboard import inline_keyboard
from bot.platforms.vk.surface import part_random_id, random_id
from core.notify.delivery import Outcome

logger = logging.getLogger(__name__)


class VkSender:
    BATCH = 100

    def __init__(self, vk, pace: Pace, limits: Limits, metrics=None) -> None:
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
        """The text as one message or several (the keyboard on the last), to each member;
        a member refused one part gets none of the later ones."""
        if key is not None:
            # VK scopes random_id to the sender, not the recipient: one per batch, made
            # from the notices in it, so a retry of this batch is recognised and the next
            # batch of the same announcement is not taken for a repeat
            base = random_id("batch", key, *sorted(m.row_id for m in members))
        else:
            base = random_id("notice", members[0].row_id, members[0].address)
        parts = split_text(text, VK_TEXT)
        alive = members
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            rid = part_random_id(base, i)
            alive = await self._part(key, part, keyboard if last else "", rid, alive, outcome)
            if not alive:
                return
        outcome.delivered.extend(m.row_id for m in alive)
        self._count("sent", len(alive))

    async def _part(
        self,
        key: str | None,
        text: str,
        keyboard: str,
        rid: int,
        members: list[Outgoing],
        outcome: Outcome,
    ) -> list[Outgoing]:
        """One message to ``members``: those it reached (the others' end is recorded)."""
        import vk_api

        values: dict[str, object] = {"message": text, "dont_parse_links": 1, "random_id": rid}
        if keyboard:
            values["keyboard"] = keyboard
        if key is not None:
            values["peer_ids"] = ",".join(m.address for m in members)
        else:
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
            return []
        except Exception as exc:  # network: try again later, the random_id keeps it once
            logger.warning("VK unavailable (%s): retry later", type(exc).__name__)
            for m in members:
                outcome.retry[m.row_id] = 30
            return []
        if key is None:
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

    async def close(self) -> None:
        self.vk.http.close()

    def _count(self, result: str, n: int) -> None:
        if self.metrics is not None:
            self.metrics.MESSAGES.labels("vk", result).inc(n)
