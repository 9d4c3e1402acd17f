"""The real bot against stand-in Telegram, VK and/or MAX servers on 127.0.0.1, on a SQLite copy
of the migrated template with the demo region loaded."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import Settings
from bot.handlers.max import handler as max_surface
from bot.handlers.telegram import handler as telegram
from bot.handlers.vk import handler as vk_surface
from tests.support.max_server import FakeMax
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk

# The journeys test flows, not Telegram's rhythm: their bot is paced at this many messages a
# second per chat (Telegram: 1, MAX: 2) and the Telegram stand-in enforces the same, so a
# journey of 30 screens takes 1.5 s instead of 30. The tests of the real rhythm
# (test_reply_budget.py, the stop with answers in hand) ask for it with real_rhythm=True.
FAST_CHAT_RATE = 20
# ... and they wait for the flows' answers, not for the reply deadline: under a parallel run
# on 2 cores a first write queued on SQLite's one writer took over the 1.5 s deadline and
# got the "still working" apology (3 of 588 tests in one run). The deadline itself is
# tested alone (tests/integration/test_outages.py, test_late_answer.py).
PATIENT_DEADLINE_S = 10


@dataclass
class Harness:
    app: App
    tg: FakeTelegram | None = None
    vk: FakeVk | None = None
    max: FakeMax | None = None


@contextlib.asynccontextmanager
async def running_bot(
    template: Path,
    folder: Path,
    *,
    with_tg: bool,
    with_vk: bool,
    tg_options: dict[str, object] | None = None,
    with_max: bool = False,
    max_options: dict[str, object] | None = None,
    extra_settings: dict[str, object] | None = None,
    real_rhythm: bool = False,
) -> AsyncIterator[Harness]:
    db_path = folder / "e2e.db"
    shutil.copy(template, db_path)
    tg_options = dict(tg_options or {})
    if not real_rhythm:
        tg_options.setdefault("chat_limit_per_s", FAST_CHAT_RATE)
    tg = FakeTelegram(**tg_options) if with_tg else None  # type: ignore[arg-type]
    vk = FakeVk() if with_vk else None
    mx = FakeMax(**(max_options or {})) if with_max else None  # type: ignore[arg-type]
    settings: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{db_path}",
        "reply_deadline_s": PATIENT_DEADLINE_S,
    }
    if not real_rhythm:
        settings |= {"telegram_chat_rate": FAST_CHAT_RATE, "max_chat_rate": FAST_CHAT_RATE}
    if tg is not None:
        await tg.start()
        settings |= {"telegram_bot_token": tg.token, "telegram_api_base": tg.base}
    if vk is not None:
        await vk.start()
        settings |= {
            "vk_group_token": vk.token,
            "vk_group_id": vk.group_id,
            "vk_api_base": vk.base,
        }
    if mx is not None:
        await mx.start()
        settings |= {"max_bot_token": mx.token, "max_api_base": mx.base}
    settings |= extra_settings or {}
    app = await build(Settings(_env_file=None, **settings), seed_if_empty=True)
    stop = asyncio.Event()
    polling = asyncio.create_task(telegram.run_polling(app, handle_signals=False)) if tg else None
    longpoll = asyncio.create_task(vk_surface.run(app, stop)) if vk else None
    max_poll = asyncio.create_task(max_surface.run(app, stop)) if mx else None
    if vk is not None:
        for _ in range(100):  # events sent before the bot connects are not its to see
            if vk.lp_requests:
                break
            await asyncio.sleep(0.05)
    try:
        yield Harness(app, tg, vk, mx)
    finally:
        stop.set()
        if polling is not None:
            polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        if longpoll is not None:
            await asyncio.wait_for(longpoll, 10)
        if max_poll is not None:
            await asyncio.wait_for(max_poll, 10)
        await app.close()
        for server in (tg, vk, mx):
            if server is not None:
                await server.stop()


@pytest.fixture
async def telegram_bot(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(sqlite_template, tmp_path, with_tg=True, with_vk=False) as h:
        yield h


@pytest.fixture
async def vk_bot(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(sqlite_template, tmp_path, with_tg=False, with_vk=True) as h:
        yield h


@pytest.fixture
async def max_bot(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(
        sqlite_template, tmp_path, with_tg=False, with_vk=False, with_max=True
    ) as h:
        yield h


@pytest.fixture
async def tg_and_max(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    """One bot, one database, reachable from Telegram and MAX at once."""
    async with running_bot(
        sqlite_template, tmp_path, with_tg=True, with_vk=False, with_max=True
    ) as h:
        yield h


@pytest.fixture
async def both_bots(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    """One bot, one database, reachable from Telegram and VK at once."""
    async with running_bot(sqlite_template, tmp_path, with_tg=True, with_vk=True) as h:
        yield h
