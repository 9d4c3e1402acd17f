"""An answer past the deadline: the person is told at once that it may have gone through,
and the work goes on (it is not cut off midway) without overwriting the dialog state of
what the person does next; work still running after the engine's linger is cancelled.
The same through Telegram's long polling, where the step runs in the update's own task
(``Engine.handle_here``): the apology and the person's turn are given from a timer."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot

from bench.dialog_bench import MemorySession, command, press
from bot.app import build
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
from bot.handlers.telegram import handler as telegram
from bot.i18n import translator
from core.storage.db import Database
from core.usecases import UseCases
from tests.support.world import catalogue_row, setup_region

# deadlines of 0.1-0.2 s: a time measured on the machine, so nothing beside it
pytestmark = pytest.mark.alone

SLOW = "Сервис временно недоступен: ответ задерживается"


async def _consent_press(engine: Engine) -> Event:
    start = await engine.handle(Event("tg", "1", "command", text="start"))
    button = next(b for b in start.screen.buttons if "согласие" in b.label)
    return Event("tg", "1", "button", payload=button.payload)


def _slowed(core: UseCases, seconds: float) -> None:
    real = core.family.give_consent

    async def slow(parent_id: int) -> None:
        await asyncio.sleep(seconds)
        await real(parent_id)

    core.family.give_consent = slow  # type: ignore[method-assign]


async def _consented(core: UseCases) -> bool:
    person = await core.family.resolve("tg", "1", "ru")
    return (await core.family.view(person.parent_id)).consent


async def test_a_late_write_is_answered_at_once_and_still_done(db: Database):
    await setup_region(db, rows=[catalogue_row(1)])
    core = UseCases(db)
    states = MemoryStateStore()
    engine = Engine(FLOWS, core, states, translator(), Signer(b"k"), deadline=0.2, linger=5)
    press = await _consent_press(engine)
    before = await states.get("tg:1")
    assert before is not None
    _slowed(core, 0.6)
    reply = await engine.handle(press)
    assert SLOW in reply.screen.text
    assert not await _consented(core)  # not yet: still going on
    await asyncio.sleep(1.0)
    assert await _consented(core)  # done, not rolled back
    after = await states.get("tg:1")
    # the late work kept no state: the dialog is where the person left it
    assert after is not None and after.screen == before.screen


async def test_work_past_the_linger_is_cancelled(db: Database):
    await setup_region(db, rows=[catalogue_row(1)])
    core = UseCases(db)
    engine = Engine(
        FLOWS, core, MemoryStateStore(), translator(), Signer(b"k"), deadline=0.1, linger=0.3
    )
    press = await _consent_press(engine)
    _slowed(core, 1.0)
    reply = await engine.handle(press)
    assert SLOW in reply.screen.text
    await asyncio.sleep(1.5)
    assert not await _consented(core)  # cancelled before it wrote


class _Recording(MemorySession):
    """The bench's in-memory Bot API, remembering which methods were called."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: list[str] = []

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:  # noqa: ASYNC109 (aiogram signature)
        self.methods.append(type(method).__name__)
        return await super().make_request(bot, method, timeout)


@asynccontextmanager
async def _telegram(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Any]:
    """This bot in long polling's dispatcher (the step in the update's own task), a
    deadline of 0.2 s, and a person at the consent screen; yields (app, dp, bot, press)."""
    db_file = tmp_path / "late.db"
    shutil.copy(sqlite_template, db_file)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_file}",
        telegram_bot_token="1:LATE",
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
        reply_deadline_s=0.2,
    )
    app = await build(settings, seed_if_empty=True)
    bot = Bot("1:LATE", session=_Recording())
    try:
        await setup_region(app.db, rows=[catalogue_row(1)])
        dp = telegram.build_dispatcher(app, bot)
        await dp.feed_update(bot, command(1, 1, "/start"))
        keyboard = bot.session.keyboards[1]  # type: ignore[attr-defined]
        consent = next(b["data"] for b in keyboard if "согласие" in b["text"])
        yield app, dp, bot, press(2, 1, consent)
    finally:
        await bot.session.close()
        await app.close()


async def test_telegram_answers_a_late_step_at_once_and_the_next_message_too(
    sqlite_template: Path, tmp_path: Path
):
    async with _telegram(sqlite_template, tmp_path) as (app, dp, bot, pressed):
        session = bot.session
        _slowed(app.engine.core, 0.8)
        step = asyncio.create_task(dp.feed_update(bot, pressed))
        for _ in range(50):  # the deadline is 0.2 s
            await asyncio.sleep(0.02)
            if SLOW in session.texts.get(1, ""):
                break
        assert SLOW in session.texts[1]  # answered while the step goes on
        assert not step.done()
        assert "AnswerCallbackQuery" in session.methods  # the press's progress bar stopped
        # the person's turn was given back: their next message is not held behind it
        await asyncio.wait_for(dp.feed_update(bot, command(3, 1, "/help")), 0.5)
        assert "Команды" in session.texts[1]
        shown = await app.engine.states.get("tg:1")
        assert not step.done()
        await step
        assert await _consented(app.engine.core)  # done, not rolled back
        # nothing more was sent for it, and it kept no state
        assert "Команды" in session.texts[1]
        after = await app.engine.states.get("tg:1")
        assert after is not None and shown is not None and after.screen == shown.screen


async def test_telegram_cancels_a_step_past_the_linger(sqlite_template: Path, tmp_path: Path):
    async with _telegram(sqlite_template, tmp_path) as (app, dp, bot, pressed):
        app.engine.linger = 0.3
        _slowed(app.engine.core, 1.5)
        step = asyncio.create_task(dp.feed_update(bot, pressed))
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(step, 3)
        assert SLOW in bot.session.texts[1]  # type: ignore[attr-defined]
        assert not await _consented(app.engine.core)  # cancelled before it wrote
