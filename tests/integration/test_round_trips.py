"""What one update costs Redis (issue 30): the round trips of /balance, a press of the
menu's balance button and /menu through the Telegram handler, with Redis behind the
dedup, the person's lock and state, and the replies' pacing. Counted at the connection
(each packed command sent is one round trip: a pipeline or a script is one), so a change
that adds a call shows here, not only as a slower benchmark."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bench.dialog_bench import MemorySession, command, press
from bot.app import build
from bot.config import Settings
from bot.handlers.telegram import handler as telegram
from tests.support.services import REDIS_URL, require_redis
from tests.support.world import catalogue_row, parent_with_child, setup_region

pytestmark = pytest.mark.redis


async def test_an_update_costs_a_fixed_handful_of_redis_round_trips(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    require_redis()
    from aiogram import Bot
    from redis.asyncio.connection import AbstractConnection

    db_file = tmp_path / "trips.db"
    shutil.copy(sqlite_template, db_file)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        redis_url=REDIS_URL,
        telegram_bot_token="1:TRIPS",
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
    )
    app = await build(settings, seed_if_empty=True)
    # ids of this run only: the test's Redis database may hold an earlier run's keys
    base = int(time.time() * 1000) % 10**9 * 100
    user = base
    sent: list[Any] = []
    original = AbstractConnection.send_packed_command

    async def counted(self: Any, command: Any, check_health: bool = True) -> None:
        sent.append(command)
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    bot = Bot("1:TRIPS", session=MemorySession())
    try:
        await setup_region(app.db, rows=[catalogue_row(1)])
        await parent_with_child(app.db, str(user))
        dp = telegram.build_dispatcher(app, bot)
        ids = iter(range(base, base + 100))

        async def trips(update: Any) -> int:
            before = len(sent)
            await dp.feed_update(bot, update)
            return len(sent) - before

        # the first of each kind loads the Lua scripts and finds the person
        for text in ("/menu", "/balance", "/menu"):
            await trips(command(next(ids), user, text))
        balance_button = app.engine.signer.sign(f"tg:{user}", "balance")
        await trips(press(next(ids), user, balance_button))
        assert "Баланс" in bot.session.texts[user]  # type: ignore[attr-defined]

        # the update marked seen with the person's lock taken and their state read (one
        # script), the lock given back with the state written (one script), and the
        # reply's pacing (one script): three, whatever the screen (four before the mark
        # joined the lock's script)
        assert await trips(command(next(ids), user, "/balance")) == 3, sent[-3:]
        assert await trips(press(next(ids), user, balance_button)) == 3, sent[-3:]
        assert await trips(command(next(ids), user, "/menu")) == 3, sent[-3:]
        # a redelivered update costs its one check and nothing else
        again = next(ids)
        await trips(command(again, user, "/menu"))
        answered = bot.session.requests  # type: ignore[attr-defined]
        assert await trips(command(again, user, "/menu")) == 1
        assert bot.session.requests == answered  # type: ignore[attr-defined]
        # and one redelivered while the first is still in hand waits for nothing: it is
        # dropped by the same script, the first answered once
        twice = next(ids)
        await asyncio.gather(*(dp.feed_update(bot, command(twice, user, "/menu")) for _ in "ab"))
        assert bot.session.requests == answered + 1  # type: ignore[attr-defined]
    finally:
        await bot.session.close()
        await app.close()
