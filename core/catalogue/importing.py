"""What the operator's CSV imports share: every cell checked before anything is written
(``read_rows``), the rows then applied a chunk per short transaction with a pause between
chunks on SQLite (``breathe``), or the whole file in one transaction when the operator
asks for all or nothing (``whole_or_nothing``), and the report logged in line order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.rules import import_cells as cells
from core.storage.db import Database, UnitOfWork, is_sqlite

logger = logging.getLogger(__name__)
# rows a chunk of an operator's import (one short transaction each): a few hundred keep
# a family's write behind a chunk well under a second (bench/import_bench.py)
CHUNK_ROWS = 200
# SQLite: a writer waiting for the file's lock sleeps in its busy handler (up to 100 ms a
# try), so a loop of chunks would take the lock again before it wakes; a pause between
# chunks lets it in (PostgreSQL queues lock waiters in order and needs none)
SQLITE_PAUSE_S = 0.12
TEMPLATE_MAX = 20_000  # a contract's text, in characters


async def whole_or_nothing(
    db: Database,
    text: str,
    checked: cells.ImportReport,
    whole: Callable[[UnitOfWork, str], Awaitable[cells.ImportReport]],
) -> cells.ImportReport:
    """``--all-or-nothing``: nothing when a cell is bad (``checked``) or the database refuses
    a row; else the whole file in one transaction (families wait meanwhile)."""
    if checked.errors:
        checked.nothing_applied = True
        return checked
    async with db.uow() as uow:
        report = await whole(uow, text)
        if report.errors:
            report.nothing_applied = True
            return report  # rolled back: the unit of work is not committed
        await uow.commit()
    return report


def read_rows(
    text: str, columns: tuple[str, ...], parse: Callable[[dict[str, str]], dict[str, Any]]
) -> tuple[cells.ImportReport, list[tuple[int, dict[str, Any]]] | None]:
    """Every cell checked before anything is written; the bad rows reported. None for
    the rows when a column is missing (reported: nothing can be read)."""
    report = cells.ImportReport()
    rows, problem = cells.rows(text, columns)
    if problem:
        report.errors.append((1, cells.RowError("missing-columns", problem)))
        return report, None
    parsed = []
    for line, raw in rows:
        try:
            parsed.append((line, parse(raw)))
        except cells.RowError as exc:
            report.errors.append((line, exc))
    return report, parsed


async def breathe(db: Database) -> None:
    if is_sqlite(db.url):
        await asyncio.sleep(SQLITE_PAUSE_S)


def finish(what: str, report: cells.ImportReport) -> None:
    """The errors in line order (cells are checked before the rows meet the database)."""
    report.errors.sort(key=lambda error: error[0])
    logger.info(
        "%s import: %d created, %d updated, %d bad rows%s",
        what,
        report.created,
        report.updated,
        len(report.errors),
        f", stopped at line {report.stopped_at}" if report.stopped_at else "",
    )
