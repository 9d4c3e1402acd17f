"""Posting a month close from its computed debits: one temporary table, three passes.

The close works out each application's debit and release once (core.accounting.
month_close) into a temporary table keyed by the application, then writes the ledger
entries from it, moves the applications' reservations from it (joined on its key) and
reads its summary from it. The certificates' rows are not written: their figures are
read with the close entries added until the row is settled (core.storage.models.money,
Certificate), by its next writer or by the worker after the close (month_close.fold).

The close does not read back the ledger rows it has just written, and on PostgreSQL
the joins are planned on the table's real size (ANALYZE, in the transaction), where the
estimate for a batch the ledger's statistics have never seen is a few hundred rows and
draws a nested loop over every application and certificate.

The table lives in the close's transaction: created inside it, dropped before the commit
(and, on PostgreSQL, ON COMMIT DROP), so a rolled-back or retried close leaves nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from core.storage.db import UnitOfWork
from core.storage.models import Application, LedgerEntry

DUE = Table(
    "close_due",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),  # the application
    Column("certificate_id", Integer, nullable=False),
    Column("debit", BigInteger, nullable=False),  # kopecks paid for the month, ≥ 0
    Column("release", BigInteger, nullable=False),  # kopecks back to available, ≥ 0
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


async def post(uow: UnitOfWork, due: Any, month: int, batch: str) -> tuple[int, int, int]:
    """Post ``due`` (a SELECT of application id, certificate id, debit, release, one row
    per application that is debited or releases something). Returns (kopecks debited,
    debit entries, entries releasing)."""
    session = uow.session
    conn = await session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # the computed rows, the hash of the table and the certificates' sums held in
        # memory (at 1,000,000 enrolments about 100 MB at once), not spilled to temporary
        # files; and no JIT: the close's statements are each run once, with wide CASE
        # expressions, and compiling them took 66-168 ms a statement at 200,000 enrolments
        # for a run of a few seconds. For this transaction only.
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        await session.execute(text("SET LOCAL jit = off"))
    await conn.run_sync(lambda sync: DUE.drop(sync, checkfirst=True))
    await conn.run_sync(lambda sync: DUE.create(sync))
    await session.execute(
        insert(DUE).from_select(["id", "certificate_id", "debit", "release"], due)
    )
    if postgres:
        await session.execute(text("ANALYZE close_due"))
    # one entry per application and month: the debit, and in the same row what the
    # month's share did not use going back to available. A row releasing only (nothing
    # served) is kind "release". The unique key would refuse a repeated entry.
    kind = case((DUE.c.debit > 0, literal("debit")), else_=literal("release"))
    await session.execute(
        insert(LedgerEntry).from_select(
            [
                LedgerEntry.key,
                LedgerEntry.certificate_id,
                LedgerEntry.application_id,
                LedgerEntry.kind,
                LedgerEntry.total_delta,
                LedgerEntry.reserved_delta,
                LedgerEntry.month,
                LedgerEntry.batch,
                LedgerEntry.created_at,
            ],
            select(
                kind + literal(":") + cast(DUE.c.id, String) + literal(f":{month}"),
                DUE.c.certificate_id,
                DUE.c.id,
                kind,
                -DUE.c.debit,
                -DUE.c.debit - DUE.c.release,
                literal(month),
                literal(batch),
                literal(uow.now),
            ),
        )
    )
    # one row per application: joined on the table's key, no aggregation
    await session.execute(
        update(Application)
        .where(Application.id == DUE.c.id)
        .values(reserved_left=Application.reserved_left - DUE.c.debit - DUE.c.release)
        .execution_options(synchronize_session=False)
    )
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(DUE.c.debit), 0),
                func.count().filter(DUE.c.debit > 0),
                func.count().filter(DUE.c.release > 0),
            )
        )
    ).one()
    await conn.run_sync(lambda sync: DUE.drop(sync))
    return int(row[0]), int(row[1]), int(row[2])
