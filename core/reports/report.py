"""A report of one municipality or of the region, at the unit of work's moment."""

from __future__ import annotations

from core.errors import DomainError
from core.reports import catalogue, money, people
from core.reports.figures import Report
from core.storage.db import UnitOfWork


async def build(uow: UnitOfWork, municipality_id: int | None = None) -> Report:
    """Every figure, read in ``uow`` (run it in Database.read: one snapshot, no lock).
    ``municipality_id`` None: the region, each municipality in turn and the total."""
    scope = await people.places(uow, municipality_id)
    if municipality_id is not None and not scope:
        raise DomainError("municipality_not_found")
    coverage, queue = await people.coverage_and_queue(uow, scope, municipality_id)
    return Report(
        at=uow.now,
        municipality_id=municipality_id,
        coverage=coverage,
        queue=queue,
        money=await money.money_year(uow, scope, municipality_id),
        directions=await catalogue.directions(uow, municipality_id),
        organisations=await catalogue.organisations(uow, municipality_id),
    )
