"""Claiming outbox rows for delivery and recording how each ended.

A claim is a lease: the row stays pending with `claimed_until` in the future. A worker that
dies mid-send leaves the lease to expire and the row is sent again (at most once more);
several workers never claim the same row (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite
BEGIN IMMEDIATE makes the claim a single writer's).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from core.storage.db import UnitOfWork
from core.storage.models import Identity, Outbox, Parent, Sequence

MAX_ATTEMPTS = 8
# VK's random_id is an int32; the counter gives the positive half (a reply of the dialog
# takes a number from the negative half, bot/platforms/vk/surface.py)
SEND_ID_MAX = 2**31 - 1
# numbers a batch reserves: a notice longer than one message goes as several, part i with
# the batch's number + i (a notice is far shorter than PART_IDS messages)
PART_IDS = 16


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    parent_id: int
    kind: str
    ref: int | None
    payload: dict[str, Any]
    attempts: int
    send_id: int | None = None  # the number its batch was first sent with


@dataclass(frozen=True, slots=True)
class Recipient:
    parent_id: int
    platform: str
    address: str
    language: str
    announcements: bool
    teen: bool = False  # a child's own account (a child of 14+ registered alone): ты


@dataclass
class Outcome:
    delivered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    unreachable: dict[int, str] = field(default_factory=dict)  # row -> "platform:address"
    retry: dict[int, float] = field(default_factory=dict)  # row -> seconds
    cancelled: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.delivered or self.failed or self.unreachable or self.retry or self.cancelled
        )

    def take(self) -> Outcome:
        """Everything gathered so far, leaving this one empty to gather more."""
        taken = Outcome(self.delivered, self.failed, self.unreachable, self.retry, self.cancelled)
        self.delivered, self.failed, self.unreachable = [], {}, {}
        self.retry, self.cancelled = {}, []
        return taken


async def claim(uow: UnitOfWork, limit: int = 200, lease_s: float = 60) -> list[Claimed]:
    """Lease up to ``limit`` due rows in one UPDATE … RETURNING (both dialects have it)."""
    now = uow.now
    due = (
        select(Outbox.id)
        .where(
            Outbox.status == "pending",
            or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now),
            or_(Outbox.not_before.is_(None), Outbox.not_before <= now),
        )
        .order_by(Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = (
        await uow.session.execute(
            update(Outbox)
            .where(Outbox.id.in_(due))
            .values(
                attempts=Outbox.attempts + 1,
                claimed_until=now + timedelta(seconds=lease_s),
            )
            .returning(
                Outbox.id,
                Outbox.parent_id,
                Outbox.kind,
                Outbox.ref,
                Outbox.payload,
                Outbox.attempts,
                Outbox.send_id,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    claimed, exhausted = [], []
    for row_id, parent_id, kind, ref, payload, attempts, send_id in rows:
        if attempts > MAX_ATTEMPTS:
            exhausted.append(row_id)
        else:
            claimed.append(
                Claimed(row_id, parent_id, kind, ref, dict(payload or {}), attempts, send_id)
            )
    if exhausted:
        await uow.session.execute(
            update(Outbox)
            .where(Outbox.id.in_(exhausted))
            .values(status="failed", error="too many attempts", claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    claimed.sort(key=lambda c: c.id)
    return claimed


_OTHER = aliased(Identity)
_PARENT_ACCOUNT = select(_OTHER.id).where(
    _OTHER.parent_id == Identity.parent_id, _OTHER.child_id.is_(None)
)


async def recipients(
    uow: UnitOfWork, parent_ids: list[int], platforms: Collection[str]
) -> dict[int, Recipient]:
    """Where each parent is written to, among the ``platforms`` that can send: the
    messenger the parent chose for notices if it is reachable, otherwise the account the
    family had first (the others were linked to it later)."""
    rows = await uow.session.execute(
        select(
            Identity.parent_id,
            Identity.platform,
            Identity.external_id,
            Parent.language,
            Parent.announcements,
            Parent.notices_to,
            Identity.child_id,
        )
        .join(Parent, Parent.id == Identity.parent_id)
        .where(
            Identity.parent_id.in_(parent_ids),
            Identity.unreachable_at.is_(None),
            Identity.platform.in_(list(platforms)),
            # the family's notices reach the parent, not a child's own account; a child
            # who registered alone (no parent's account yet) reads their own
            or_(Identity.child_id.is_(None), ~exists(_PARENT_ACCOUNT)),
        )
        .order_by(Identity.id)
    )
    best: dict[int, Recipient] = {}
    for pid, platform, address, language, announcements, chosen, child in rows:
        current = best.get(pid)
        if current is None or (platform == chosen and current.platform != chosen):
            best[pid] = Recipient(
                pid, platform, address, language, announcements, child is not None
            )
    return best


async def record(uow: UnitOfWork, outcome: Outcome) -> None:
    now = uow.now
    s = uow.session
    if outcome.delivered:
        await s.execute(
            update(Outbox)
            .where(Outbox.id.in_(outcome.delivered), Outbox.status == "pending")
            .values(status="delivered", sent_at=now, claimed_until=None, error=None)
            .execution_options(synchronize_session=False)
        )
    for status, ids in (("cancelled", outcome.cancelled),):
        if ids:
            await s.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids), Outbox.status == "pending")
                .values(status=status, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
    for row_id, reason in outcome.failed.items():
        await s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == "pending")
            .values(status="failed", error=reason[:300], claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    for row_id, who in outcome.unreachable.items():
        await s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == "pending")
            .values(status="unreachable", error=who.split(":")[0], claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        platform, _, address = who.partition(":")
        if address:
            await s.execute(
                update(Identity)
                .where(Identity.platform == platform, Identity.external_id == address)
                .values(unreachable_at=now)
                .execution_options(synchronize_session=False)
            )
    for row_id, seconds in outcome.retry.items():
        await s.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == "pending")
            .values(claimed_until=None, not_before=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )


async def extend(uow: UnitOfWork, ids: list[int], lease_s: float) -> None:
    """A live worker keeps its claims: their lease starts again."""
    if ids:
        await uow.session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == "pending")
            .values(claimed_until=uow.now + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )


async def release(uow: UnitOfWork, ids: list[int]) -> None:
    """A worker that stops gives back what it claimed and did not send."""
    if ids:
        await uow.session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == "pending")
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )


_COUNTER = {
    "postgresql": pg_insert(Sequence).on_conflict_do_nothing(index_elements=["name"]),
    "sqlite": sqlite_insert(Sequence).on_conflict_do_nothing(index_elements=["name"]),
}


async def number_batches(
    uow: UnitOfWork, counter: str, batches: list[list[int]]
) -> list[int | None]:
    """A number for each batch of outbox rows (the first of PART_IDS reserved for it, one a
    part of a long notice), from the named counter: never the same
    twice for one counter (one counter per sender whose messenger drops a repeated number,
    e.g. a VK community), and stored on the rows, so a retry of the batch is sent with
    the same number. One UPDATE of the counter reserves them all (concurrent workers
    queue on its row). A batch whose rows got a number meanwhile (another worker took
    them over) gets None: it is not sent now, and its next claim brings the stored one
    (what this call stored on some of its rows is a number never used: harmless)."""
    if not batches:
        return []
    s = uow.session
    await uow.core(_COUNTER[uow.dialect], {"name": counter, "value": 0})
    last = int(
        (
            await s.execute(
                update(Sequence)
                .where(Sequence.name == counter)
                .values(value=Sequence.value + len(batches) * PART_IDS)
                .returning(Sequence.value)
            )
        ).scalar_one()
    )
    if last > SEND_ID_MAX:
        raise RuntimeError(f"send id counter {counter} is exhausted")
    numbers: list[int | None] = []
    first = last - len(batches) * PART_IDS + 1
    for n, rows in enumerate(batches):
        number = first + n * PART_IDS
        done = await s.execute(
            update(Outbox)
            .where(Outbox.id.in_(rows), Outbox.send_id.is_(None))
            .values(send_id=number)
            .execution_options(synchronize_session=False)
        )
        numbers.append(number if done.rowcount == len(set(rows)) else None)  # type: ignore[attr-defined]
    return numbers


async def depth(uow: UnitOfWork) -> int:
    return int(
        await uow.session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
        )
        or 0
    )
