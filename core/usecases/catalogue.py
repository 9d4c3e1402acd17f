"""The catalogue's use cases: municipalities, search, a programme's card."""

from __future__ import annotations

import dataclasses

from core import port
from core.catalogue import catalogue, reviews
from core.enrolment import campaign, quotes
from core.errors import DomainError
from core.rules.catalogue import Register
from core.storage.db import UnitOfWork
from core.usecases.base import Area


class Catalogue(Area):
    async def municipalities(self, text: str = "") -> list[tuple[int, str]]:
        return await self.db.read(catalogue.municipalities, text)

    async def search(self, query: port.SearchQuery) -> port.Page:
        return await self.db.read(catalogue.search, query)

    async def card(
        self, program_id: int, parent_id: int | None = None, child_id: int | None = None
    ) -> port.CardView:
        return await self.db.read(_card, program_id, parent_id, child_id)

    async def rate_target(self, parent_id: int, application_id: int) -> port.RateTarget:
        return await self.db.read(reviews.target, parent_id, application_id)

    async def rate(self, parent_id: int, application_id: int, stars: int, text: str) -> int:
        return await self.db.run(reviews.rate, parent_id, application_id, stars, text)


async def _card(
    uow: UnitOfWork, program_id: int, parent_id: int | None, child_id: int | None
) -> port.CardView:
    """The program, and for a child the quote of its first group (or why not)."""
    c = await catalogue.card(uow, program_id)
    now = await campaign.season(uow, c.municipality_id, c.start_month, c.end_month)
    rated = await reviews.ratings(uow, program_id)
    result = await _quoted(uow, c, now, parent_id, child_id)
    return dataclasses.replace(result, ratings=rated)


async def _quoted(
    uow: UnitOfWork,
    c: port.ProgramCard,
    now: port.Season,
    parent_id: int | None,
    child_id: int | None,
) -> port.CardView:
    if parent_id is None or child_id is None or not now.open:
        return port.CardView(c, season=now)
    if c.register != Register.CERTIFIED or c.art_school or not c.groups:
        return port.CardView(c, season=now)
    try:
        q = await quotes.quote_application(uow, parent_id, child_id, c.groups[0].id)
    except DomainError as exc:
        return port.CardView(c, refusal=exc, season=now)
    return port.CardView(c, quote=q, season=now)
