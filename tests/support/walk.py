"""A family's walk through the dialog engine, with no messenger: the engine on the use
cases of a test's database, a press of a button by its payload, the applications made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.dialogs.engine import Engine
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


async def applications(db: Any) -> list[Application]:
    async with db.reader() as uow:
        return list(await uow.session.scalars(select(Application).order_by(Application.id)))
