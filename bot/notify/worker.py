"""The outbox worker: claim, render, send, record; scheduled broadcasts expanded on time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from bot import metrics
from bot.dialogs.engine import PUBLIC
from bot.dialogs.signing import Signer
from bot.i18n import Translator
from bot.notify.render import Notice, Renderer
from bot.notify.senders import Outgoing, Sender
from core.notify import delivery
from core.notify.delivery import Outcome
from core.services import broadcasts
from core.storage.db import Database

logger = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        db: Database,
        t: Translator,
        signer: Signer,
        senders: dict[str, Sender],
        *,
        low_balance: int = 100_000,
        batch: int = 200,
        lease_s: float = 60,
        idle_s: float = 1.0,
        flush_s: float = 0.5,
    ) -> None:
        self.flush_s = flush_s
        self.db = db
        self.t = t
        self.signer = signer
        self.senders = senders
        self.renderer = Renderer(t, low_balance)
        self.batch = batch
        self.lease_s = lease_s
        self.idle_s = idle_s

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        logger.info("outbox worker started")
        while not stop.is_set():
            try:
                done = await self.step()
            except Exception:
                logger.exception("outbox worker step failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.idle_s)

    async def step(self) -> int:
        """One batch. Returns how many rows were handled."""
        async with self.db.uow() as uow:
            await broadcasts.expand_due(uow)
            claimed = await delivery.claim(uow, self.batch, self.lease_s)
            metrics.OUTBOX_DEPTH.set(await delivery.depth(uow))
            await uow.commit()
        if not claimed:
            return 0
        outcome = Outcome()
        per_platform: dict[str, list[Outgoing]] = {}
        async with self.db.reader() as uow:
            who = await delivery.recipients(uow, sorted({c.parent_id for c in claimed}))
            same_for_all: dict[tuple[int | None, str], Notice | None] = {}  # per language
            for row in claimed:
                recipient = who.get(row.parent_id)
                if recipient is None or recipient.platform not in self.senders:
                    outcome.unreachable[row.id] = "none"
                    continue
                if row.kind == "broadcast" and not recipient.announcements:
                    outcome.cancelled.append(row.id)  # turned announcements off meanwhile
                    continue
                if row.kind == "broadcast":
                    key = (row.ref, recipient.language)
                    if key not in same_for_all:
                        same_for_all[key] = await self.renderer.render(
                            uow, row, recipient.language
                        )
                    notice = same_for_all[key]
                else:
                    notice = await self.renderer.render(uow, row, recipient.language)
                if notice is None:
                    outcome.cancelled.append(row.id)
                    continue
                button = None
                if notice.program_id is not None:
                    label = self.t(recipient.language, "btn-open-program")
                    button = (label, self.signer.sign(PUBLIC, f"prog:{notice.program_id}"))
                per_platform.setdefault(recipient.platform, []).append(
                    Outgoing(
                        row.id,
                        recipient.address,
                        notice.text,
                        button,
                        notice.group_key,
                        recipient.platform,
                    )
                )
        # what is sent is recorded as it goes (every flush_s), so a crash re-sends only the
        # last moments' messages, not the whole batch
        totals: Counter[str] = Counter()
        sent_all = asyncio.Event()
        flusher = asyncio.create_task(self._flush_every(outcome, totals, sent_all))
        try:
            await asyncio.gather(
                *(self.senders[p].send(items, outcome) for p, items in per_platform.items())
            )
            sent_all.set()
            await flusher  # its last flush records the rest
        finally:
            if not flusher.done():  # the step itself was cancelled
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
        logger.info(
            "outbox: %d delivered, %d failed, %d unreachable, %d later, %d dropped",
            totals["delivered"],
            totals["failed"],
            totals["unreachable"],
            totals["retry"],
            totals["cancelled"],
        )
        return len(claimed)

    async def _flush_every(
        self, outcome: Outcome, totals: Counter[str], sent_all: asyncio.Event
    ) -> None:
        while not sent_all.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sent_all.wait(), self.flush_s)
            await self._flush(outcome, totals)

    async def _flush(self, outcome: Outcome, totals: Counter[str]) -> None:
        """Record what happened since the last flush (the lists only grow)."""
        done = outcome.take()
        if done.empty:
            return
        async with self.db.uow() as uow:
            await delivery.record(uow, done)
            await uow.commit()
        totals.update(
            delivered=len(done.delivered),
            failed=len(done.failed),
            unreachable=len(done.unreachable),
            retry=len(done.retry),
            cancelled=len(done.cancelled),
        )
