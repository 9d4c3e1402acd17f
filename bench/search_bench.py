"""Catalogue search over 50,000 programs on SQLite: p50/p95 per query shape.

Baseline, measured in the same run and the same path (session, engine, driver): fetching
one program by primary key. The ratio says how much a search costs over the cheapest
possible round trip. Target: p95 ≤ 15 ms for every shape.

    .venv/bin/python -m bench.search_bench [--programs 50000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time

from sqlalchemy import select

from bench._data import build_catalog, fresh_sqlite, percentile
from core.rules.catalog import Direction
from core.services import catalog
from core.storage.db import Database, analyze
from core.storage.models import Program

SHAPES = {
    "direction+municipality+age": {"direction": Direction.SPORTS, "municipality_id": 3, "age": 9},
    "direction only": {"direction": Direction.TECHNICAL},
    "free text, broad (region-wide)": {"text": "шахматы"},
    "free text, rare (region-wide)": {"text": "4999"},
    "text+direction+free seats": {
        "text": "робот",
        "direction": Direction.TECHNICAL,
        "free_seats_only": True,
    },
    "certificate-only, page 20": {"certificate_only": True, "page": 20},
    "everything, age+seats+cert": {
        "age": 12,
        "free_seats_only": True,
        "certificate_only": True,
        "municipality_id": 7,
    },
    "nearest first (municipality)": {"municipality_id": 5, "near": (48.75, 132.95)},
}


async def main(programs: int, repeat: int) -> None:
    url, folder = fresh_sqlite("search")
    db = Database(url)
    try:
        t0 = time.perf_counter()
        await build_catalog(db, programs)
        await analyze(db)
        print(f"built {programs} programs in {time.perf_counter() - t0:.1f} s")

        async def timed(make) -> list[float]:
            out = []
            for i in range(repeat):
                start = time.perf_counter()
                async with db.reader() as uow:
                    await make(uow, i)
                out.append((time.perf_counter() - start) * 1000)
            return out

        base = await timed(lambda uow, i: uow.session.get(Program, 1 + i * 97 % programs))
        base_p50 = percentile(base, 50)
        print(
            f"{'baseline: program by id':32} p50 {base_p50:6.2f} ms  p95 "
            f"{percentile(base, 95):6.2f} ms"
        )
        worst = 0.0
        for name, kw in SHAPES.items():
            q = catalog.SearchQuery(**kw)
            times = await timed(lambda uow, i, q=q: catalog.search(uow, q))
            async with db.uow() as uow:
                found = (await catalog.search(uow, q)).total
            p50, p95 = percentile(times, 50), percentile(times, 95)
            worst = max(worst, p95)
            print(
                f"{name:32} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                f"x{p50 / base_p50:5.1f} baseline  ({found} found)"
            )
        print(f"worst p95 {worst:.2f} ms (target ≤ 15 ms): {'OK' if worst <= 15 else 'MISSED'}")
        async with db.uow() as uow:
            assert await uow.session.scalar(select(Program.id).limit(1))
    finally:
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.programs, args.repeat))
