"""The report's figures on both databases, against a small world the test builds from a
description (rows written straight to the tables); every expected number is counted here
in plain Python from that description, never by the report's queries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select

from core.catalogue import municipalities_import
from core.errors import DomainError
from core.reports import build
from core.rules.calendar import month_index
from core.storage.db import DEFAULT_TIMEZONE, Database
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Group,
    LedgerEntry,
    Municipality,
    MunicipalityYear,
    Parent,
    Program,
    Provider,
)
from tests.support.world import accept_contract

ZONE = ZoneInfo(DEFAULT_TIMEZONE)
NOW = datetime(2027, 2, 10, 9, 0)  # UTC; school year 2026/27, September to February
SEP, FEB = month_index(2026, 9), month_index(2027, 2)
NOW_START = datetime(2026, 10, 5, 12, 0)  # the test clock's start (tests/conftest.py)
DIRECTIONS = ("technical", "science", "sports", "arts", "tourism", "social")
HOLDS_SEAT = ("submitted", "accepted", "enrolled", "offered")
OPEN = (*HOLDS_SEAT, "waiting")


@dataclass
class Muni:
    id: int
    code: str
    children: int | None
    year: int | None
    quota: int
    nominal: int


@dataclass
class Kid:
    id: int
    muni: int
    cert: str | None  # the certificate's status, None: none requested
    requested: datetime | None


@dataclass
class Prog:
    id: int
    muni: int
    provider: int
    direction: str
    active: bool
    seats: list[int]  # one group per entry


@dataclass
class App:
    id: int
    child: int
    program: int
    group: int
    status: str


@dataclass
class Entry:
    cert: int
    kind: str
    total: int
    reserved: int
    month: int | None
    at: datetime


@dataclass
class World:
    munis: list[Muni]
    kids: list[Kid]
    progs: list[Prog]
    apps: list[App]
    ledger: list[Entry]


def describe(seed: int = 7) -> World:
    rnd = random.Random(seed)
    munis = [
        Muni(1, "north", 40, 2026, 12, 1_000_000),
        Muni(2, "south", 25, 2025, 5, 2_000_000),
        Muni(3, "east", None, None, 3, 500_000),  # children not counted
    ]
    statuses = [None, "awaiting", "rejected", "accounting", "queued", "funded", "closed"]
    kids = []
    for i in range(1, 61):
        status = rnd.choice(statuses)
        requested = None
        if status in ("queued", "funded"):
            requested = NOW - timedelta(days=rnd.randint(1, 200), hours=rnd.randint(0, 23))
        kids.append(Kid(i, rnd.choice((1, 1, 2, 3)), status, requested))
    progs = []
    for p in range(1, 13):
        seats = [rnd.choice((0, 3, 5, 8)) for _ in range(rnd.randint(0, 3))]
        progs.append(
            Prog(
                p, rnd.choice((1, 2, 3)), rnd.randint(1, 4), rnd.choice(DIRECTIONS), p != 5, seats
            )
        )
    groups = [(p.id, n) for p in progs for n in range(len(p.seats))]
    apps = []
    open_pairs: set[tuple[int, int]] = set()
    app_statuses = [*list(HOLDS_SEAT), "waiting", "finished", "cancelled", "rejected"]
    for a in range(1, 91):
        program, n = rnd.choice(groups)
        kid = rnd.choice(kids)
        status = rnd.choice(app_statuses)
        if status in OPEN and (kid.id, program) in open_pairs:
            status = "cancelled"  # one open application of a child to a program
        if status in OPEN:
            open_pairs.add((kid.id, program))
        apps.append(App(a, kid.id, program, program * 10 + n, status))
    ledger = []
    for kid in kids:
        if kid.cert not in ("funded", "accounting", "closed"):
            continue
        day = datetime(2026, rnd.choice((6, 8, 9, 10, 12)), rnd.randint(1, 28), 8)
        ledger.append(Entry(kid.id, "credit", 1_000_000, 0, None, day))
        held = rnd.randint(1, 4) * 100_000
        ledger.append(Entry(kid.id, "reserve", 0, held, None, day + timedelta(days=20)))
        served = rnd.choice((SEP, SEP + 1, SEP + 2, SEP + 3))
        debit, back = rnd.randint(1, 5) * 10_000, rnd.randint(0, 3) * 1_000
        # made on the 1st of the next month: the month served is what counts
        ledger.append(Entry(kid.id, "debit", -debit, -debit - back, served, day + timedelta(60)))
        if rnd.random() < 0.4:
            ledger.append(Entry(kid.id, "release", 0, -10_000, None, day + timedelta(days=70)))
        if rnd.random() < 0.3:
            ledger.append(Entry(kid.id, "expire", -50_000, 0, None, day + timedelta(days=90)))
    # the region's midnight, not UTC's: 30 September 22:00 UTC is 1 October in Moscow
    ledger.append(Entry(kids[0].id, "credit", 7_000, 0, None, datetime(2026, 9, 30, 22, 0)))
    ledger.append(Entry(kids[0].id, "credit", 3_000, 0, None, datetime(2026, 9, 30, 20, 59)))
    return World(munis, kids, progs, apps, ledger)


async def write(db: Database, w: World) -> None:
    rows: list[tuple[object, list[dict]]] = [
        (
            Municipality,
            [
                {
                    "id": m.id,
                    "code": m.code,
                    "name": m.code.title(),
                    "children_5_17": m.children,
                    "children_5_17_year": m.year,
                }
                for m in w.munis
            ],
        ),
        (
            MunicipalityYear,
            [
                {
                    "municipality_id": m.id,
                    "school_year": 2026,
                    "funded_quota": m.quota,
                    "nominal": m.nominal,
                }
                for m in w.munis
            ],
        ),
        (
            Provider,
            [{"id": p, "external_id": f"pr{p}", "name": f"Центр {p}"} for p in range(1, 5)],
        ),
        (Parent, [{"id": k.id, "created_at": NOW} for k in w.kids]),
        (
            Child,
            [
                {
                    "id": k.id,
                    "parent_id": k.id,
                    "surname": "Тестов",
                    "name": "Тест",
                    "birth_date": datetime(2015, 1, 1).date(),
                    "municipality_id": k.muni,
                    "created_at": NOW,
                }
                for k in w.kids
            ],
        ),
        (
            Certificate,
            [
                {
                    "id": k.id,
                    "child_id": k.id,
                    "municipality_id": k.muni,
                    "number": f"n{k.id}",
                    "status": k.cert,
                    "issued_at": NOW,
                    "funding_requested_at": k.requested,
                    "total": 10**9,
                    "reserved": 0,
                }
                for k in w.kids
                if k.cert is not None
            ],
        ),
        (
            Program,
            [
                {
                    "id": p.id,
                    "external_id": f"p{p.id}",
                    "provider_id": p.provider,
                    "municipality_id": p.muni,
                    "name": f"Программа {p.id}",
                    "name_folded": f"программа {p.id}",
                    "direction": p.direction,
                    "register": "certified",
                    "age_min": 5,
                    "age_max": 17,
                    "price": 100_000,
                    "start_month": 9,
                    "end_month": 5,
                    "active": p.active,
                }
                for p in w.progs
            ],
        ),
    ]
    groups = []
    for p in w.progs:
        for n, seats in enumerate(p.seats):
            gid = p.id * 10 + n
            mine = [a for a in w.apps if a.group == gid]
            taken = sum(a.status in HOLDS_SEAT for a in mine)
            groups.append(
                {
                    "id": gid,
                    "external_id": f"g{gid}",
                    "program_id": p.id,
                    "name": "Группа",
                    "seats": max(seats, taken),
                    "taken": taken,
                    "waiting": sum(a.status == "waiting" for a in mine),
                }
            )
    rows.append((Group, groups))
    rows.append(
        (
            Application,
            [
                {
                    "id": a.id,
                    "child_id": a.child,
                    "parent_id": a.child,
                    "certificate_id": None,
                    "program_id": a.program,
                    "group_id": a.group,
                    "status": a.status,
                    "register": "certified",
                    "first_month": SEP,
                    "last_month": SEP + 8,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for a in w.apps
            ],
        )
    )
    rows.append(
        (
            LedgerEntry,
            [
                {
                    "key": f"k{n}",
                    "certificate_id": e.cert,
                    "kind": e.kind,
                    "total_delta": e.total,
                    "reserved_delta": e.reserved,
                    "month": e.month,
                    "created_at": e.at,
                }
                for n, e in enumerate(w.ledger)
            ],
        )
    )
    async with db.engine.begin() as conn:
        for table, values in rows:
            if values:
                await conn.execute(insert(table), values)  # type: ignore[arg-type]


def expected_group_seats(w: World, prog: Prog) -> tuple[int, int, int, int]:
    seats = taken = waiting = 0
    for n, s in enumerate(prog.seats):
        mine = [a for a in w.apps if a.group == prog.id * 10 + n]
        held = sum(a.status in HOLDS_SEAT for a in mine)
        seats += max(s, held)
        taken += held
        waiting += sum(a.status == "waiting" for a in mine)
    return len(prog.seats), seats, taken, waiting


def local_month(at: datetime) -> int:
    local = at.replace(tzinfo=UTC).astimezone(ZONE)
    return month_index(local.year, local.month)


@pytest.fixture
async def world(db, clock):
    clock.set(NOW)
    w = describe()
    await write(db, w)
    return w


async def _report(db, municipality_id=None):
    async with db.reader() as uow:
        return await build(uow, municipality_id)


async def test_coverage_and_queue_per_municipality_and_region(db, world):
    report = await _report(db)
    w = world
    by_muni = {c.municipality_id: c for c in report.coverage[:-1]}
    assert set(by_muni) == {1, 2, 3}
    for m in w.munis:
        kids = [k for k in w.kids if k.muni == m.id]
        studying = {a.child for a in w.apps if a.status == "enrolled"}
        c = by_muni[m.id]
        assert c.registered == len(kids)
        assert c.certified == sum(k.cert in ("accounting", "queued", "funded") for k in kids)
        assert c.funded == sum(k.cert == "funded" for k in kids)
        assert c.enrolled == sum(k.id in studying for k in kids)
        assert (c.children_5_17, c.counted_year) == (m.children, m.year)
        if m.children:
            assert c.share(c.funded) == pytest.approx(100 * c.funded / m.children)
        else:
            assert c.share(c.funded) is None
    total = report.total
    assert total.registered == len(w.kids)
    assert total.enrolled == len({a.child for a in w.apps if a.status == "enrolled"})
    # east's children are not counted: no share for the region
    assert total.children_5_17 is None and total.share(total.funded) is None

    queues = {q.municipality_id: q for q in report.queue}
    for m in w.munis:
        waiting = [k.requested for k in w.kids if k.muni == m.id and k.cert == "queued"]
        q = queues[m.id]
        assert q.length == len(waiting)
        if waiting:
            assert q.oldest_request == min(waiting)
            assert q.longest_wait_days == (NOW - min(waiting)).days
        else:
            assert q.oldest_request is None and q.longest_wait_days is None
    everyone = [k.requested for k in w.kids if k.cert == "queued"]
    assert queues[None].length == len(everyone)
    assert queues[None].longest_wait_days == (NOW - min(everyone)).days


async def test_one_municipality_sees_its_own(db, world):
    report = await _report(db, 1)
    kids = [k for k in world.kids if k.muni == 1]
    assert [c.municipality_id for c in report.coverage] == [1, None]
    assert report.total.registered == len(kids)
    assert report.total.children_5_17 == 40 and report.total.counted_year == 2026
    assert report.money.limit == 12 * 1_000_000
    progs = [p for p in world.progs if p.muni == 1 and p.active]
    assert sum(d.programs for d in report.directions) == len(progs)


async def test_money_by_month_against_the_limit(db, world):
    w = world
    for scope in (None, 1, 2):
        report = await _report(db, scope)
        certs = {k.id for k in w.kids if scope is None or k.muni == scope}
        entries = [e for e in w.ledger if e.cert in certs]

        def month_of(e: Entry) -> int:
            return e.month if e.month is not None else local_month(e.at)

        money = report.money
        assert (money.year, money.period) == (2026, "school")
        assert [m.month for m in money.months] == list(range(SEP, FEB + 1))
        assert money.opening_available == sum(
            e.total - e.reserved for e in entries if month_of(e) < SEP
        )
        for row in money.months:
            mine = [e for e in entries if month_of(e) == row.month]
            assert row.credited == sum(e.total for e in mine if e.kind == "credit")
            assert row.blocked == sum(e.reserved for e in mine if e.kind == "reserve")
            assert row.debited == -sum(e.total for e in mine if e.kind == "debit")
            assert row.expired == -sum(e.total for e in mine if e.kind == "expire")
            assert row.released == sum(
                e.total - e.reserved for e in mine if e.kind in ("release", "debit")
            )
            assert row.available == sum(
                e.total - e.reserved for e in entries if month_of(e) <= row.month
            )
        munis = [m for m in w.munis if scope is None or m.id == scope]
        assert money.limit == sum(m.quota * m.nominal for m in munis)
    # the region's midnight decides the month: 22:00 UTC on 30 September is October
    region = (await _report(db)).money.months
    first = w.kids[0]
    assert first.id in {e.cert for e in w.ledger}
    october = [e for e in w.ledger if local_month(e.at) == SEP + 1 and e.month is None]
    assert region[1].credited == sum(e.total for e in october if e.kind == "credit")


async def test_directions_and_organisations(db, world):
    w = world
    for scope in (None, 1, 3):
        report = await _report(db, scope)
        progs = [p for p in w.progs if p.active and (scope is None or p.muni == scope)]
        expected = {}
        for d in sorted({p.direction for p in progs}):
            mine = [expected_group_seats(w, p) for p in progs if p.direction == d]
            expected[d] = (
                sum(p.direction == d for p in progs),
                sum(g for g, _, _, _ in mine),
                sum(s for _, s, _, _ in mine),
                sum(t for _, _, t, _ in mine),
                sum(wt for _, _, _, wt in mine),
            )
        got = {
            d.direction: (d.programs, d.groups, d.seats, d.taken, d.waiting)
            for d in report.directions
        }
        assert got == expected

        in_scope = {p.id for p in w.progs if scope is None or p.muni == scope}
        provider_of = {p.id: p.provider for p in w.progs}
        orgs = {}
        for pid in {provider_of[p] for p in in_scope}:
            offered = [p for p in progs if p.provider == pid]
            apps = [a for a in w.apps if a.program in in_scope and provider_of[a.program] == pid]
            row = (
                len(offered),
                sum(expected_group_seats(w, p)[1] for p in offered),
                sum(a.status in ("accepted", "enrolled") for a in apps),
                len({a.child for a in apps if a.status == "enrolled"}),
            )
            if row != (0, 0, 0, 0):
                orgs[pid] = row
        got_orgs = {
            o.provider_id: (o.programs, o.seats, o.contracts, o.pupils)
            for o in report.organisations
        }
        assert got_orgs == orgs
        assert all(o.name == f"Центр {o.provider_id}" for o in report.organisations)


async def test_a_fixed_number_of_statements_whatever_the_size(db, world):
    """No query per municipality, program or provider: the region's report reads with
    the same handful of statements as one municipality's."""
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engines = db.sync_engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", hook)
    try:
        await db.read(build, None)
        region = len([s for s in seen if s.lstrip().upper().startswith("SELECT")])
        seen.clear()
        await db.read(build, 1)
        one = len([s for s in seen if s.lstrip().upper().startswith("SELECT")])
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", hook)
    assert region == one <= 10


async def test_an_unknown_municipality_is_refused(db, world):
    with pytest.raises(DomainError) as exc:
        await _report(db, 999)
    assert exc.value.code == "municipality_not_found"


async def test_an_empty_region(db, clock):
    clock.set(NOW)
    report = await _report(db)
    assert report.coverage[-1].registered == 0
    assert report.queue[-1].length == 0
    assert [m.available for m in report.money.months] == [0] * 6
    assert report.money.limit is None
    assert report.directions == () and report.organisations == ()


async def test_import_municipalities_counts_the_children(db):
    columns = "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit"
    head = f"{columns},children_5_17,children_5_17_year\n"
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow, head + "town,Город,Р,2026,10,12000,2,4200,2026\nvillage,Село,Р,2026,5,10000,2,,\n"
        )
        assert report.ok, report.errors
        await uow.commit()
    async with db.reader() as uow:
        found = dict(
            (
                await uow.session.execute(
                    select(
                        Municipality.code,
                        Municipality.children_5_17,
                    )
                )
            ).all()
        )
    assert found == {"town": 4200, "village": None}
    # a count without its year, or a bad one, is a row error; a file without the column
    # keeps what is stored
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow,
            head + "town,Город,Р,2026,10,12000,2,4300,\nvillage,Село,Р,2026,5,10000,2,-3,2026\n",
        )
        assert [(line, e.column) for line, e in report.errors] == [
            (2, "children_5_17_year"),
            (3, "children_5_17"),
        ]
        report = await municipalities_import.import_municipalities(
            uow, f"{columns}\ntown,Город,Р,2026,10,12000,2\n"
        )
        assert report.ok
        await uow.commit()
    async with db.reader() as uow:
        town = await uow.session.scalar(select(Municipality).where(Municipality.code == "town"))
        assert (town.children_5_17, town.children_5_17_year) == (4200, 2026)


async def test_a_region_run_by_the_services_adds_up(db, clock):
    """The world made by the use cases themselves (funding, the queue, an acceptance, a
    month's close): the report agrees with the certificates' own totals and with what
    each step said it did."""
    from datetime import date

    from core.accounting import month_close
    from core.enrolment import decisions, enrolment
    from core.staff import roles
    from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region

    await setup_region(db, quota=1, nominal=12000, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db, "1")
    await parent_with_child(db, "2")  # over the quota of 1: queued
    await parent_with_child(db, "3", certificate="accounting")
    await parent_with_child(db, "4", certificate=None)
    g = await group_id(db, "g1")
    staff = await db.run(roles.grant, "tg:100", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, g)
    assert (await db.run(accept_contract, staff, app)).done
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 12))
    async with db.reader() as uow:
        credited, blocked = (
            await uow.session.execute(
                select(Certificate.total, Certificate.reserved).where(
                    Certificate.child_id == child
                )
            )
        ).one()
    clock.set(datetime(2026, 11, 2, 9, 0))
    closed = await db.run(month_close.close_month, month_index(2026, 10))

    report = await _report(db, 1)
    town = report.total
    assert (town.registered, town.certified, town.funded, town.enrolled) == (4, 3, 1, 1)
    assert report.queue_total.length == 1
    assert report.queue_total.longest_wait_days == (datetime(2026, 11, 2) - NOW_START).days
    oct_ = report.money.months[1]
    assert oct_.month == month_index(2026, 10)
    assert (oct_.credited, oct_.blocked, oct_.debited) == (credited, blocked, closed.debited)
    async with db.reader() as uow:
        left = await uow.session.execute(select(Certificate.total, Certificate.reserved))
        available = sum(total - reserved for total, reserved in left.all())
    assert report.money.months[-1].available == available
    assert report.money.limit == 1 * 1_200_000
    (row,) = report.directions
    assert (row.programs, row.seats, row.taken, row.waiting) == (1, 10, 1, 0)
    (org,) = report.organisations
    assert (org.contracts, org.pupils) == (1, 1)
