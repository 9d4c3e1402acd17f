"""Catalogue search and program cards."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from core.errors import DomainError
from core.rules.catalog import Direction, Register
from core.rules.text import fold
from core.storage.db import UnitOfWork
from core.storage.models import Group, Municipality, Program, Provider

PAGE_SIZE = 5
MAX_QUERY = 100  # a longer "free text" is cut: nobody searches by a paragraph


@dataclass(frozen=True, slots=True)
class SearchQuery:
    direction: Direction | None = None
    municipality_id: int | None = None
    age: int | None = None
    text: str = ""
    free_seats_only: bool = False
    certificate_only: bool = False
    page: int = 0
    page_size: int = PAGE_SIZE
    near: tuple[float, float] | None = None  # (lat, lon): sort by distance


@dataclass(frozen=True, slots=True)
class ProgramRow:
    id: int
    name: str
    provider: str
    price: int
    age_min: int
    age_max: int
    free_seats: int
    register: str
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ProgramRow]
    page: int
    total: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 0


@dataclass(frozen=True, slots=True)
class GroupView:
    id: int
    name: str
    schedule: str
    seats: int
    free: int


@dataclass(frozen=True, slots=True)
class ProgramCard:
    id: int
    name: str
    description: str
    provider: str
    art_school: bool
    municipality_id: int
    municipality: str
    address: str
    lat: float | None
    lon: float | None
    direction: Direction
    register: Register
    age_min: int
    age_max: int
    price: int
    start_month: int
    end_month: int
    groups: list[GroupView] = field(default_factory=list)

    @property
    def free_seats(self) -> int:
        return sum(g.free for g in self.groups)


def _filtered(q: SearchQuery) -> Select:
    stmt = select(Program.id).where(Program.active.is_(True))
    if q.direction is not None:
        stmt = stmt.where(Program.direction == q.direction.value)
    if q.municipality_id is not None:
        stmt = stmt.where(Program.municipality_id == q.municipality_id)
    if q.age is not None:
        stmt = stmt.where(Program.age_min <= q.age, Program.age_max >= q.age)
    if q.free_seats_only:
        stmt = stmt.where(Program.free_seats > 0)
    if q.certificate_only:
        stmt = stmt.where(Program.register == Register.CERTIFIED.value)
    text = fold(q.text)[:MAX_QUERY]
    for word in text.split()[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Program.search_text.like(f"%{escaped}%", escape="\\"))
    return stmt


async def search(uow: UnitOfWork, q: SearchQuery) -> Page:
    """Paged in a stable order: by name, then id (or by distance when a location is given)."""
    base = _filtered(q)
    total = int(await uow.session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    cols = (
        Program.id,
        Program.name,
        Provider.name,
        Program.price,
        Program.age_min,
        Program.age_max,
        Program.free_seats,
        Program.register,
        Program.lat,
        Program.lon,
    )
    stmt = (
        select(*cols)
        .join(Provider, Provider.id == Program.provider_id)
        .where(Program.id.in_(base))
    )
    if q.near is None:
        stmt = stmt.order_by(Program.name_folded, Program.id).offset(q.page * q.page_size)
        rows = (await uow.session.execute(stmt.limit(q.page_size))).all()
        items = [_row(r, None) for r in rows]
    else:
        # distance needs trigonometry SQLite lacks: sort the filtered set here (it is one
        # municipality's or direction's programs, not the whole region)
        rows = (await uow.session.execute(stmt)).all()
        ranked = sorted(
            ((_distance(q.near, r.lat, r.lon), r) for r in rows),
            key=lambda pair: (pair[0], pair[1].id),
        )
        start = q.page * q.page_size
        items = [
            _row(r, None if d == math.inf else d) for d, r in ranked[start : start + q.page_size]
        ]
    return Page(items=items, page=q.page, total=total, page_size=q.page_size)


def _row(r, distance: float | None) -> ProgramRow:  # type: ignore[no-untyped-def]
    return ProgramRow(
        id=r[0],
        name=r[1],
        provider=r[2],
        price=r[3],
        age_min=r[4],
        age_max=r[5],
        free_seats=r[6],
        register=r[7],
        distance_km=distance,
    )


def _distance(here: tuple[float, float], lat: float | None, lon: float | None) -> float:
    if lat is None or lon is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (here[0], here[1], lat, lon))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(a))


async def card(uow: UnitOfWork, program_id: int) -> ProgramCard:
    row = (
        await uow.session.execute(
            select(Program, Provider, Municipality)
            .join(Provider, Provider.id == Program.provider_id)
            .join(Municipality, Municipality.id == Program.municipality_id)
            .where(Program.id == program_id, Program.active.is_(True))
        )
    ).first()
    if row is None:
        raise DomainError("program_not_found")
    program, provider, muni = row
    groups = await uow.session.scalars(
        select(Group).where(Group.program_id == program_id).order_by(Group.id)
    )
    return ProgramCard(
        id=program.id,
        name=program.name,
        description=program.description,
        provider=provider.name,
        art_school=provider.art_school,
        municipality_id=muni.id,
        municipality=muni.name,
        address=program.address,
        lat=program.lat,
        lon=program.lon,
        direction=Direction(program.direction),
        register=Register(program.register),
        age_min=program.age_min,
        age_max=program.age_max,
        price=program.price,
        start_month=program.start_month,
        end_month=program.end_month,
        groups=[GroupView(g.id, g.name, g.schedule, g.seats, g.seats - g.taken) for g in groups],
    )


async def municipalities(uow: UnitOfWork, text: str = "") -> list[tuple[int, str]]:
    rows = await uow.session.execute(select(Municipality.id, Municipality.name))
    needle = fold(text)
    found = [(i, n) for i, n in rows if needle in fold(n)]
    return sorted(found, key=lambda item: fold(item[1]))
