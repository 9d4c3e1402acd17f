"""A 20,000-row catalogue import while a family acts: the import's time and the longest
wait of the family's action during it, on PostgreSQL (or SQLite).

The family applies to a group the file names (in its middle) and cancels, again and
again, while the operator runs `python -m bot import-catalog FILE` in a process of its
own (as in production: the bot and the operator's command share no event loop): first
a file that creates half the catalogue and updates the other half, then a re-import
raising every group's seats. The command's start (the interpreter, its imports, the
migrations check) is measured on an empty file and printed: it is in each time.
Baseline, measured in the same run: the same actions with no import running. A family's
action must wait well under a second (the import is applied in chunks of
importing.CHUNK_ROWS rows, a short transaction each); `--one-transaction` measures
the same file in one transaction (the ledger gate held exclusively, as the import was
before: the family waits for the whole file).

    .venv/bin/python -m bench.import_bench [--database postgres sqlite] [--rows 20000]
        [--one-transaction]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime

from bench._data import drop_postgres, fresh_postgres, fresh_sqlite, percentile
from core.catalogue import catalogue_import, importing, municipalities_import
from core.enrolment import enrolment
from core.storage.db import Database
from tests.support.clock import FakeClock
from tests.support.world import HEADER, MUNIS, catalogue_row, group_id, parent_with_child

GROUPS_PER_PROGRAM = 4


def catalogue(rows: int, seats: int) -> str:
    lines = [HEADER]
    for n in range(1, rows + 1):
        program = (n - 1) // GROUPS_PER_PROGRAM + 1
        row = catalogue_row(program, seats=seats, price=1000)
        # a group of its own, the program's columns repeated on each of its groups
        lines.append(row.replace(f",g{program},Группа {program},", f",g{n},Группа {n},"))
    return "\n".join(lines) + "\n"


async def family_loop(db: Database, parent: int, child: int, group: int, stop: asyncio.Event):
    """Apply, cancel, again, until stopped: the seconds each action took."""
    waits: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        app = await db.run(enrolment.apply, parent, child, group)
        waits.append(time.perf_counter() - start)
        start = time.perf_counter()
        await db.run(enrolment.cancel, parent, app)
        waits.append(time.perf_counter() - start)
        await asyncio.sleep(0.01)
    return waits


async def command(url: str, text: str, *flags: str) -> int | None:
    """The operator's command on a file, in a process of its own."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as file:
        file.write(text)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "INFO"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "import-catalog",
        file.name,
        *flags,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    os.unlink(file.name)
    if proc.returncode:
        raise RuntimeError(f"import-catalog exited {proc.returncode}: {err.decode()[-2000:]}")
    found = re.search(r"the longest chunk took (\d+) ms", err.decode())
    return int(found.group(1)) if found else None


async def measured(db: Database, action, family) -> tuple[float, list[float], int | None]:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    acting = asyncio.create_task(family_loop(db, *family, stop))
    await asyncio.sleep(0.2)  # the family is acting before the file starts
    start = time.perf_counter()
    chunk_ms = await action()
    elapsed = time.perf_counter() - start
    stop.set()
    waits = await acting
    return elapsed, waits, chunk_ms


def line(label: str, elapsed: float, waits: list[float], rows: int, chunk: int | None) -> str:
    return (
        f"  {label:<34} {elapsed:7.1f} s  {rows / elapsed:7.0f} rows/s   family: "
        f"{len(waits):5d} actions, p50 {statistics.median(waits) * 1000:6.1f} ms, "
        f"p99 {percentile(waits, 99) * 1000:7.1f} ms, longest {max(waits) * 1000:8.1f} ms"
        + (f"; the import's longest chunk {chunk} ms" if chunk is not None else "")
    )


async def one(database: str, rows: int, one_transaction: bool) -> None:
    if database == "sqlite":
        url, folder = fresh_sqlite("import")
        name = None
    else:
        url, name = await fresh_postgres("import")
        folder = None
    db = Database(url, clock=FakeClock(datetime(2026, 10, 5, 12, 0)))
    try:
        async with db.uow() as uow:
            await municipalities_import.import_municipalities(
                uow, MUNIS.format(quota=10, nominal=12000, limit=2)
            )
            # the family's group, and the file's: the first import creates the rest
            await catalogue_import.import_catalogue(uow, catalogue(rows // 2, seats=5))
            await uow.commit()
        family_group = await group_id(db, f"g{rows // 2}")
        family = (*(await parent_with_child(db, "1")), family_group)
        # the baseline: the same actions, nothing else running
        stop = asyncio.Event()
        acting = asyncio.create_task(family_loop(db, *family, stop))
        await asyncio.sleep(3)
        stop.set()
        baseline = await acting
        print(f"{database}, {rows} rows, chunks of {importing.CHUNK_ROWS}:")
        print(
            f"  {'no import (baseline)':<34} {'':>7}    {'':>7}           family: "
            f"{len(baseline):5d} actions, p50 {statistics.median(baseline) * 1000:6.1f} ms, "
            f"p99 {percentile(baseline, 99) * 1000:7.1f} ms, longest "
            f"{max(baseline) * 1000:8.1f} ms"
        )
        # the command's own start (interpreter, imports, migrations check) on an empty file
        start = time.perf_counter()
        await command(url, HEADER + "\n")
        started = time.perf_counter() - start
        print(f"  the command's start on an empty file: {started:.1f} s (in each time below)")
        runs = [("import (half new, half updated)", 5, ()), ("re-import raising seats", 8, ())]
        if one_transaction:
            runs.append(("--all-or-nothing (one transaction)", 9, ("--all-or-nothing",)))
        for label, seats, flags in runs:
            text = catalogue(rows, seats)
            elapsed, waits, chunk_ms = await measured(
                db, lambda text=text, flags=flags: command(url, text, *flags), family
            )
            print(line(label, elapsed, waits, rows, chunk_ms))
    finally:
        await db.dispose()
        if name:
            await drop_postgres(name)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", nargs="+", default=["postgres"])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--one-transaction", action="store_true")
    args = parser.parse_args()
    for database in args.database:
        asyncio.run(one(database, args.rows, args.one_transaction))


if __name__ == "__main__":
    main()
