"""What PostgreSQL plans for the statements a use case ran: the proof that a set-based
operation stays set-based (no subquery run once per row over the ledger)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

from core.accounting.close_posting import DUE
from core.storage.db import Database


@contextlib.contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The writing statements executed meanwhile, with their parameters (one led by a
    WITH clause included)."""
    seen: list[tuple[str, Any]] = []

    def hook(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        head = statement.lstrip().upper()
        writes = head.startswith(("UPDATE", "INSERT")) or (
            head.startswith("WITH") and any(w in head for w in ("INSERT INTO", "UPDATE "))
        )
        if writes and not executemany:
            seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", hook)


async def per_row_subplans(db: Database, statements: list[tuple[str, Any]]) -> list[str]:
    """The statements touching the ledger or the close's computed debits whose plan runs
    a subquery per row (PostgreSQL shows it as a SubPlan). Only planned (EXPLAIN), never
    run again; the close's temporary table, gone with its transaction, is created again
    (empty) in the transaction that plans them."""
    offenders = []
    async with db.engine.connect() as conn:
        if any(DUE.name in statement for statement, _ in statements):
            await conn.run_sync(lambda sync: DUE.create(sync, checkfirst=True))
        for statement, parameters in statements:
            if "ledger_entries" not in statement and DUE.name not in statement:
                continue
            result = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = "\n".join(row[0] for row in result)
            if "SubPlan" in plan:
                offenders.append(f"{statement[:120]}…\n{plan}")
        await conn.rollback()
    return offenders
