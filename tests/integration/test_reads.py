"""Database.read: a read use case in one unit of work; on a SQLite file, whole on a reader
thread (one hand-off), seeing what was committed."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select

from core.storage.db import Database, UnitOfWork
from core.storage.models import Program
from tests.support.world import catalogue_row, setup_region


async def _count(uow: UnitOfWork) -> tuple[int, int]:
    n = await uow.session.scalar(select(func.count()).select_from(Program))
    return int(n or 0), threading.get_ident()


async def test_a_read_sees_what_was_committed_in_one_hand_off(db: Database):
    await setup_region(db, rows=[catalogue_row(1), catalogue_row(2)])
    n, thread = await db.read(_count)
    assert n == 2
    on_loop = thread == threading.get_ident()
    # SQLite: not on the event loop's thread (a reader's); PostgreSQL: on the loop
    assert on_loop == (db.engine.dialect.name != "sqlite")


async def test_a_read_that_waits_for_something_else_is_refused_on_sqlite(db: Database):
    async def waits(uow: UnitOfWork) -> int:
        await asyncio.sleep(0)
        return 1

    if db.engine.dialect.name == "sqlite":
        with pytest.raises(RuntimeError, match="waited"):
            await db.read(waits)
    else:
        assert await db.read(waits) == 1
