"""Catalogue search and program cards."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, bindparam, false, func, select

from core.errors import DomainError
from core.rules.catalogue import Direction, Register, short_provider, street_key, street_of
from core.rules.text import fold
from core.storage import text_search
from core.storage.db import UnitOfWork
from core.storage.fast import hot
from core.storage.models import Group, Municipality, Program, Provider, Review

PAGE_SIZE = 10
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
    # "free" (price 0), "paid" (a price), "mine": the registers the child's certificate
    # opens (``registers``, filled by the use case from the certificate; none: nothing)
    pay: str = ""
    registers: tuple[str, ...] = ()
    online: bool = False
    ovz: bool = False  # suitable for children with disabilities


# what "nothing found" may drop, each on its own, in the order offered: the fields of
# the query that dropping it resets
DROPS: dict[str, dict[str, object]] = {
    "text": {"text": ""},
    "age": {"age": None},
    "muni": {"municipality_id": None},
    "direction": {"direction": None},
    "pay": {"pay": "", "registers": ()},
    "online": {"online": False},
    "ovz": {"ovz": False},
    "free": {"free_seats_only": False},
}
WIDENINGS = tuple(DROPS)


def widened(q: SearchQuery, drop: str) -> SearchQuery:
    """The query without one of its conditions (a WIDENINGS key)."""
    return replace(q, page=0, **DROPS[drop])  # type: ignore[arg-type]


def active(q: SearchQuery, drop: str) -> bool:
    """Whether the query has the condition ``drop`` to drop."""
    return widened(q, drop) != replace(q, page=0)


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
    municipality: str = ""  # the district, so namesakes differ
    online: bool = False
    ovz: bool = False
    # for the child searched for: why an application would be refused now (its code and
    # parameters), None when it may be made (a full group's is a waiting list: no refusal)
    why_not: DomainError | None = None

    @property
    def applicable(self) -> bool:
        return self.why_not is None

    @property
    def provider_short(self) -> str:
        return short_provider(self.provider)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ProgramRow]
    page: int
    total: int
    page_size: int
    # when nothing was found: each condition whose dropping finds something, with the
    # count (capped at COUNT_CAP + 1), in the order of WIDENINGS
    widen: tuple[tuple[str, int], ...] = ()

    @property
    def more(self) -> bool:
        """The count was capped: there are more than ``total`` results."""
        return self.total > COUNT_CAP

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
    waiting: int = 0  # applications on the group's waiting list
    teacher: str = ""  # who teaches it; "" when the catalogue names nobody


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
    rated: int = 0  # visible ratings of families
    stars: float = 0.0  # their average

    @property
    def free_seats(self) -> int:
        return sum(g.free for g in self.groups)


COUNT_CAP = 200  # "more than 200 found, narrow it down" is all a parent needs in a chat


async def _where(uow: UnitOfWork, q: SearchQuery) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = [Program.active.is_(True)]
    if q.direction is not None:
        cond.append(Program.direction == q.direction.value)
    if q.municipality_id is not None:
        cond.append(Program.municipality_id == q.municipality_id)
    if q.age is not None:
        cond += [Program.age_min <= q.age, Program.age_max >= q.age]
    if q.free_seats_only:
        cond.append(Program.free_seats > 0)
    if q.certificate_only:
        cond.append(Program.register == Register.CERTIFIED.value)
    if q.pay == "free":
        cond.append(Program.price == 0)
    elif q.pay == "paid":
        cond.append(Program.price > 0)
    elif q.pay == "mine":
        cond.append(Program.register.in_(q.registers) if q.registers else false())
    if q.online:
        cond.append(Program.online.is_(True))
    if q.ovz:
        cond.append(Program.ovz.is_(True))
    text = fold(q.text)[:MAX_QUERY]
    words = text.split()[:5]
    if words:
        cond.append(await text_search.contains_all(uow.session, uow.dialect, words))
    return cond


async def search(uow: UnitOfWork, q: SearchQuery) -> Page:
    """Paged in a stable order: by name, then id (or by distance when a location is given).

    The page query walks the (filters…, name_folded, id) indexes in order and stops after
    the page; the count stops at COUNT_CAP + 1, so a broad query costs no more than a
    narrow one.
    """
    cond = await _where(uow, q)
    total = await _count(uow, cond)
    stmt = (
        select(
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
            Municipality.name,
            Program.online,
            Program.ovz,
        )
        .join(Provider, Provider.id == Program.provider_id)
        .join(Municipality, Municipality.id == Program.municipality_id)
        .where(*cond)
    )
    if q.near is None:
        stmt = stmt.order_by(Program.name_folded, Program.id)
        rows = (
            await uow.session.execute(stmt.offset(q.page * q.page_size).limit(q.page_size))
        ).all()
    else:
        rows = await _nearest(uow, stmt, q, total)
    items = [_row(r, None if q.near is None else _distance(q.near, r[8], r[9])) for r in rows]
    widen = () if total else await widenings(uow, q)
    return Page(items=items, page=q.page, total=total, page_size=q.page_size, widen=widen)


async def _count(uow: UnitOfWork, cond: list[ColumnElement[bool]]) -> int:
    capped = select(Program.id).where(*cond).limit(COUNT_CAP + 1).subquery()
    return int(await uow.session.scalar(select(func.count()).select_from(capped)) or 0)


async def widenings(uow: UnitOfWork, q: SearchQuery) -> tuple[tuple[str, int], ...]:
    """Each condition of ``q`` whose dropping alone finds something, with how many: one
    capped count a condition, in the database (nothing fetched to count)."""
    found = []
    for drop in WIDENINGS:
        if active(q, drop):
            n = await _count(uow, await _where(uow, widened(q, drop)))
            if n:
                found.append((drop, n))
    return tuple(found)


NEAR_START_KM = 0.1
NEAR_STEPS = 10  # a box short of places triples: 0.1 km to about 2,000 km, then the whole set


async def _nearest(uow: UnitOfWork, stmt, q: SearchQuery, total: int):
    """A page in order of distance, read through the (lat, lon) indexes: a box around the
    point; short of places it triples, and when it holds enough but the page's last one
    lies outside the circle the box contains, it grows to that place's distance (a box
    holding that circle holds everything nearer), so a dense city answers from two small
    boxes and a sparse district from a few empty ones; then the whole set only if still
    short. A region answers from a few hundred rows instead of sorting every program."""
    # equirectangular distance: plain arithmetic both dialects have, exact enough to
    # order places within a region; the card shows the great-circle distance
    lat0, lon0 = q.near  # type: ignore[misc]
    k = math.cos(math.radians(lat0))
    dist = (Program.lat - lat0) * (Program.lat - lat0) + (Program.lon - lon0) * (
        Program.lon - lon0
    ) * (k * k)
    need = (q.page + 1) * q.page_size
    if total > COUNT_CAP or total >= need:
        radius = NEAR_START_KM / 111.2  # degrees of latitude
        for _ in range(NEAR_STEPS):
            box = (
                Program.lat.between(lat0 - radius, lat0 + radius),
                Program.lon.between(lon0 - radius / k, lon0 + radius / k),
            )
            found = (
                await uow.session.execute(
                    stmt.add_columns(dist).where(*box).order_by(dist, Program.id).limit(need)
                )
            ).all()
            if len(found) < need:
                radius *= 3
                continue
            farthest = found[-1][-1]
            if farthest <= radius * radius:
                return [r[:-1] for r in found[q.page * q.page_size :]]
            # a hair wider than the farthest: the float arithmetic of the two sides
            radius = math.sqrt(farthest) * (1 + 1e-9)
    ordered = stmt.order_by(Program.lat.is_(None), dist, Program.id)
    return (
        await uow.session.execute(ordered.offset(q.page * q.page_size).limit(q.page_size))
    ).all()


def _row(r, distance: float | None) -> ProgramRow:
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
        municipality=r[10],
        online=r[11],
        ovz=r[12],
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


# the card and its seats, what an opening-day storm reads most: one statement built once
# (a row per group), plain columns, read without a lock (a reader: no transaction at all
# on PostgreSQL)
_CARD = (
    select(
        Program.id,
        Program.name,
        Program.description,
        Provider.name.label("provider"),
        Provider.art_school,
        Municipality.id.label("municipality_id"),
        Municipality.name.label("municipality"),
        Program.address,
        Program.lat,
        Program.lon,
        Program.direction,
        Program.register,
        Program.age_min,
        Program.age_max,
        Program.price,
        Program.start_month,
        Program.end_month,
        Group.id.label("group_id"),
        Group.name.label("group_name"),
        Group.schedule,
        Group.seats,
        Group.taken,
        Group.waiting,
        Group.teacher,
        # the families' visible ratings, in the same statement (a card is one read)
        select(func.count())
        .where(Review.program_id == Program.id, Review.hidden_at.is_(None))
        .scalar_subquery()
        .label("rated"),
        select(func.avg(Review.stars))
        .where(Review.program_id == Program.id, Review.hidden_at.is_(None))
        .scalar_subquery()
        .label("stars"),
    )
    .join(Provider, Provider.id == Program.provider_id)
    .join(Municipality, Municipality.id == Program.municipality_id)
    .outerjoin(Group, Group.program_id == Program.id)
    .where(Program.id == bindparam("program_id"), Program.active.is_(True))
    .order_by(Group.id)
)


async def card(uow: UnitOfWork, program_id: int) -> ProgramCard:
    rows = (await uow.core(_CARD, {"program_id": program_id})).all()
    if not rows:
        raise DomainError("program_not_found")
    p = rows[0]
    return ProgramCard(
        id=p.id,
        name=p.name,
        description=p.description,
        provider=p.provider,
        art_school=p.art_school,
        municipality_id=p.municipality_id,
        municipality=p.municipality,
        address=p.address,
        lat=p.lat,
        lon=p.lon,
        direction=Direction(p.direction),
        register=Register(p.register),
        age_min=p.age_min,
        age_max=p.age_max,
        price=p.price,
        start_month=p.start_month,
        end_month=p.end_month,
        groups=[
            GroupView(
                g.group_id,
                g.group_name,
                g.schedule,
                g.seats,
                g.seats - g.taken,
                g.waiting,
                g.teacher or "",
            )
            for g in rows
            if g.group_id is not None
        ],
        rated=int(p.rated or 0),
        stars=float(p.stars or 0),
    )


async def municipalities(uow: UnitOfWork, text: str = "") -> list[tuple[int, str]]:
    rows = await uow.session.execute(select(Municipality.id, Municipality.name))
    needle = fold(text)
    found = [(i, n) for i, n in rows if needle in fold(n)]
    return sorted(found, key=lambda item: fold(item[1]))


@dataclass(frozen=True, slots=True)
class StreetMatch:
    """A typed address matched against the streets of the catalogue's venues: the street
    and a point on it (its venues' middle), or ``street`` None and some streets there are."""

    street: str | None
    municipality: str = ""
    lat: float = 0.0
    lon: float = 0.0
    examples: tuple[str, ...] = ()


STREET_EXAMPLES = 3


async def match_street(uow: UnitOfWork, municipality_id: int | None, typed: str) -> StreetMatch:
    """The street of ``typed`` among the venues' streets of the municipality (every one
    when None) that have coordinates: each word of the street's name among the typed
    words, the longest name winning (ул. Ленина and ул. Ленина-Калинина)."""
    stmt = (
        select(Program.address, Program.lat, Program.lon, Municipality.name)
        .join(Municipality, Municipality.id == Program.municipality_id)
        .where(Program.active.is_(True), Program.lat.is_not(None), Program.lon.is_not(None))
        .order_by(Municipality.name, Program.id)
    )
    if municipality_id is not None:
        stmt = stmt.where(Program.municipality_id == municipality_id)
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    names: dict[tuple[str, str], str] = {}
    for address, lat, lon, muni in await uow.session.execute(stmt):
        street = street_of(address or "")
        key = street_key(street) if street else ""
        if not key:
            continue
        points.setdefault((muni, key), []).append((lat or 0.0, lon or 0.0))
        names.setdefault((muni, key), street)  # type: ignore[arg-type]
    words = set(street_key(typed).split())
    best: tuple[str, str] | None = None
    for muni, key in points:
        if words and set(key.split()) <= words and (best is None or len(key) > len(best[1])):
            best = (muni, key)
    if best is None:
        examples = sorted({names[k] for k in names}, key=fold)[:STREET_EXAMPLES]
        return StreetMatch(None, examples=tuple(examples))
    here = points[best]
    lat = sum(p[0] for p in here) / len(here)
    lon = sum(p[1] for p in here) / len(here)
    return StreetMatch(names[best], best[0], round(lat, 5), round(lon, 5))


# run by the short way on PostgreSQL (core/storage/fast.py): the opening-day storm's
for _hot in (_CARD,):
    hot(_hot)
