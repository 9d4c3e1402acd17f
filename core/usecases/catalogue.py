"""The catalogue's use cases: municipalities, search, a programme's card."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import replace

from sqlalchemy import func, select

from core import port
from core.catalogue import catalogue, reviews
from core.certificates.certificates import for_child
from core.enrolment import campaign, quotes
from core.errors import DomainError
from core.family.children import view as child_view
from core.rules.catalogue import BUDGET_REGISTERS, Register
from core.rules.enrolment import CertStatus
from core.rules.people import age_on
from core.storage.db import UnitOfWork
from core.storage.models import Group
from core.usecases.base import Area


class Catalogue(Area):
    async def municipalities(self, text: str = "") -> list[tuple[int, str]]:
        return await self.db.read(catalogue.municipalities, text)

    async def search(
        self, query: port.SearchQuery, parent_id: int | None = None, child_id: int | None = None
    ) -> port.Page:
        return await self.db.read(_search, query, parent_id, child_id)

    async def match_street(self, municipality_id: int | None, typed: str) -> port.StreetMatch:
        return await self.db.read(catalogue.match_street, municipality_id, typed)

    async def card(
        self,
        program_id: int,
        parent_id: int | None = None,
        child_id: int | None = None,
        only: int | None = None,
    ) -> port.CardView:
        """``child_id``: the child a search was made for; ``only``: a child's own account
        (the card quotes that child alone)."""
        return await self.db.read(_card, program_id, parent_id, child_id, only)

    async def rate_target(self, parent_id: int, application_id: int) -> port.RateTarget:
        return await self.db.read(reviews.target, parent_id, application_id)

    async def rate(self, parent_id: int, application_id: int, stars: int, text: str) -> int:
        return await self.db.run(reviews.rate, parent_id, application_id, stars, text)


async def _card(
    uow: UnitOfWork,
    program_id: int,
    parent_id: int | None,
    child_id: int | None,
    only: int | None,
) -> port.CardView:
    """The program, and for a child the quote of its first group (or why not); for a
    program of one group, the quote the card carries with its apply button."""
    c = await catalogue.card(uow, program_id)
    now = await campaign.season(uow, c.municipality_id, c.start_month, c.end_month)
    rated = await reviews.ratings(uow, program_id, (c.rated, c.stars))
    if child_id is None and parent_id is not None and len(c.groups) == 1 and now.open:
        ready = await _ready(uow, c, parent_id, only)
        return port.CardView(c, season=now, ratings=rated, ready=ready)
    result = await _quoted(uow, c, now, parent_id, child_id)
    return dataclasses.replace(result, ratings=rated)


async def _ready(
    uow: UnitOfWork, c: port.ProgramCard, parent_id: int, only: int | None
) -> port.ApplyQuote | None:
    """From an announcement, a notice or a link (no child searched for): the quote of
    the group for the family's only child of the program's age, or None (no consent, no
    such child or several, a refusal): the group's button then leads on and says why.
    One statement: the family's children with what the quote reads of them and of the
    group (the card knows the program's ages: the one child is picked here)."""
    today = uow.today
    of_age = [
        rows
        for rows in await quotes.family_quotes(uow, parent_id, c.groups[0].id)
        if (only is None or rows[0].child_id == only)
        and c.age_min <= age_on(rows[0].birth_date, today) <= c.age_max
    ]
    if len(of_age) != 1:
        return None
    one = of_age[0]
    try:
        return await quotes.quote_application(
            uow, parent_id, one[0].child_id, c.groups[0].id, known=one[0], group_rows=one
        )
    except DomainError:
        return None


async def _quoted(
    uow: UnitOfWork,
    c: port.ProgramCard,
    now: port.Season,
    parent_id: int | None,
    child_id: int | None,
) -> port.CardView:
    if parent_id is None or child_id is None or not c.groups or not now.open:
        # the summer before applications open: the card says when (no quote, no button)
        return port.CardView(c, season=now)
    one = c.groups[0].id if len(c.groups) == 1 else None
    if c.register != Register.CERTIFIED or c.art_school:
        why = await _why_not(uow, parent_id, child_id, c.groups[0].id)
        ready = None
        if why is None and one is not None:
            with contextlib.suppress(DomainError):
                ready = await quotes.quote_application(uow, parent_id, child_id, one)
        return port.CardView(c, season=now, why_not=why, ready=ready)
    try:
        q = await quotes.quote_application(uow, parent_id, child_id, c.groups[0].id)
    except DomainError as exc:
        return port.CardView(c, refusal=exc, why_not=exc, season=now)
    return port.CardView(c, quote=q, season=now, ready=q if one is not None else None)


# the registers a child's certificate opens, for the search's "by my certificate": a
# funded one pays for the certified programs, one of учёта opens the budget ones
MINE: dict[CertStatus, tuple[str, ...]] = {
    CertStatus.FUNDED: (Register.CERTIFIED.value,),
    CertStatus.ACCOUNTING: tuple(sorted(r.value for r in BUDGET_REGISTERS)),
    CertStatus.QUEUED: tuple(sorted(r.value for r in BUDGET_REGISTERS)),
}


async def _search(
    uow: UnitOfWork, q: port.SearchQuery, parent_id: int | None, child_id: int | None
) -> port.Page:
    """A page of the search; for a child of the family, why each program would be refused
    now (the rules of an application, read without a lock: at most a page of programs)."""
    for_kid = parent_id is not None and child_id is not None
    if q.pay == "mine":
        registers: tuple[str, ...] = ()
        if for_kid:
            await child_view(uow, parent_id, child_id)  # type: ignore[arg-type]
            cert = await for_child(uow, child_id)  # type: ignore[arg-type]
            registers = MINE.get(CertStatus(cert.status), ()) if cert is not None else ()
        q = replace(q, registers=registers)
    page = await catalogue.search(uow, q)
    if not for_kid or not page.items:
        return page
    firsts = dict(
        (
            await uow.session.execute(
                select(Group.program_id, func.min(Group.id))
                .where(Group.program_id.in_([r.id for r in page.items]))
                .group_by(Group.program_id)
            )
        ).all()
    )
    items = []
    for row in page.items:
        group = firsts.get(row.id)
        why = None if group is None else await _why_not(uow, parent_id, child_id, group)  # type: ignore[arg-type]
        items.append(replace(row, why_not=why))
    return replace(page, items=items)


async def _why_not(
    uow: UnitOfWork, parent_id: int, child_id: int, group_id: int
) -> DomainError | None:
    """Why the child's application to the group would be refused now, or None."""
    try:
        await quotes.facts(uow, parent_id, child_id, group_id, lock=False)
    except DomainError as exc:
        if exc.code == "child_not_found":
            raise
        return exc
    return None
