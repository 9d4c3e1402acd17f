"""An answer past the deadline: the person is told at once that it may have gone through,
and the work goes on (it is not cut off midway) without overwriting the dialog state of
what the person does next; work still running after the engine's linger is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
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
