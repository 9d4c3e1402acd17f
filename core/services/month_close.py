"""Closing a month: debit every enrolled child's share for it, in set-based SQL.

A fixed number of statements whatever the number of enrolments: insert the debit entries,
insert the releases of what the month did not use, move the applications' reservations,
move the certificates' totals, write one notice per parent. A month closes once
(month_closes row); the entry keys make even a concurrent second run insert nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from core.errors import DomainError
from core.notify.outbox import OUTBOX_COLS
from core.rules.calendar import month_bounds, month_display, month_label, month_of
from core.rules.enrolment import AppStatus
from core.services.certificates import close_adults, grant_from_queue
from core.services.ledger import apply_batches
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Application, LedgerEntry, MonthClose, Municipality, Outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CloseResult:
    month: int
    already_closed: bool
    debits: int
    debited: int
    releases: int


def _key(prefix: str, month: int):  # type: ignore[no-untyped-def]
    return literal(f"{prefix}:") + cast(Application.id, String) + literal(f":{month}")


async def close_month(uow: UnitOfWork, month: int) -> CloseResult:
    """Debit the month. Refused before the month has ended in the region (no debit for a
    day not yet served), and while an earlier month with enrolments is still open (months
    close in order, so each is paid from what was reserved for it)."""
    if month >= month_of(uow.today):
        _, last = month_bounds(month)
        raise DomainError(
            "month_not_ended", month=month_display(month), date=last + timedelta(days=1)
        )
    # alone: no application, certificate or other close moves while the month is debited;
    # a second close of the same month waits here and then finds it closed
    await locks.gate(uow, exclusive=True)
    if await uow.session.get(MonthClose, month, populate_existing=True) is not None:
        return CloseResult(month, True, 0, 0, 0)
    missing = await unclosed_before(uow, month)
    if missing:
        raise DomainError(
            "month_previous_open", months=", ".join(month_display(m) for m in missing)
        )
    uow.session.add(MonthClose(month=month, closed_at=uow.now))
    await uow.session.flush()
    batch = f"close:{month_label(month)}"
    first_day, last_day = month_bounds(month)
    first_ord, last_ord = first_day.toordinal(), last_day.toordinal()
    days_in_month = last_ord - first_ord + 1
    served_from = case(
        (Application.start_day > first_ord, Application.start_day), else_=literal(first_ord)
    )
    served_to = case(
        (
            and_(Application.end_day.is_not(None), Application.end_day < last_ord),
            Application.end_day,
        ),
        else_=literal(last_ord),
    )
    days = served_to - served_from + 1
    # floor division on both dialects (SQLAlchemy renders // as integer division)
    prorated = (Application.monthly_share * days) // days_in_month
    share = case(
        (days >= days_in_month, Application.monthly_share),
        else_=prorated,
    )
    amount = case((share > Application.reserved_left, Application.reserved_left), else_=share)
    served = and_(
        Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
        Application.certificate_id.is_not(None),
        Application.first_month <= month,
        Application.last_month >= month,
        Application.start_day.is_not(None),
        Application.start_day <= last_ord,
        or_(Application.end_day.is_(None), Application.end_day >= first_ord),
        Application.reserved_left > 0,
    )
    debit_key = _key("debit", month)
    debits = select(
        debit_key,
        Application.certificate_id,
        Application.id,
        literal("debit"),
        -amount,
        -amount,
        literal(month),
        literal(batch),
        literal(uow.now),
    ).where(
        served,
        amount > 0,
        ~exists().where(LedgerEntry.key == debit_key),
    )
    cols = [
        LedgerEntry.key,
        LedgerEntry.certificate_id,
        LedgerEntry.application_id,
        LedgerEntry.kind,
        LedgerEntry.total_delta,
        LedgerEntry.reserved_delta,
        LedgerEntry.month,
        LedgerEntry.batch,
        LedgerEntry.created_at,
    ]
    n_debits = (await uow.session.execute(insert(LedgerEntry).from_select(cols, debits))).rowcount  # type: ignore[attr-defined]

    # what the month's share did not use (days not served, kopecks of rounding) goes back;
    # after the last month, everything left does. Computed from the row as the debit left
    # it, so each application is updated once for both (an UPDATE is the costly part)
    release_key = _key("release", month)
    keep = Application.monthly_share * (Application.last_month - month)
    left = Application.reserved_left - case((and_(served, amount > 0), amount), else_=0)
    releases = select(
        release_key,
        Application.certificate_id,
        Application.id,
        literal("release"),
        literal(0),
        keep - left,
        literal(month),
        literal(f"{batch}:r"),
        literal(uow.now),
    ).where(
        Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
        Application.certificate_id.is_not(None),
        Application.first_month <= month,
        Application.last_month >= month,
        left > keep,
        ~exists().where(LedgerEntry.key == release_key),
    )
    n_releases = (
        await uow.session.execute(insert(LedgerEntry).from_select(cols, releases))
    ).rowcount  # type: ignore[attr-defined]
    await _apply_to_applications(uow, [batch, f"{batch}:r"])
    await apply_batches(uow, [batch, f"{batch}:r"])

    # programs that end with this month are finished
    await uow.session.execute(
        update(Application)
        .where(Application.status == AppStatus.ENROLLED.value, Application.last_month == month)
        .values(status=AppStatus.FINISHED.value, end_day=last_ord, updated_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    # one grouped notice per parent; the worker reads the month's entries when it sends
    parents = (
        select(
            Application.parent_id,
            literal("debits"),
            literal("debits:") + cast(Application.parent_id, String) + literal(f":{month}"),
            literal(month),
            literal("pending"),
            literal(0),
            literal(uow.now),
        )
        .join(LedgerEntry, LedgerEntry.application_id == Application.id)
        # a family that withdrew its consent is not written to (the provider is still paid)
        .where(LedgerEntry.batch == batch, Application.parent_id.is_not(None))
        .distinct()
    )
    await uow.session.execute(
        insert(Outbox).from_select(
            OUTBOX_COLS,
            parents,
        )
    )
    # a child who turned 18 has no certificate any more; a funded place frees for the queue
    if await close_adults(uow, uow.today):
        for municipality_id in list(await uow.session.scalars(select(Municipality.id))):
            await grant_from_queue(uow, municipality_id)
    debited = int(
        await uow.session.scalar(
            select(func.coalesce(func.sum(-LedgerEntry.total_delta), 0)).where(
                LedgerEntry.batch == batch
            )
        )
        or 0
    )
    closing = await uow.session.get(MonthClose, month)
    assert closing is not None
    closing.debited = debited
    closing.entries = n_debits
    await uow.session.flush()
    logger.info(
        "month %s closed: %d debits, %d kopecks, %d releases",
        month_label(month),
        n_debits,
        debited,
        n_releases,
    )
    return CloseResult(month, False, n_debits, debited, n_releases)


LOOK_BACK = 36  # months: nothing older is left open in practice


async def unclosed_before(uow: UnitOfWork, month: int) -> list[int]:
    """Months before ``month``, oldest first, in which an enrolment was served with money
    still reserved for it, and which have not been closed."""
    candidate = and_(
        Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
        Application.certificate_id.is_not(None),
        Application.start_day.is_not(None),
        Application.reserved_left > 0,
    )
    earliest = await uow.session.scalar(select(func.min(Application.first_month)).where(candidate))
    if earliest is None:
        return []
    closed = set(
        await uow.session.scalars(
            select(MonthClose.month).where(MonthClose.month >= earliest, MonthClose.month < month)
        )
    )
    missing = []
    for m in range(max(earliest, month - LOOK_BACK), month):
        if m in closed:
            continue
        first_day, last_day = month_bounds(m)
        served = await uow.session.scalar(
            select(Application.id)
            .where(
                candidate,
                Application.first_month <= m,
                Application.last_month >= m,
                Application.start_day <= last_day.toordinal(),
                or_(Application.end_day.is_(None), Application.end_day >= first_day.toordinal()),
            )
            .limit(1)
        )
        if served is not None:
            missing.append(m)
    return missing


async def _apply_to_applications(uow: UnitOfWork, batches: list[str]) -> None:
    """Move applications' reserved_left by the batches' entries: aggregated once, joined
    once (UPDATE … FROM), never a subquery per application; each row updated once."""
    moved = (
        select(
            LedgerEntry.application_id.label("application_id"),
            func.sum(LedgerEntry.reserved_delta).label("delta"),
        )
        .where(LedgerEntry.batch.in_(batches), LedgerEntry.application_id.is_not(None))
        .group_by(LedgerEntry.application_id)
        .subquery()
    )
    await uow.session.execute(
        update(Application)
        .where(Application.id == moved.c.application_id)
        .values(reserved_left=Application.reserved_left + moved.c.delta)
        .execution_options(synchronize_session=False)
    )
