"""Every money and seat invariant under random interleavings, on both databases.

The fast size runs with the suite, a test per round so parallel workers share them;
`pytest -m soak` runs the long one (HARNESS_ROUNDS, 1,000 by default, on PostgreSQL).
HARNESS_SEED=N replays one round.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.family import children, parents, teens
from core.storage.db import Database
from core.storage.models import Child
from tests.conftest import START, _truncate
from tests.support.clock import FakeClock
from tests.support.harness import TEENS, RoundReport, _teen, play
from tests.support.world import setup_region

WORKERS = 8
STEPS = 6


def _seeds(default: int) -> list[int]:
    if os.environ.get("HARNESS_SEED"):
        return [int(os.environ["HARNESS_SEED"])]
    return list(range(int(os.environ.get("HARNESS_ROUNDS", default))))


async def _rounds(make_db, seeds: list[int]) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    retries: Counter[str] = Counter()
    failures: list[RoundReport] = []
    for seed in seeds:
        clock = FakeClock(START)
        db = await make_db(clock)
        try:
            report = await play(db, clock, seed, workers=WORKERS, steps=STEPS)
            retries.update(db.retries)
        finally:
            await db.dispose()
        done.update(report.done)
        refused.update(report.refused)
        if not report.ok:
            failures.append(report)
            print(report.describe())
    ops = sum(done.values()) + sum(refused.values())
    print(
        f"\n{len(seeds)} rounds × {WORKERS} workers × {STEPS} steps: {ops} operations "
        f"({sum(done.values())} done, {sum(refused.values())} refused), "
        f"{sum(retries.values())} retried {dict(retries)}, "
        f"{len(failures)} rounds broken, {time.monotonic() - started:.1f} s"
    )
    print("done:", dict(sorted(done.items())))
    print("refused:", dict(sorted(refused.items())))
    assert not failures, f"{len(failures)} rounds broke an invariant (schedules printed above)"


@pytest.mark.parametrize("seed", _seeds(8))
async def test_interleavings_sqlite(sqlite_template: Path, tmp_path: Path, seed: int):
    async def make(clock: FakeClock) -> Database:
        path = tmp_path / "round.db"
        shutil.copy(sqlite_template, path)
        return Database(f"sqlite+aiosqlite:///{path}", clock=clock)

    await _rounds(make, [seed])


def _fresh_postgres(url: str):  # type: ignore[no-untyped-def]
    async def make(clock: FakeClock) -> Database:
        db = Database(url, clock=clock)
        await _truncate(db)
        return db

    return make


@pytest.mark.postgres
@pytest.mark.parametrize("seed", _seeds(25))
async def test_interleavings_postgres(postgres_url: str, seed: int):
    await _rounds(_fresh_postgres(postgres_url), [seed])


@pytest.mark.soak
@pytest.mark.postgres
async def test_interleavings_postgres_soak(postgres_url: str):
    await _rounds(_fresh_postgres(postgres_url), _seeds(1000))


@pytest.mark.parametrize("parent_snils", [True, False], ids=["with-snils", "without"])
async def test_a_child_alone_and_a_parent_register_the_same_child(db, parent_snils):
    """A child of 14+ registering themselves races a parent registering the same child
    (with the СНИЛС, or without it: then the register's person key meets them): one wins,
    the other is told, and there is exactly one child record."""
    await setup_region(db, rows=[])
    parent = (await db.run(parents.get_or_create, "tg", "1")).id
    await db.run(parents.give_consent, parent)
    for k in range(len(TEENS)):
        own = (await db.run(parents.get_or_create, "tg", f"teen{k}")).id
        results = await asyncio.gather(
            db.run(teens.register_self, own, "tg", f"teen{k}", _teen(k, snils=True)),
            db.run(children.add, parent, _teen(k, snils=parent_snils)),
            return_exceptions=True,
        )
        refused = [r.code for r in results if isinstance(r, DomainError)]
        assert len(refused) == 1, results
        assert refused[0] in ("teen_self_registered", "child_registered_elsewhere")
        async with db.reader() as uow:
            same = await uow.session.scalar(
                select(func.count()).select_from(Child).where(Child.surname == TEENS[k][0])
            )
            alone = await parents.acting_child(uow, "tg", f"teen{k}")
        assert same == 1
        # the teen's account acts for the child only when the teen won
        assert (alone is not None) == (refused[0] == "child_registered_elsewhere")
