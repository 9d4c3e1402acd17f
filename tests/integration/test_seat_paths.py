"""Every way a seat frees or is added reaches the waiting list the same way (held for the
first, told, with a deadline): a catalogue import raising a full group's seats, the new
year ending last year's applications, the worker's sweep; a lowered count never puts a
child out of a group."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.accounting import new_year
from core.catalogue import catalogue_import, municipalities_import
from core.enrolment import enrolment
from core.storage.models import Application, Group, Outbox, Program
from core.usecases import jobs
from tests.support.world import HEADER, catalogue_row, group_id, parent_with_child, setup_region


async def _full_group(db, waiting: int = 3):  # type: ignore[no-untyped-def]
    """g1 of one seat, taken, and ``waiting`` families on its list."""
    await setup_region(db, rows=[catalogue_row(1, seats=1, price=1000)])
    g = await group_id(db, "g1")
    people = [await parent_with_child(db, str(n + 1)) for n in range(waiting + 1)]
    apps = [await db.run(enrolment.apply, p, c, g) for p, c in people]
    return g, people, apps


async def _statuses(db, apps: list[int]) -> list[tuple[str, datetime | None]]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        found = {
            a.id: (a.status, a.hold_until)
            for a in await uow.session.scalars(select(Application).where(Application.id.in_(apps)))
        }
    return [found[a] for a in apps]


async def _seats(db, g: int) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        group = await uow.session.get(Group, g)
        program = await uow.session.get(Program, group.program_id)
        return group.seats, group.taken, group.waiting, program.free_seats


async def _offers(db) -> list[int]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        rows = await uow.session.scalars(
            select(Outbox).where(Outbox.kind == "seat_offered").order_by(Outbox.id)
        )
        return [r.payload["application_id"] for r in rows]


def _catalog(seats: int) -> str:
    return HEADER + "\n" + catalogue_row(1, seats=seats, price=1000) + "\n"


async def test_an_import_raising_seats_offers_them_down_the_list(db, clock):
    g, _, apps = await _full_group(db)
    report = await catalogue_import.import_catalogue_file(db, _catalog(3))
    assert report.ok, report.errors
    # two seats added: held for the first two waiting, in order, each told; the third waits
    held = clock() + timedelta(hours=24)
    assert await _statuses(db, apps) == [
        ("submitted", None),
        ("offered", held),
        ("offered", held),
        ("waiting", None),
    ]
    assert await _seats(db, g) == (3, 3, 1, 0)
    assert await _offers(db) == apps[1:3]
    # the same file again changes nothing and offers nothing twice
    report = await catalogue_import.import_catalogue_file(db, _catalog(3))
    assert (report.ok, report.updated) == (True, 1)
    assert await _seats(db, g) == (3, 3, 1, 0)
    assert await _offers(db) == apps[1:3]


async def test_an_import_in_one_transaction_offers_them_too(db, clock):
    g, _, apps = await _full_group(db, waiting=1)
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(uow, _catalog(2))
        await uow.commit()
    assert report.ok, report.errors
    assert [s for s, _ in await _statuses(db, apps)] == ["submitted", "offered"]
    assert await _seats(db, g) == (2, 2, 0, 0)


async def test_lowering_seats_never_evicts_nor_oversells(db, clock):
    g, people, apps = await _full_group(db, waiting=1)
    await db.run(enrolment.cancel, people[0][0], apps[0])  # the seat is held for the second
    report = await catalogue_import.import_catalogue_file(db, _catalog(4))
    assert report.ok
    assert await _seats(db, g) == (4, 1, 0, 3)
    # lowered to what is held: fine; below it: the row is refused and nothing moves
    report = await catalogue_import.import_catalogue_file(db, _catalog(1))
    assert report.ok and await _seats(db, g) == (1, 1, 0, 0)
    report = await catalogue_import.import_catalogue_file(db, _catalog(0))
    assert [(line, e.code, e.column) for line, e in report.errors] == [
        (2, "seats-below-taken", "seats")
    ]
    assert await _seats(db, g) == (1, 1, 0, 0)
    assert [s for s, _ in await _statuses(db, apps)] == ["cancelled", "offered"]


async def test_the_new_year_offers_the_seats_it_frees_and_clears_old_holds(db, clock):
    """Last year's family D was offered the seat; this year's family B applied in the
    summer campaign and waits behind it. 1 September ends D's application (no deadline
    left on it) and the seat goes to B."""
    munis = (
        "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
        "applications_open\n"
        "town,Город,Регион,2026,10,12000,2,\n"
        "town,Город,Регион,2027,10,12000,2,01.06.2027\n"
    )
    async with db.uow() as uow:
        assert (await municipalities_import.import_municipalities(uow, munis)).ok
        assert (await catalogue_import.import_catalogue(uow, _catalog(1))).ok
        await uow.commit()
    g = await group_id(db, "g1")
    a, d, b = [await parent_with_child(db, str(n)) for n in (1, 2, 3)]
    app_a = await db.run(enrolment.apply, *a, g)
    app_d = await db.run(enrolment.apply, *d, g)
    clock.set(datetime(2027, 6, 10, 9, 0))
    app_b = await db.run(enrolment.apply, *b, g)  # for 2027/28
    await db.run(enrolment.cancel, a[0], app_a)
    assert [s for s, _ in await _statuses(db, [app_d, app_b])] == ["offered", "waiting"]
    clock.set(datetime(2027, 9, 1, 6, 0))
    async with db.uow() as uow:
        await new_year.open_year(uow, 2027, close_missing=True)
        await uow.commit()
    assert await _statuses(db, [app_d, app_b]) == [
        ("cancelled", None),
        ("offered", clock() + timedelta(hours=24)),
    ]
    assert await _seats(db, g) == (1, 1, 0, 0)
    assert app_b in await _offers(db)


async def test_the_worker_sweep_offers_a_seat_left_free_next_to_a_list(db, clock):
    """Should a process stop between an import's chunk and its offers, the worker's
    regular pass finds the free seat and offers it."""
    g, _, apps = await _full_group(db, waiting=2)
    async with db.uow() as uow:
        await uow.session.execute(update(Group).where(Group.id == g).values(seats=2))
        await uow.session.execute(update(Program).values(free_seats=Program.free_seats + 1))
        await uow.commit()
    assert await jobs.expire_offers(db) == 0  # no hold lapsed
    assert [s for s, _ in await _statuses(db, apps)] == ["submitted", "offered", "waiting"]
    assert await _seats(db, g) == (2, 2, 1, 0)
