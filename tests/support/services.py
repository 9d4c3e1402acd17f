"""Finding the machine's PostgreSQL and Redis: skip where absent, fail when CI=true.

Runs share the machine's servers (a developer's run beside CI's, pytest-xdist's workers beside
each other), so each test process takes a Redis database of its own (`REDIS_URL`, claimed
below) and a PostgreSQL database of its own (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
# the server; the database number in it is replaced by the one this process claims
REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_CLAIM_TTL_S = 3 * 3600  # a killed run's databases are free again after this


def _claim_redis_db() -> str:
    """The Redis URL of a database no other live test process uses (1-15; the claims are keys
    in database 0, freed at exit or by their TTL). Tests FLUSHDB it freely."""
    import redis

    base = REDIS_SERVER.rstrip("/")
    if base.rsplit("/", 1)[-1].isdigit():
        base = base.rsplit("/", 1)[0]
    owner = f"{os.getpid()}:{uuid.uuid4().hex}"
    try:
        admin = redis.Redis.from_url(f"{base}/0", socket_connect_timeout=2, socket_timeout=2)
        for number in range(1, 16):
            key = f"pfdo-test:redis-db:{number}"
            if admin.set(key, owner, nx=True, ex=REDIS_CLAIM_TTL_S):
                atexit.register(_release, admin, key, owner)
                return f"{base}/{number}"
    except Exception:  # not reachable: require_redis() says so where it is needed
        return f"{base}/15"
    raise RuntimeError(
        "every Redis database 1-15 is claimed by another test run "
        "(keys pfdo-test:redis-db:* in database 0); wait, or delete stale claims"
    )


def _release(admin: object, key: str, owner: str) -> None:
    import contextlib

    with contextlib.suppress(Exception):  # the server may be gone at exit
        if admin.get(key) == owner.encode():  # type: ignore[attr-defined]
            admin.delete(key)  # type: ignore[attr-defined]


REDIS_URL = _claim_redis_db()


T = TypeVar("T")


def run_async(fn: Callable[..., Awaitable[T]], *args: object) -> T:
    """Run a coroutine to completion from sync code, even inside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(fn(*args))).result()  # type: ignore[arg-type]


async def pg_admin(sql: str) -> None:
    """One statement as the administrator (CREATE or DROP DATABASE)."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _missing(what: str, why: str) -> None:
    message = f"{what} not reachable ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: CI=true requires it", pytrace=False)
    pytest.skip(message)


async def _pg_ok() -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), 3)
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def require_postgres() -> None:
    problem = run_async(_pg_ok)
    if problem:
        _missing("PostgreSQL at 127.0.0.1:5432", problem)


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        _missing("Redis at 127.0.0.1:6379", f"{type(exc).__name__}: {exc}")
