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
