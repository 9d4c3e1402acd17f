"""A worker process killed (SIGKILL) in the middle of a broadcast: a restarted worker
resumes within seconds, and at most the sends that were in flight go twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from core.broadcasts import broadcasts
from core.staff import roles
from core.storage.db import Database
from tests.support.audience import add_parents
from tests.support.tg_server import FakeTelegram
from tests.support.world import catalogue_row, setup_region

# the restarted worker resumes within a time measured on the machine: nothing beside it
pytestmark = pytest.mark.alone

RECIPIENTS = 500
RATE = 100  # the stand-in's limit and the worker's budget: a quick test
LEASE_S = 10  # the default
IN_FLIGHT = 4 + 2  # Limits.concurrency, and what completes during one write at 100/s


async def _worker(
    db_url: str, tg: FakeTelegram, log_level: str = "WARNING"
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE": tg.base,
        "TELEGRAM_RATE": str(RATE),
        "WORKER_LEASE_S": str(LEASE_S),
        # a port of its own (an empty value is taken as unset, i.e. 8081: a second run's
        # worker on this machine could not start, and this test got no message at all)
        "HEALTH_PORT": "0",
        "LOG_LEVEL": log_level,
    }
    env.pop("REDIS_URL", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        env=env,
        stderr=asyncio.subprocess.PIPE if log_level == "INFO" else asyncio.subprocess.DEVNULL,
    )


async def _started(proc: asyncio.subprocess.Process, at: list[float]) -> None:
    """Reads the worker's log to its end; notes when it said it started (its interpreter
    and imports are the machine's time, not the lease's)."""
    assert proc.stderr is not None
    async for line in proc.stderr:
        if not at and b"outbox worker started" in line:
            at.append(time.monotonic())


async def test_a_killed_worker_repeats_only_what_was_in_flight(
    sqlite_template: Path, tmp_path: Path
):
    path = tmp_path / "kill.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    db = Database(url)
    try:
        await setup_region(db, rows=[catalogue_row(1)])
        await add_parents(db, RECIPIENTS)
        async with db.uow() as uow:
            author = await roles.grant(uow, "tg:9", "coordinator", municipality_code="town")
            await broadcasts.create(
                uow, author, "Открыта запись в секции", broadcasts.Audience(municipality_id=1)
            )
            await uow.commit()
    finally:
        await db.dispose()
    tg = FakeTelegram(limit_per_s=RATE, chat_limit_per_s=1)
    await tg.start()
    first = second = None
    try:
        first = await _worker(url, tg)
        await tg.wait_sent(250, within=60)  # in the middle of its second claim of 200
        first.send_signal(signal.SIGKILL)  # no goodbye: claims stay, nothing is flushed
        await first.wait()
        killed_at = len(tg.sent)
        restarted = time.monotonic()
        second = await _worker(url, tg, log_level="INFO")
        started: list[float] = []
        reading = asyncio.create_task(_started(second, started))
        await tg.wait_sent(killed_at + 1, within=LEASE_S + 30)
        resumed_after = time.monotonic() - restarted
        deadline = time.monotonic() + 60
        while True:
            if len(tg.per_chat()) >= RECIPIENTS or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
        await tg.stop()
    await reading
    assert started, "the restarted worker never said it started"
    start_s = started[0] - restarted
    counts = tg.per_chat()
    twice = sum(1 for n in counts.values() if n > 1)
    print(
        f"killed after {killed_at}, resumed after {resumed_after:.1f} s "
        f"(its start took {start_s:.1f} s), {twice} sent twice"
    )
    assert len(counts) == RECIPIENTS  # nobody missed
    assert max(counts.values()) <= 2
    assert twice <= IN_FLIGHT
    # the dead worker's lease (counted from before the kill) and the new one's start: the
    # start is the interpreter's and the imports' time on this machine (15 s seen at load 9)
    assert resumed_after < max(LEASE_S, start_s) + 5
    assert tg.too_many == 0
