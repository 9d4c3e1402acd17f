"""`import-certificates` of a large register while a family uses the chat (issue 25,
"imports at scale"): the import's time, and how long a family's write waited during it.

A family edits its child (children.update_child: the ledger gate shared, then its own
row) every 20 ms while the import runs; each wait is timed. The register's rows are
new certificates (30 % funded with a balance, 10 % closed, half with a СНИЛС), against
a quota that runs out midway, so the over-quota path runs too. Modes: ``chunked`` (the
command's way: import_register, a chunk a transaction) and ``single`` (the whole file in
one transaction, as before issue 25) for comparison.

    .venv/bin/python -m bench.register_import_bench [--rows 20000] [--mode chunked single]
        [--database postgres sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from datetime import date, datetime, timedelta

from bench._data import drop_postgres, fresh_postgres, fresh_sqlite
from core.family import children
from core.register import register_import
from core.rules.people import snils_checksum
from core.storage.db import Database
from tests.support.clock import FakeClock
from tests.support.world import MUNIS, parent_with_child

LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"
HEADER = "number,surname,name,patronymic,birth_date,snils,municipality_code,status,balance_rub"


def _word(n: int) -> str:
    out = ""
    for _ in range(5):
        out += LETTERS[n % len(LETTERS)]
        n //= len(LETTERS)
    return out.capitalize()


def register_file(rows: int) -> str:
    lines = [HEADER]
    for i in range(rows):
        born = date(2009, 1, 1) + timedelta(days=i % 4000)
        snils = ""
        if i % 2 == 0:
            nine = f"{200_000_000 + i:09d}"
            snils = f"{nine}{snils_checksum(nine):02d}"
        status, balance = ("учёта", "")
        if i % 10 < 3:
            status, balance = "ПФ", f"{5000 + i % 7000}.50"
        elif i % 10 == 3:
            status = "закрыт"
        muni = "town" if i % 3 else "village"
        lines.append(
            f"02-{i:07d}-1,{_word(i)},{_word(i * 7 + 3)},,{born:%d.%m.%Y},{snils},"
            f"{muni},{status},{balance}"
        )
    return "\n".join(lines) + "\n"


async def family_waits(db: Database, parent: int, child: int, stop: asyncio.Event) -> list[float]:
    async with db.reader() as uow:
        kid = await children.view(uow, parent, child)
    data = children.ChildInput(
        kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils, kid.municipality_id
    )
    waits = []
    while not stop.is_set():
        started = time.perf_counter()
        await db.run(children.update_child, parent, child, data)
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return waits


async def one(database: str, mode: str, rows: int) -> None:
    if database == "postgres":
        url, name = await fresh_postgres(f"reg{mode}")
        folder = None
    else:
        url, folder = fresh_sqlite(f"reg{mode}")
        name = None
    db = Database(url, clock=FakeClock(datetime(2026, 10, 5, 9, 0)))
    try:
        async with db.uow() as uow:
            from core.catalogue import municipalities_import

            quota = rows // 5  # funded rows are 30 %: the quota runs out midway
            await municipalities_import.import_municipalities(
                uow, MUNIS.format(quota=quota, nominal=12000, limit=2)
            )
            await uow.commit()
        parent, child = await parent_with_child(db, "1")
        text = register_file(rows)
        stop = asyncio.Event()
        family = asyncio.create_task(family_waits(db, parent, child, stop))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        if mode == "chunked":
            report = await register_import.import_register(db, text)
        else:
            report = await db.run(register_import.import_certificates, text)
        took = time.perf_counter() - started
        stop.set()
        waits = await family
        waits.sort()
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
        print(
            f"{database} {mode}: {rows} rows in {took:.1f} s ({rows / took:.0f} rows/s); "
            f"{report.created} new, {len(report.over_quota)} over quota, "
            f"{len(report.errors)} bad; family writes during it: {len(waits)}, "
            f"median {statistics.median(waits) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"longest {waits[-1] * 1000:.0f} ms",
            flush=True,
        )
    finally:
        await db.dispose()
        if name:
            await drop_postgres(name)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--mode", nargs="+", default=["chunked"])
    parser.add_argument("--database", nargs="+", default=["postgres"])
    args = parser.parse_args()
    for database in args.database:
        for mode in args.mode:
            await one(database, mode, args.rows)


if __name__ == "__main__":
    asyncio.run(main())
