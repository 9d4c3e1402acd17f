"""Posting to the ledger: append-only entries, the certificate's totals kept in step.

Every write to a certificate's figures folds in the close entries its row does not
include yet (core.storage.models.money.pending), in the same statement and so under the
row's lock: the stored figures are then whole again, and the CHECK on them holds for
what the family can spend.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, update

from core.errors import DomainError
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, LedgerEntry
from core.storage.models.money import LAST_CLOSED, pending


def settled(total_delta: int, reserved_delta: int) -> dict[str, Any]:
    """The values of an UPDATE of certificates that moves the figures by the deltas and
    folds in the pending close entries. Each pending sum is a correlated subquery, so
    PostgreSQL works it out again on the row it locked when a concurrent writer got there
    first (READ COMMITTED re-evaluates the row): nothing folded twice."""
    return {
        "stored_total": Certificate.stored_total + pending(LedgerEntry.total_delta) + total_delta,
        "stored_reserved": Certificate.stored_reserved
        + pending(LedgerEntry.reserved_delta)
        + reserved_delta,
        "settled_month": case(
            (Certificate.settled_month > LAST_CLOSED, Certificate.settled_month),
            else_=LAST_CLOSED,
        ),
    }


async def post(
    uow: UnitOfWork,
    *,
    certificate_id: int,
    kind: str,
    key: str,
    total_delta: int = 0,
    reserved_delta: int = 0,
    application_id: int | None = None,
    month: int | None = None,
) -> bool:
    """Apply one change once. Returns False when the key was already posted.

    The certificate update is conditional, so even without a lock available = total -
    reserved cannot go negative: a reservation that does not fit changes nothing.
    """
    if total_delta == 0 and reserved_delta == 0:
        return False
    done = await uow.session.scalar(select(LedgerEntry.id).where(LedgerEntry.key == key))
    if done is not None:
        return False
    result = await uow.session.execute(
        update(Certificate)
        .where(
            Certificate.id == certificate_id,
            Certificate.total + total_delta - (Certificate.reserved + reserved_delta) >= 0,
            Certificate.reserved + reserved_delta >= 0,
        )
        .values(settled(total_delta, reserved_delta))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("quote_changed")
    uow.session.add(
        LedgerEntry(
            key=key,
            certificate_id=certificate_id,
            application_id=application_id,
            kind=kind,
            total_delta=total_delta,
            reserved_delta=reserved_delta,
            month=month,
            created_at=uow.now,
        )
    )
    await uow.session.flush()
    return True


async def apply_batches(uow: UnitOfWork, batches: list[str]) -> None:
    """Move certificates' totals by the entries a set-based operation inserted, in one
    statement: the batch name marks them. Only with nothing pending: a year opens under
    the exclusive gate with every close folded in first (month_close.fold_all)."""

    # the batches aggregated once per certificate, joined once (UPDATE … FROM): linear in
    # the entries, where a subquery per certificate is quadratic on PostgreSQL
    moved = (
        select(
            LedgerEntry.certificate_id.label("certificate_id"),
            func.sum(LedgerEntry.total_delta).label("total"),
            func.sum(LedgerEntry.reserved_delta).label("reserved"),
        )
        .where(LedgerEntry.batch.in_(batches))
        .group_by(LedgerEntry.certificate_id)
        .subquery()
    )
    await uow.session.execute(
        update(Certificate)
        .where(Certificate.id == moved.c.certificate_id)
        .values(
            stored_total=Certificate.stored_total + moved.c.total,
            stored_reserved=Certificate.stored_reserved + moved.c.reserved,
        )
        .execution_options(synchronize_session=False)
    )
