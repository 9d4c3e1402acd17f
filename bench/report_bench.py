"""The report's figures (core.reports.build) at 1,000,000 enrolments on SQLite and
PostgreSQL: seconds for the region and for one municipality, against a baseline measured
in the same run on the same data.

Baseline: one bare COUNT … GROUP BY over each table the report reads (children,
certificates, applications, the ledger, programs with their groups) — the floor for any
report that looks at every row once. The ratio says what the report costs beyond reading
its tables once. The world: bench._data.build_enrolments (n enrolled children with a
funded certificate, 5 municipalities) plus, written set-based, the ledger such a region
has by October: a credit per certificate, a reservation per enrolment and September's
debit (3 rows per enrolment). Built once per database; the report and the baseline are
then each run once to warm the cache and --runs times, interleaved; medians printed.

    .venv/bin/python -m bench.report_bench [--database sqlite postgres]
        [--sizes 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import time
from datetime import datetime

from sqlalchemy import text

from bench._data import build_enrolments, drop_postgres, fresh_postgres, fresh_sqlite
from core.reports import build
from core.rules.calendar import month_index
from core.storage.db import Database, analyze
from tests.support.clock import FakeClock

SEP = month_index(2026, 9)
# the ledger of a region in October: credited in September, blocked at acceptance,
# September debited at its close on 1 October
LEDGER = (
    "INSERT INTO ledger_entries (key, certificate_id, application_id, kind, total_delta, "
    "reserved_delta, month, created_at) "
    "SELECT 'credit:' || id, id, NULL, 'credit', total, 0, NULL, '2026-09-01 06:00:00' "
    "FROM certificates",
    "INSERT INTO ledger_entries (key, certificate_id, application_id, kind, total_delta, "
    "reserved_delta, month, created_at) "
    "SELECT 'reserve:' || id, certificate_id, id, 'reserve', 0, reserved_left, NULL, "
    "'2026-09-02 06:00:00' FROM applications",
    "INSERT INTO ledger_entries (key, certificate_id, application_id, kind, total_delta, "
    "reserved_delta, month, created_at) "
    f"SELECT 'debit:' || id, certificate_id, id, 'debit', -monthly_share, -monthly_share, "
    f"{SEP}, '2026-10-01 06:00:00' FROM applications",
)
BASELINE = (
    "SELECT municipality_id, count(*) FROM children GROUP BY municipality_id",
    "SELECT municipality_id, status, count(*) FROM certificates GROUP BY municipality_id, status",
    "SELECT status, count(*) FROM applications GROUP BY status",
    "SELECT kind, count(*), sum(total_delta), sum(reserved_delta) FROM ledger_entries "
    "GROUP BY kind",
    "SELECT p.direction, count(*), sum(g.seats) FROM programs p "
    "LEFT JOIN groups g ON g.program_id = p.id GROUP BY p.direction",
)


async def _world(db: Database, size: int, database: str) -> None:
    await build_enrolments(db, size)
    async with db.engine.begin() as conn:
        for statement in LEDGER:
            await conn.execute(text(statement))
    if database == "sqlite":
        await analyze(db)
    else:
        async with db.engine.connect() as conn:
            plain = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await plain.execute(text("VACUUM ANALYZE"))


async def _baseline(db: Database) -> float:
    start = time.perf_counter()
    async with db.engine.connect() as conn:
        for statement in BASELINE:
            (await conn.execute(text(statement))).all()
    return time.perf_counter() - start


async def _report(db: Database, municipality_id: int | None) -> float:
    start = time.perf_counter()
    report = await db.read(build, municipality_id)
    elapsed = time.perf_counter() - start
    assert report.total.enrolled > 0 and report.money.months, report.total
    return elapsed


async def one(database: str, size: int, runs: int) -> None:
    if database == "sqlite":
        url, folder = fresh_sqlite(f"report{size}")
        name = None
    else:
        url, name = await fresh_postgres(f"report{size}")
        folder = None
    db = Database(url, clock=FakeClock(datetime(2026, 10, 15, 9, 0)))
    try:
        start = time.perf_counter()
        await _world(db, size, database)
        built = time.perf_counter() - start
        await _baseline(db)  # the cache warmed for both, so neither pays for it
        await _report(db, None)
        region, municipality, baseline = [], [], []
        for _ in range(runs):
            baseline.append(await _baseline(db))
            region.append(await _report(db, None))
            municipality.append(await _report(db, 1))
        base = statistics.median(baseline)
        whole, one_muni = statistics.median(region), statistics.median(municipality)
        runs_text = ", ".join(f"{r:.2f}" for r in region)
        print(f"{database:>8} {size:>9,} enrolments (built in {built:.0f} s):")
        print(
            f"{'':>8} region report median {whole:6.2f} s (runs {runs_text}); "
            f"bare GROUP BY over the same tables {base:6.2f} s; ratio x{whole / base:4.2f}"
        )
        print(
            f"{'':>8} one municipality (of 5) median {one_muni:6.2f} s; "
            f"ratio to the region's baseline x{one_muni / base:4.2f}"
        )
    finally:
        await db.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if name is not None:
            await drop_postgres(name)


async def main(databases: list[str], sizes: list[int], runs: int) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for database in databases:
        for size in sizes:
            await one(database, size, runs)
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.database, args.sizes, args.runs))
