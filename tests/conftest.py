"""Databases for tests: built by `alembic upgrade head`, never by create_all.

SQLite: migrated once into a template file, copied per test. PostgreSQL: the run migrates one
template database once (the first worker to need it, under a lock the run's workers share);
each test process (pytest-xdist worker) gets a database of its own copied from it
(`CREATE DATABASE … TEMPLATE …`), its tables truncated per test; the worker drops its database
at its end and the run's controller drops the template. Two runs on one machine never meet:
each has its own names (and its own Redis databases: tests/support/services.py).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import time
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


RUN_ENV = "PFDO_TEST_RUN"  # set by the run's first process, inherited by its xdist workers
STALE_AFTER_S = 6 * 3600  # databases of a run killed before its clean-up
_OWNS_RUN = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    # PostgreSQL's 100 connections are shared by every worker of every run on the machine:
    # an app built in a test (and a replica it starts) keeps 4, not production's 24
    os.environ.setdefault("DATABASE_POOL_SIZE", "4")
    # a worker a test starts closes no month by itself unless the test asks (issue 27)
    os.environ.setdefault("AUTO_CLOSE_MONTH", "false")
    if RUN_ENV not in os.environ:  # the controller (or a run without xdist)
        os.environ[RUN_ENV] = f"{int(time.time())}_{uuid.uuid4().hex[:8]}"
        config.stash[_OWNS_RUN] = True


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_OWNS_RUN, False):
        _drop_quietly(_template_name())
        Path(_run_lock_path()).unlink(missing_ok=True)
        del os.environ[RUN_ENV]


def _template_name() -> str:
    return f"pfdo_t_{os.environ[RUN_ENV]}_tpl"


def _run_lock_path() -> str:
    return os.path.join(tempfile.gettempdir(), f"pfdo-test-{os.environ[RUN_ENV]}.lock")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    return f"{base}/{name}"


def _drop_quietly(name: str) -> None:
    try:
        run_async(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # PostgreSQL absent, or already gone
        return


async def _databases() -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'pfdo_t_%'")
    finally:
        await conn.close()
    return [row["datname"] for row in rows]


def _ensure_template() -> str:
    """The run's migrated template, made once under a lock shared by its workers; databases
    left by runs killed hours ago are dropped on the way."""
    template = _template_name()
    with open(_run_lock_path(), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = run_async(_databases)
        for name in existing:
            started = re.match(r"pfdo_t_(\d+)_", name)
            if started and time.time() - int(started.group(1)) > STALE_AFTER_S:
                _drop_quietly(name)
        if template not in existing:
            run_async(pg_admin, f'CREATE DATABASE "{template}"')
            upgrade(_pg_url(template))
    return template


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    require_postgres()
    template = _ensure_template()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"pfdo_t_{os.environ[RUN_ENV]}_{worker}"
    for attempt in range(20):  # a copy waits while another worker copies the same template
        try:
            run_async(pg_admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            break
        except Exception as exc:
            if "is being accessed by other users" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.2)
    yield _pg_url(name)
    _drop_quietly(name)


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


# The slowest tests of the whole run (both of scripts/test's groups), written by the run's
# controller to PFDO_DURATIONS (a file scripts/test reads and prints at the end): setup, call
# and teardown added up, as a person waits for them.
_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "PFDO_DURATIONS" in os.environ:
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("PFDO_DURATIONS")
    if target is None or hasattr(session.config, "workerinput") or not _durations:
        return
    with open(target, "a", encoding="utf-8") as out:
        for nodeid, seconds in _durations.items():
            out.write(f"{seconds:.3f}\t{nodeid}\n")
