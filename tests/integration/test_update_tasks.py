"""What one update costs the event loop (issue 30): /balance, a press of the menu's balance
button and /menu through the Telegram handler (long polling) on a SQLite file (its reads
inline once known to be cheap, the dialog state in memory) create no task: the engine's
step runs in the update's own task under a timer for its deadline (past it, a task
answers: tests/integration/test_late_answer.py), and a press's early answer is a timer
that makes a task only when it fires. They cost a task each before (the step's), a press
two and an asyncio.wait before that. Nor do they pass through aiogram's routing by type
(its routers and their observers): the dispatcher's own handler of updates takes them."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.dispatcher.router import Router
from aiogram.types import Update

from bench.dialog_bench import MemorySession, command, press
from bot.app import build
from bot.config import Settings
from bot.handlers.telegram import handler as telegram
from tests.support.world import catalogue_row, parent_with_child, setup_region


async def test_an_update_creates_no_task_a_press_neither(sqlite_template: Path, tmp_path: Path):
    db_file = tmp_path / "tasks.db"
    shutil.copy(sqlite_template, db_file)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        telegram_bot_token="1:TASKS",
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
    )
    app = await build(settings, seed_if_empty=True)
    bot = Bot("1:TASKS", session=MemorySession())
    loop = asyncio.get_running_loop()
    made: list[Any] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kw: Any) -> asyncio.Task[Any]:
        made.append(getattr(coro, "__qualname__", coro))
        return asyncio.Task(coro, loop=loop, **kw)

    try:
        await setup_region(app.db, rows=[catalogue_row(1)])
        await parent_with_child(app.db, "7")
        dp = telegram.build_dispatcher(app, bot)
        ids = iter(range(1, 100))
        button = app.engine.signer.sign("tg:7", "balance")
        # the first of each read runs on a reader thread until its cost is known
        for _ in range(5):
            for update in (
                command(next(ids), 7, "/menu"),
                command(next(ids), 7, "/balance"),
                press(next(ids), 7, button),
            ):
                await dp.feed_update(bot, update)
        assert "Баланс" in bot.session.texts[7]  # type: ignore[attr-defined]
        loop.set_task_factory(factory)
        for update in (
            command(next(ids), 7, "/balance"),
            press(next(ids), 7, button),
            command(next(ids), 7, "/menu"),
        ):
            await dp.feed_update(bot, update)
            assert made == [], made
            made.clear()
    finally:
        loop.set_task_factory(None)
        await bot.session.close()
        await app.close()


async def test_messages_and_presses_skip_aiogram_routing_by_type(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db_file = tmp_path / "route.db"
    shutil.copy(sqlite_template, db_file)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        telegram_bot_token="1:ROUTE",
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
    )
    app = await build(settings, seed_if_empty=True)
    bot = Bot("1:ROUTE", session=MemorySession())
    routed: list[str] = []
    propagate = Router.propagate_event

    async def counted(self: Router, update_type: str, event: Any, **kwargs: Any) -> Any:
        routed.append(update_type)
        return await propagate(self, update_type, event, **kwargs)

    monkeypatch.setattr(Router, "propagate_event", counted)
    try:
        await parent_with_child(app.db, "7")
        dp = telegram.build_dispatcher(app, bot)
        await dp.feed_update(bot, command(1, 7, "/balance"))
        assert "Баланс" in bot.session.texts[7]  # type: ignore[attr-defined]
        bot.session.texts.clear()  # type: ignore[attr-defined]
        await dp.feed_update(bot, press(2, 7, app.engine.signer.sign("tg:7", "balance")))
        assert "Баланс" in bot.session.texts[7]  # type: ignore[attr-defined]
        assert routed == []
        # any other kind of update still goes on to aiogram's routing (handled by nobody)
        edited = Update.model_validate(
            {
                "update_id": 3,
                "edited_message": {
                    "message_id": 1,
                    "date": 0,
                    "edit_date": 1,
                    "chat": {"id": 7, "type": "private"},
                    "from": {"id": 7, "is_bot": False, "first_name": "P"},
                    "text": "/balance",
                },
            }
        )
        await dp.feed_update(bot, edited)
        assert routed == ["edited_message"]
    finally:
        await bot.session.close()
        await app.close()
