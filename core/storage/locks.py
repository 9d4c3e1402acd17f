"""The one lock order of every use case that writes money, seats, children or certificates.

Every such use case takes its locks at its start, in this order, and never goes back up:

0. the import lock: catalogue and municipalities imports only, one chunk at a time, so
   two imports never take each other's rows in different orders;
1. the ledger gate: shared by every use case; exclusive for month close and new year,
   which move many families' money or seats in one set-based pass (and for an import
   run all-or-nothing in one transaction; a chunked import shares it, a chunk at a time);
2. families (parent rows), in id order: one family's use cases run one at a time, so an
   application submitted while the family withdraws its consent is either seen by the
   withdrawal or refused by consent, never left behind on an erased child;
3. that family's certificates, in id order (the worker's fold of a closed month takes a
   chunk of certificates the same way, with no gate and no other row of this list);
4. a municipality's year settings, only to move its funding queue, then the queued
   certificates of other families that the queue funds (in queue order);
5. applications, in id order;
6. groups, then programs: seat counters, moved by one conditional UPDATE each;
7. rows inserted (ledger, outbox, audit) or locked with SKIP LOCKED (follows, outbox
   claims), and the acting staff member's role rows, held FOR SHARE to the end: a
   revocation (which deletes them and takes no other lock first) waits for the action in
   flight, and an action after it finds no role.

PostgreSQL runs at READ COMMITTED: each statement after a lock sees what the holder
committed. SQLite needs none of this (every writing transaction is BEGIN IMMEDIATE, so
writers are serialised), and every function here is a no-op there.

Serializable isolation was the alternative. It was not taken because the opening-day storm
(thousands of families claiming the seats of a few groups at once) would abort most seat
claims on the shared group rows and retry them, where a lock order lets each claim wait
a few milliseconds and go through.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from core.storage.db import UnitOfWork
from core.storage.models import Application, Certificate, Parent

# pg_advisory_xact_lock key of the ledger gate ("PFDO" in ASCII)
GATE_KEY = 0x5046_444F
IMPORT_KEY = 0x5046_494D  # of the import lock ("PFIM")


# built once: every writing use case runs them first
GATE_SHARED_CALL = func.pg_advisory_xact_lock_shared(GATE_KEY)  # in a locking statement
_GATE_SHARED = select(GATE_SHARED_CALL)
_GATE_EXCLUSIVE = select(func.pg_advisory_xact_lock(GATE_KEY))
_FAMILIES = (
    select(Parent.id)
    .where(Parent.id.in_(bindparam("ids", expanding=True)))
    .order_by(Parent.id)
    .with_for_update()
)


async def gate(uow: UnitOfWork, *, exclusive: bool = False) -> None:
    """Step 1. Released at the end of the transaction."""
    if uow.dialect != "postgresql":
        return
    await uow.session.execute(_GATE_EXCLUSIVE if exclusive else _GATE_SHARED)


async def imports(uow: UnitOfWork) -> None:
    """Step 0. Released at the end of the transaction."""
    if uow.dialect != "postgresql":
        return
    await uow.session.execute(select(func.pg_advisory_xact_lock(IMPORT_KEY)))


async def families(uow: UnitOfWork, *parent_ids: int | None) -> None:
    """Steps 1-2: the gate (shared), then the families' rows in id order."""
    await gate(uow)
    ids = sorted({p for p in parent_ids if p is not None})
    if uow.dialect != "postgresql" or not ids:
        return
    await uow.session.execute(_FAMILIES, {"ids": ids})


async def certificates(uow: UnitOfWork, ids: list[int]) -> None:
    """Step 3 (or 4 for queued certificates of other families)."""
    if uow.dialect != "postgresql" or not ids:
        return
    await uow.session.execute(
        select(Certificate.id)
        .where(Certificate.id.in_(sorted(set(ids))))
        .order_by(Certificate.id)
        .with_for_update()
    )


async def certificates_in(uow: UnitOfWork, ids: Any) -> None:
    """Step 3 for certificates named by a subquery of their ids (the worker's fold of a
    closed month, up to 5,000 at once): in id order, as ``certificates`` takes them, where
    an UPDATE joined to them would take them in its join's order."""
    if uow.dialect != "postgresql":
        return
    await uow.session.execute(
        select(Certificate.id)
        .where(Certificate.id.in_(ids))
        .order_by(Certificate.id)
        .with_for_update()
    )


async def applications(uow: UnitOfWork, ids: list[int]) -> list[Application]:
    """Step 5: the applications, locked in id order and read fresh (not from the
    session's identity map, which may hold what was read before the lock)."""
    if not ids:
        return []
    rows = await uow.session.scalars(
        select(Application)
        .where(Application.id.in_(sorted(set(ids))))
        .order_by(Application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)
