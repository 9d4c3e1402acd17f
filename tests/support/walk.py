"""A family's walk through the dialog engine, with no messenger: the engine on the use
cases of a test's database, a press of a button by its payload, a program's card opened
from the announcement's button, the applications made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.dialogs.engine import PUBLIC, Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
from bot.i18n import translator
from core.storage.models import Application
from core.usecases import UseCases


def engine(db: Any, signer: Signer) -> Engine:
    return Engine(FLOWS, UseCases(db), MemoryStateStore(), translator(), signer, deadline=10)


async def press(walker: Engine, user: str, payload: str) -> Any:
    """The screen a press of the button with this payload draws."""
    return (await walker.handle(Event("tg", user, "button", payload=payload))).screen


async def open_card(db: Any, user: str = "1", program: int = 1) -> tuple[Engine, Signer, Any]:
    """A new engine, the person's /start, then the card of the program the announcement's
    button names (signed as the bot signs it): the engine, its signer and the card."""
    signer = Signer(b"k")
    walker = engine(db, signer)
    await walker.handle(Event("tg", user, "command", text="start"))
    return walker, signer, await press(walker, user, signer.sign(PUBLIC, f"prog:{program}"))


async def applications(db: Any) -> list[Application]:
    async with db.reader() as uow:
        return list(await uow.session.scalars(select(Application).order_by(Application.id)))
