"""The engine always answers: a failing handler or a failing store never means silence."""

from __future__ import annotations

from types import SimpleNamespace

from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import DialogState
from bot.i18n import Translator


class BrokenStore:
    async def get(self, key):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    async def set(self, key, state):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")


class MemoryStore:
    def __init__(self) -> None:
        self.state = DialogState(screen="help", data={"pid": 1})

    async def get(self, key):  # type: ignore[no-untyped-def]
        return self.state

    async def set(self, key, state):  # type: ignore[no-untyped-def]
        self.state = state

    async def delete(self, *keys):  # type: ignore[no-untyped-def]
        pass


def engine(store) -> Engine:  # type: ignore[no-untyped-def]
    db = SimpleNamespace()  # any use of the database would fail loudly
    return Engine(FLOWS, db, store, Translator(), Signer(b"k"))  # type: ignore[arg-type]


async def test_state_store_down_still_answers():
    reply = await engine(BrokenStore()).handle(Event("tg", "1", "command", text="menu"))
    assert "временно недоступен" in reply.screen.text


async def test_a_handler_that_raises_gets_an_apology(monkeypatch):
    async def boom(ctx, arg):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError

    store = MemoryStore()
    e = engine(store)
    monkeypatch.setitem(e.routes.commands, "help", boom)
    reply = await e.handle(Event("tg", "1", "command", text="help"))
    # the menu itself needs the database, which is missing here: the bare apology remains
    assert "Что-то пошло не так" in reply.screen.text


async def test_a_late_answer_says_the_action_may_have_gone_through(monkeypatch):
    """Past the deadline the person is answered at once; what they pressed may still be
    committing, so the answer says to look before doing it again."""
    import asyncio

    async def slow(ctx, arg):  # type: ignore[no-untyped-def]
        await asyncio.sleep(5)

    e = engine(MemoryStore())
    monkeypatch.setitem(e.routes.commands, "help", slow)
    e.deadline = 0.2
    reply = await e.handle(Event("tg", "1", "command", text="help"))
    assert "временно недоступен" in reply.screen.text
    assert "могло пройти" in reply.screen.text
