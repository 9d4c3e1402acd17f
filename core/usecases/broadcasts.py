"""The broadcasts' use cases: audiences, writing, progress, cancelling."""

from __future__ import annotations

from datetime import datetime

from core import port
from core.broadcasts import broadcasts
from core.catalogue import catalogue
from core.errors import DomainError
from core.storage.db import UnitOfWork
from core.usecases.base import Area


class Broadcasts(Area):
    async def scope(self, author_id: int) -> tuple[int | None, bool]:
        return await self.db.read(broadcasts.coordinator_scope, author_id)

    async def audience_choice(self, author_id: int) -> port.AudienceChoice:
        return await self.db.read(_audience_choice, author_id)

    async def count(self, audience: port.Audience) -> int:
        return await self.db.read(broadcasts.count_audience, audience)

    async def programs(self, author_id: int, text: str) -> list[port.ProgramRow]:
        return await self.db.read(broadcasts.programs, author_id, text)

    async def create(
        self,
        author_id: int,
        text: str,
        audience: port.Audience,
        program_id: int | None,
        at: datetime | None,
    ) -> int:
        return await self.db.run(
            broadcasts.create, author_id, text, audience, program_id=program_id, at=at
        )

    async def progress(
        self, author_id: int, broadcast_id: int | None
    ) -> tuple[int, port.Progress]:
        return await self.db.read(_progress, author_id, broadcast_id)

    async def cancel(self, author_id: int, broadcast_id: int) -> None:
        await self.db.run(broadcasts.cancel, author_id, broadcast_id)

    async def history(self, author_id: int, page: int) -> tuple[list[port.Sent], int]:
        return await self.db.read(broadcasts.history, author_id, page)


async def _audience_choice(uow: UnitOfWork, author_id: int) -> port.AudienceChoice:
    muni, region_wide = await broadcasts.coordinator_scope(uow, author_id)
    names = dict(await catalogue.municipalities(uow)) if muni is not None else {}
    return port.AudienceChoice(muni, names.get(muni or 0, "—"), region_wide)


async def _progress(
    uow: UnitOfWork, author_id: int, broadcast_id: int | None
) -> tuple[int, port.Progress]:
    """The broadcast asked for, or the author's latest."""
    if broadcast_id is None:
        broadcast_id = await broadcasts.latest(uow, author_id)
    if broadcast_id is None:
        raise DomainError("broadcast_not_found")
    return broadcast_id, await broadcasts.progress(uow, author_id, broadcast_id)
