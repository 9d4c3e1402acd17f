"""Finding the machine's PostgreSQL and Redis: skip where absent, fail when CI=true.

Runs share the machine's servers (a developer's run beside CI's, pytest-xdist's workers beside
each other), so each test process takes a Redis database of its own (`REDIS_URL`, claimed
below) and a PostgreSQL database of its own (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
# the server; the database number in it is replaced by the one this process claims
REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_CLAIM_TTL_S = 3 * 3600  # a claim of another machine's killed run ends with this
REDIS_CLAIM_WAIT_S = 900  # when all 15 are held by live runs: wait this long for one
_HOST = socket.gethostname()
# a claim whose process is gone (killed before its exit handler) is taken over at once
_TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


def _claim_redis_db() -> str:
    """The Redis URL of a database no other live test process uses (1-15; the claims are keys
    in database 0, freed at exit, taken over when their process on this machine is gone, or
    ended by their TTL). Tests FLUSHDB it freely."""
    import redis

    base = REDIS_SERVER.rstrip("/")
    if base.rsplit("/", 1)[-1].isdigit():
        base = base.rsplit("/", 1)[0]
    owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex}"
    try:
        admin = redis.Redis.from_url(f"{base}/0", socket_connect_timeout=2, socket_timeout=2)
        waited_until = time.monotonic() + REDIS_CLAIM_WAIT_S
        while (number := _claim_one(admin, owner)) is None:
            # each run's processes free theirs at exit: wait for one rather than fail
            # a run that merely started beside several others
            if time.monotonic() > waited_until:
                raise RuntimeError(
                    "every Redis database 1-15 is claimed by a live test process "
                    f"(keys pfdo-test:redis-db:* in database 0) for {REDIS_CLAIM_WAIT_S} s"
                )
            time.sleep(1 + random.random())
        key = f"pfdo-test:redis-db:{number}"
    except redis.RedisError:  # not reachable: require_redis() says so where it is needed
        return f"{base}/15"
    atexit.register(_release, admin, key, owner)
    return f"{base}/{number}"


def _claim_one(admin: Any, owner: str) -> int | None:
    """A free database's number, claimed for ``owner``; None when all 15 are held."""
    for number in range(1, 16):
        key = f"pfdo-test:redis-db:{number}"
        if admin.set(key, owner, nx=True, ex=REDIS_CLAIM_TTL_S):
            return number
        held = admin.get(key)
        if (
            held is not None
            and _gone(held.decode())
            and admin.eval(_TAKE_OVER, 1, key, held, owner, REDIS_CLAIM_TTL_S)
        ):
            return number
    return None


def _gone(owner: str) -> bool:
    """The claim's process ran on this machine and is no more ("pid:uuid" from before the
    host was written in it: this machine's too)."""
    host, _, rest = owner.partition(":")
    if host.isdigit():
        host, pid = _HOST, host
    else:
        pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def _release(admin: object, key: str, owner: str) -> None:
    import contextlib

    with contextlib.suppress(Exception):  # the server may be gone at exit
        if admin.get(key) == owner.encode():  # type: ignore[attr-defined]
            admin.delete(key)  # type: ignore[attr-defined]


_claimed: str | None = None


def __getattr__(name: str) -> str:
    """REDIS_URL is claimed by the first test module that imports it, so a process that
    runs no Redis test (the xdist controller, a unit-only run) claims nothing."""
    global _claimed
    if name != "REDIS_URL":
        raise AttributeError(name)
    if _claimed is None:
        _claimed = _claim_redis_db()
    return _claimed


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
        redis.Redis.from_url(__getattr__("REDIS_URL"), socket_connect_timeout=2).ping()
    except Exception as exc:
        _missing("Redis at 127.0.0.1:6379", f"{type(exc).__name__}: {exc}")
