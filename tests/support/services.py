"""Finding the machine's PostgreSQL and Redis: skip where absent, fail when CI=true."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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
