"""Month close on SQLite at 50,000 and 200,000 enrolments: seconds, and how it grows.

Baseline, measured in the same run on the same database: one INSERT … SELECT writing one
ledger row per enrolment (the floor for any close that records each debit). The
ratio says what the close costs beyond writing its entries. Target: 200,000 in ≤ 30 s,
growing linearly (the 200k/50k time ratio near 4).

    .venv/bin/python -m bench.month_close_bench [--sizes 50000 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time

from sqlalchemy import func, select, text

from bench._data import build_enrolments, fresh_sqlite
from core.rules.calendar import month_index
from core.services import month_close
from core.storage.db import Database, analyze
from core.storage.models import LedgerEntry
from tests.support.clock import FakeClock

MONTH = month_index(2026, 9)


async def one(size: int) -> tuple[float, float]:
    url, folder = fresh_sqlite(f"close{size}")
    clock = FakeClock(__import__("datetime").datetime(2026, 10, 2, 3, 0))
    db = Database(url, clock=clock)
    try:
        t0 = time.perf_counter()
        await build_enrolments(db, size)
        await analyze(db)
        built = time.perf_counter() - t0
        async with db.engine.connect() as conn:
            # writing one ledger row per enrolment, indexes and all, then rolled back
            start = time.perf_counter()
            await conn.execute(
                text(
                    "INSERT INTO ledger_entries (key, certificate_id, application_id, kind, "
                    "total_delta, reserved_delta, created_at) SELECT 'b:' || id, "
                    "certificate_id, id, 'baseline', 0, 0, created_at FROM applications"
                )
            )
            baseline = time.perf_counter() - start
            await conn.rollback()
        start = time.perf_counter()
        async with db.uow() as uow:
            result = await month_close.close_month(uow, MONTH)
            await uow.commit()
        elapsed = time.perf_counter() - start
        async with db.uow() as uow:
            debits = await uow.session.scalar(
                select(func.count()).where(LedgerEntry.kind == "debit")
            )
        assert debits == size == result.debits, (debits, size, result.debits)
        print(
            f"{size:>8} enrolments: close {elapsed:6.2f} s ({result.debits} debits, "
            f"{result.releases} releases); baseline insert {baseline:5.2f} s, "
            f"x{elapsed / baseline:4.1f}; built in {built:.1f} s"
        )
        return elapsed, baseline
    finally:
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def main(sizes: list[int]) -> None:
    times = [await one(size) for size in sizes]
    if len(sizes) >= 2:
        (t_small, _), (t_big, _) = times[0], times[-1]
        print(
            f"growth: {sizes[-1] / sizes[0]:.0f}x enrolments took {t_big / t_small:.2f}x time "
            f"(linear = {sizes[-1] / sizes[0]:.0f}x)"
        )
    verdict = "OK" if times[-1][0] <= 30 else "MISSED"
    print(f"largest close {times[-1][0]:.2f} s (target ≤ 30 s): {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    asyncio.run(main(parser.parse_args().sizes))
