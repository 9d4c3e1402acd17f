"""The outbox worker: claim, render, send, record; scheduled broadcasts expanded on time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bot import metrics
from bot.dialogs.actions import OpenProgram
from bot.dialogs.engine import PUBLIC
from bot.dialogs.signing import Signer
from bot.i18n import TEEN, Translator
from bot.notify import command_lists
from bot.notify.render import Notice, Renderer
from bot.notify.senders import Outgoing, Sender
from core import port
from core.port import Outcome

logger = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        jobs: port.Jobs,
        t: Translator,
        signer: Signer,
        senders: dict[str, Sender],
        *,
        low_balance: int = 100_000,
        batch: int = 200,
        lease_s: float = 10,
        idle_s: float = 1.0,
        flush_s: float = 0.05,
        expiry_days: int = port.DEFAULT_EXPIRY_DAYS,
        housekeeping_s: float = 300,
        timezone: str = "Europe/Moscow",
        forget: Callable[..., Awaitable[None]] | None = None,
        auto_close: bool = False,
    ) -> None:
        # close each ended month on the first day of the next (core.accounting.auto_close)
        self.auto_close = auto_close
        self.expiry_days = expiry_days
        # drops the dialog states of accounts just found unreachable (Engine.forget): the
        # next event of such a person resolves the account again, which finds the mark
        # and lifts it (core.usecases.Family.resolve) instead of reading a cached state
        self.forget = forget
        self.housekeeping_s = housekeeping_s
        self.flush_s = flush_s
        self.jobs = jobs
        self.t = t
        self.signer = signer
        self.senders = senders
        self.renderer = Renderer(t, low_balance, timezone)
        # a child of 14+ registered alone reads their family's notices as ты
        self.teen_renderer = Renderer(_AsTeen(t), low_balance, timezone)
        self.batch = batch
        self.lease_s = lease_s
        self.idle_s = idle_s

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        logger.info("outbox worker started")
        loop = asyncio.get_running_loop()
        swept_at = -self.housekeeping_s
        while not stop.is_set():
            if loop.time() - swept_at >= self.housekeeping_s:
                swept_at = loop.time()
                try:
                    # unanswered applications expire, held seats not taken pass on
                    await self.jobs.expire(self.expiry_days)
                except Exception:
                    logger.exception("expiring unanswered applications failed")
                if self.auto_close:
                    try:
                        # exactly once whatever the number of workers (the month's row)
                        await self.jobs.close_ended()
                    except Exception:
                        logger.exception("closing the ended month failed")
                await self.menus()
            try:
                done = await self.step()
            except Exception:
                logger.exception("outbox worker step failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.idle_s)

    async def menus(self) -> int:
        """The staff accounts' command menus brought in line with their roles, in each
        messenger that keeps one per account (bot/notify/command_lists.py): how many were
        set. A role granted or revoked shows there within a housekeeping round."""
        changed = 0
        for platform, sender in self.senders.items():
            if not isinstance(sender, command_lists.Menus):
                continue
            try:
                changed += await command_lists.reconcile(self.jobs, platform, sender, self.t)
            except Exception:
                logger.exception("setting the staff's command menus failed")
        return changed

    async def step(self) -> int:
        """One batch. Returns how many rows were handled."""
        claim = await self.jobs.claim(self.batch, self.lease_s)
        metrics.OUTBOX_DEPTH.set(claim.depth)
        claimed = claim.claimed
        if not claimed:
            return claim.fanned
        outcome = Outcome()
        per_platform: dict[str, list[Outgoing]] = {}
        async with self.jobs.reading() as reader:
            parent_ids = sorted({c.parent_id for c in claimed})
            who = await reader.recipients(parent_ids, self.senders)
            # per language, and for a child's own account
            same_for_all: dict[tuple[int | None, str, bool], Notice | None] = {}
            for row in claimed:
                recipient = who.get(row.parent_id)
                if recipient is None or recipient.platform not in self.senders:
                    outcome.unreachable[row.id] = "none"
                    continue
                if row.kind == "broadcast" and not recipient.announcements:
                    outcome.cancelled.append(row.id)  # turned announcements off meanwhile
                    continue
                renderer = self.teen_renderer if recipient.teen else self.renderer
                if row.kind == "broadcast":
                    key = (row.ref, recipient.language, recipient.teen)
                    if key not in same_for_all:
                        same_for_all[key] = await renderer.render(reader, row, recipient.language)
                    notice = same_for_all[key]
                else:
                    notice = await renderer.render(reader, row, recipient.language)
                if notice is None:
                    outcome.cancelled.append(row.id)
                    continue
                button = None
                if notice.action is not None:
                    label_key, action = notice.action
                    label = self.t(recipient.language, label_key)
                    button = (label, self.signer.sign(PUBLIC, action))
                elif notice.program_id is not None:
                    label = self.t(recipient.language, "btn-open-program")
                    packed = OpenProgram(notice.program_id).pack()
                    button = (label, self.signer.sign(PUBLIC, packed))
                per_platform.setdefault(recipient.platform, []).append(
                    Outgoing(
                        row.id,
                        recipient.address,
                        notice.text,
                        button,
                        notice.group_key,
                        recipient.platform,
                        row.send_id,
                    )
                )
        # each send is recorded as soon as it is done (the recorder writes whatever
        # completed since its last write), so a worker killed at any moment leaves at most
        # the sends in flight unrecorded: at most Limits.concurrency per platform, plus
        # what completes during one write. Claims are kept alive while the step runs, so
        # the lease can be short and a dead worker's rows go to another within lease_s.
        totals: Counter[str] = Counter()
        unrecorded = {c.id for c in claimed}
        sent_all = asyncio.Event()
        recorder = asyncio.create_task(self._record_as_sent(outcome, totals, sent_all, unrecorded))
        heartbeat = asyncio.create_task(self._keep_claims(unrecorded))
        try:
            await asyncio.gather(
                *(self.senders[p].send(items, outcome) for p, items in per_platform.items())
            )
            sent_all.set()
            await recorder  # its last write records the rest
        finally:
            heartbeat.cancel()
            if not recorder.done():  # the step itself was cancelled: a graceful stop
                recorder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recorder
                await asyncio.shield(self._release(outcome, totals, unrecorded))
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        logger.info(
            "outbox: %d delivered, %d failed, %d unreachable, %d later, %d dropped",
            totals["delivered"],
            totals["failed"],
            totals["unreachable"],
            totals["retry"],
            totals["cancelled"],
        )
        return len(claimed)

    async def _record_as_sent(
        self, outcome: Outcome, totals: Counter[str], sent_all: asyncio.Event, unrecorded: set[int]
    ) -> None:
        while not sent_all.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sent_all.wait(), self.flush_s)
            await self._flush(outcome, totals, unrecorded)
        # what completed while the last write was under way
        await self._flush(outcome, totals, unrecorded)

    async def _keep_claims(self, unrecorded: set[int]) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.jobs.extend(sorted(unrecorded), self.lease_s)
            except Exception as exc:
                logger.warning("claims not extended: %s", type(exc).__name__)

    async def _release(self, outcome: Outcome, totals: Counter[str], unrecorded: set[int]) -> None:
        """Stopping: record what was sent, and give back what was not at once."""
        try:
            await self._flush(outcome, totals, unrecorded)
            await self.jobs.release(sorted(unrecorded))
        except Exception as exc:
            logger.warning("claims not released on stop: %s", type(exc).__name__)

    async def _flush(self, outcome: Outcome, totals: Counter[str], unrecorded: set[int]) -> None:
        """Record what happened since the last flush (the lists only grow)."""
        done = outcome.take()
        if done.empty:
            return
        await self.jobs.record(done)
        blocked = sorted({who for who in done.unreachable.values() if ":" in who})
        if blocked and self.forget is not None:
            try:
                await self.forget(*blocked)  # "platform:address" is the person's user key
            except Exception as exc:  # the states expire by themselves
                logger.warning(
                    "dialog states of unreachable accounts kept: %s", type(exc).__name__
                )
        unrecorded.difference_update(
            [*done.delivered, *done.failed, *done.unreachable, *done.retry, *done.cancelled]
        )
        totals.update(
            delivered=len(done.delivered),
            failed=len(done.failed),
            unreachable=len(done.unreachable),
            retry=len(done.retry),
            cancelled=len(done.cancelled),
        )


class _AsTeen(Translator):
    """The translator as a child's own account reads it (``$you`` is teen); it shares the
    loaded bundles of ``t``."""

    def __init__(self, t: Translator) -> None:
        self.__dict__.update(t.__dict__)

    def __call__(self, lang: str, key: str, **params: Any) -> str:
        params.setdefault("you", TEEN)
        return super().__call__(lang, key, **params)
