from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import Settings
from bot.handlers import telegram
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk


@dataclass
class TelegramHarness:
    tg: FakeTelegram
    app: App


@pytest.fixture
async def telegram_bot(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    import shutil

    db_path = tmp_path / "e2e.db"
    shutil.copy(sqlite_template, db_path)
    tg = FakeTelegram()
    await tg.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_path}",
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
    )
    app = await build(settings, seed_if_empty=True)
    task = asyncio.create_task(telegram.run_polling(app, handle_signals=False))
    try:
        yield TelegramHarness(tg, app)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app.close()
        await tg.stop()


@dataclass
class VkHarness:
    vk: FakeVk
    app: App


@pytest.fixture
async def vk_bot(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[VkHarness]:
    import shutil

    from bot.handlers import vk as vk_surface

    db_path = tmp_path / "vk.db"
    shutil.copy(sqlite_template, db_path)
    fake = FakeVk()
    await fake.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_path}",
        vk_group_token=fake.token,
        vk_group_id=fake.group_id,
        vk_api_base=fake.base,
    )
    app = await build(settings, seed_if_empty=True)
    stop = asyncio.Event()
    task = asyncio.create_task(vk_surface.run(app, stop))
    for _ in range(100):  # events sent before the bot connects are not its to see
        if fake.lp_requests:
            break
        await asyncio.sleep(0.05)
    try:
        yield VkHarness(fake, app)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await app.close()
        await fake.stop()


@dataclass
class BothHarness:
    tg: FakeTelegram
    vk: FakeVk
    app: App


@pytest.fixture
async def both_bots(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[BothHarness]:
    """One bot, one database, reachable from Telegram and VK at once."""
    import shutil

    from bot.handlers import vk as vk_surface

    db_path = tmp_path / "both.db"
    shutil.copy(sqlite_template, db_path)
    tg, fake_vk = FakeTelegram(), FakeVk()
    await tg.start()
    await fake_vk.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_path}",
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
        vk_group_token=fake_vk.token,
        vk_group_id=fake_vk.group_id,
        vk_api_base=fake_vk.base,
    )
    app = await build(settings, seed_if_empty=True)
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(telegram.run_polling(app, handle_signals=False)),
        asyncio.create_task(vk_surface.run(app, stop)),
    ]
    for _ in range(100):
        if fake_vk.lp_requests:
            break
        await asyncio.sleep(0.05)
    try:
        yield BothHarness(tg, fake_vk, app)
    finally:
        stop.set()
        tasks[0].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tasks[0]
        await asyncio.wait_for(tasks[1], 10)
        await app.close()
        await tg.stop()
        await fake_vk.stop()
