"""Bulk builders for benchmarks: rows straight through SQLAlchemy Core executemany."""

from __future__ import annotations

import asyncio
import math
import os
import random
import tempfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, update

from core.rules.calendar import month_index
from core.rules.catalogue import Direction, Register
from core.rules.text import fold
from core.storage.db import Database
from core.storage.migrate import upgrade
from core.storage.models import (
    Absence,
    Application,
    Certificate,
    Child,
    Group,
    Municipality,
    MunicipalityYear,
    Parent,
    Program,
    Provider,
)

WORDS = [
    "робототехника",
    "футбол",
    "шахматы",
    "вокал",
    "хореография",
    "театр",
    "английский",
    "экология",
    "химия",
    "астрономия",
    "туризм",
    "краеведение",
    "рисование",
    "гитара",
    "плавание",
    "борьба",
    "программирование",
    "журналистика",
    "волонтёры",
    "моделирование",
]
NOW = datetime(2026, 10, 5, 12, 0)


def fresh_sqlite(name: str) -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    upgrade(url)
    return url, folder


PG_ADMIN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def own_redis(env: str = "BENCH_REDIS_URL") -> str:
    """A Redis database of this run's own, which the bench may FLUSHDB: the one given in
    ``env``, else one claimed the way a test process claims its own (tests/support/
    services: claims in database 0, freed at exit). A fixed number would wipe the
    database a test run beside it has claimed."""
    given = os.environ.get(env)
    if given:
        return given
    from tests.support import services

    return str(services.REDIS_URL)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_postgres(name: str) -> tuple[str, str]:
    """A database of the benchmark's own on the local PostgreSQL, migrated: (url, name)."""
    db_name = f"pfdo_bench_{name}_{os.getpid()}"
    await _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}"')
    await _pg_admin(f'CREATE DATABASE "{db_name}"')
    url = PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    url = f"{url}/{db_name}"
    await asyncio.to_thread(upgrade, url)
    return url, db_name


async def drop_postgres(db_name: str) -> None:
    await _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


async def _chunks(db: Database, table, rows: list[dict], size: int = 20_000) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), size):
            await conn.execute(insert(table), rows[i : i + size])


async def build_catalog(
    db: Database, programs: int, munis: int = 30, seed: int = 1, chunk: int = 20_000
) -> None:
    rnd = random.Random(seed)
    await _chunks(
        db,
        Municipality,
        [
            {"id": m, "code": f"m{m}", "name": f"Район {m}", "region": "R"}
            for m in range(1, munis + 1)
        ],
    )
    await _chunks(
        db,
        MunicipalityYear,
        [
            {
                "municipality_id": m,
                "school_year": 2026,
                "funded_quota": 10**6,
                "nominal": 2_400_000,
                "budget_programs_limit": 2,
            }
            for m in range(1, munis + 1)
        ],
    )
    providers = max(1, programs // 10)
    await _chunks(
        db,
        Provider,
        [
            {
                "id": p,
                "external_id": f"pr{p}",
                "name": f"Центр «{rnd.choice(WORDS).title()}» {p}",
                "art_school": p % 17 == 0,
            }
            for p in range(1, providers + 1)
        ],
    )
    dirs = list(Direction)
    regs = list(Register)
    # generated and written a chunk at a time: memory stays bounded (1,000,000 included)
    for start in range(1, programs + 1, chunk):
        rows, groups = [], []
        for i in range(start, min(start + chunk, programs + 1)):
            name = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {i}"
            desc = " ".join(rnd.choices(WORDS, k=8))
            lo = rnd.randint(5, 12)
            seats = rnd.choice((0, 5, 10, 15))
            rows.append(
                {
                    "id": i,
                    "external_id": f"p{i}",
                    "provider_id": rnd.randint(1, providers),
                    "municipality_id": rnd.randint(1, munis),
                    "name": name,
                    "name_folded": fold(name),
                    "description": desc,
                    "search_text": fold(f"{name} {desc}"),
                    "address": "ул. Ленина",
                    "lat": 48.7 + rnd.random() / 10,
                    "lon": 132.9 + rnd.random() / 10,
                    "direction": rnd.choice(dirs).value,
                    "register": rnd.choice(regs).value,
                    "age_min": lo,
                    "age_max": rnd.randint(lo, 17),
                    "price": rnd.randint(5, 40) * 10_000,
                    "start_month": 9,
                    "end_month": 5,
                    "free_seats": seats,
                    "active": True,
                }
            )
            groups.append(
                {
                    "id": i,
                    "external_id": f"g{i}",
                    "program_id": i,
                    "name": "Группа 1",
                    "schedule": "Пн 15:00",
                    "seats": max(seats, 1),
                    "taken": 0,
                }
            )
        await _chunks(db, Program, rows)
        await _chunks(db, Group, groups)


async def build_enrolments(
    db: Database, n: int, seed: int = 2, chunk: int = 20_000, debit_rule: str = "class_days"
) -> None:
    """n enrolled children, each with a funded certificate and one certified program.
    Under the ``attendance`` debit rule every municipality debits by attendance and about
    one child in three missed one to three class days of September (the first ones of
    the month: every group meets on them, its mask being every day).

    Built a chunk at a time, so memory stays bounded whatever n (1,000,000 included)."""
    rnd = random.Random(seed)
    await build_catalog(db, programs=max(100, min(n // 50, 20_000)), munis=5, seed=seed)
    if debit_rule != "class_days":
        async with db.engine.begin() as conn:
            await conn.execute(update(Municipality).values(debit_rule=debit_rule))
    first, last = month_index(2026, 9), month_index(2027, 5)
    for lo in range(1, n + 1, chunk):
        ids = range(lo, min(lo + chunk, n + 1))
        shares = {i: rnd.randint(5, 30) * 10_000 for i in ids}
        starts = {i: date(2026, 9, rnd.randint(1, 30)).toordinal() for i in ids}
        reserve = {i: shares[i] * (last - first + 1) for i in ids}
        tables = (
            (
                Parent,
                [
                    {
                        "id": i,
                        "language": "ru",
                        "created_at": NOW,
                        "consent_at": NOW,
                        "consent_version": "b",
                        "announcements": True,
                    }
                    for i in ids
                ],
            ),
            (
                Child,
                [
                    {
                        "id": i,
                        "parent_id": i,
                        "surname": "Тестов",
                        "name": "Тест",
                        "birth_date": date(2015, 1, 1),
                        "municipality_id": 1 + i % 5,
                        "created_at": NOW,
                    }
                    for i in ids
                ],
            ),
            (
                Certificate,
                [
                    {
                        "id": i,
                        "child_id": i,
                        "municipality_id": 1 + i % 5,
                        "number": f"n{i}",
                        "status": "funded",
                        "issued_at": NOW,
                        "total": reserve[i] + 100_000,
                        "reserved": reserve[i],
                    }
                    for i in ids
                ],
            ),
            (
                Application,
                [
                    {
                        "id": i,
                        "child_id": i,
                        "parent_id": i,
                        "certificate_id": i,
                        "program_id": 1 + i % 100,
                        "group_id": 1 + i % 100,
                        "status": "enrolled",
                        "register": "certified",
                        "monthly_price": shares[i],
                        "monthly_share": shares[i],
                        "first_month": first,
                        "last_month": last,
                        "reserved_left": reserve[i],
                        "start_day": starts[i],
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            ),
        )
        for table, rows in tables:
            await _chunks(db, table, rows)
        if debit_rule == "attendance":
            missed = [
                {
                    "application_id": i,
                    "day": starts[i] + k,
                    "marked_by": 0,
                    "marked_at": NOW,
                }
                for i in ids
                if i % 3 == 0
                for k in range(1 + i % 3 + rnd.randint(0, 2))
                if starts[i] + k <= date(2026, 9, 30).toordinal()
            ]
            await _chunks(db, Absence, missed)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank; NaN when nothing was measured (a run where every answer was lost
    prints its losses instead of failing here)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
