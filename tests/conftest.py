"""Databases for tests: built by `alembic upgrade head`, never by create_all.

SQLite: migrated once into a template file, copied per test. PostgreSQL: a database of this
run's own, migrated once, its tables truncated per test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from core.storage.db import Database
from core.storage.migrate import upgrade
from core.storage.models import Base
from tests.support.clock import FakeClock
from tests.support.services import PG_ADMIN_URL, pg_admin, require_postgres, run_async

START = datetime(2026, 10, 5, 12, 0, 0)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    require_postgres()
    name = f"pfdo_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    run_async(pg_admin, f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    url = f"{url}/{name}"
    upgrade(url)
    yield url
    run_async(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _truncate(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Database]:
    """Every integration test runs on both databases."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        database = Database(url, clock=clock)
    else:
        url = request.getfixturevalue("postgres_url")
        database = Database(url, clock=clock)
        await _truncate(database)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    database = Database(sqlite_url, clock=clock)
    yield database
    await database.dispose()
