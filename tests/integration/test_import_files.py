"""The operator's imports as they run from the command line: bad cells reported by line
and column with the good rows imported (or nothing, all or nothing), a file applied in
chunks that a family's action gets between, an honest report of a chunk that failed
and a re-run that makes it right, and optional columns left out keeping what is stored."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.catalogue import catalogue_import, municipalities_import
from core.enrolment import enrolment
from core.storage.models import Group, Municipality, MunicipalityYear, Program
from tests.support.world import HEADER, catalogue_row, group_id, parent_with_child, setup_region


async def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _bad_cells_file() -> str:
    return (
        "\n".join(
            [
                HEADER,
                catalogue_row(2),
                catalogue_row(3, price="NaN"),  # line 3
                catalogue_row(4, name="Робо\x00техника"),  # line 4: PostgreSQL refuses NUL
                catalogue_row(5).replace("Описание 5", "я" * 140_000),  # line 5
                catalogue_row(6, price="Infinity"),  # line 6
                catalogue_row(7),
            ]
        )
        + "\n"
    )


async def test_bad_cells_are_reported_by_line_and_column_and_good_rows_land(db):
    await setup_region(db, rows=[catalogue_row(1)])
    report = await catalogue_import.import_catalogue_file(db, _bad_cells_file())
    assert [(line, e.code, e.column) for line, e in report.errors] == [
        (3, "not-amount", "price_rub"),
        (4, "nul-character", "program_name"),
        (5, "too-long", "description"),
        (6, "not-amount", "price_rub"),
    ]
    assert (report.created, report.stopped_at) == (2, None)
    async with db.reader() as uow:
        names = set(await uow.session.scalars(select(Program.external_id)))
    assert names == {"p1", "p2", "p7"}


async def test_all_or_nothing_imports_nothing_when_a_row_is_bad(db):
    await setup_region(db, rows=[catalogue_row(1)])
    report = await catalogue_import.import_catalogue_file(
        db, _bad_cells_file(), all_or_nothing=True
    )
    assert report.nothing_applied and len(report.errors) == 4
    assert await _count(db, Program) == 1
    # a row the database refuses (a seat count below the children in the group): the one
    # transaction is rolled back, the good rows with it
    parent, child = await parent_with_child(db)
    await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    text = HEADER + "\n" + catalogue_row(2) + "\n" + catalogue_row(1, seats=0) + "\n"
    report = await catalogue_import.import_catalogue_file(db, text, all_or_nothing=True)
    assert report.nothing_applied
    assert [(line, e.code) for line, e in report.errors] == [(3, "seats-below-taken")]
    assert await _count(db, Program) == 1
    report = await catalogue_import.import_catalogue_file(
        db, HEADER + "\n" + catalogue_row(2) + "\n"
    )
    assert report.ok and await _count(db, Program) == 2


CHUNK = 20


def _file(rows: int, seats: int = 5) -> str:
    return HEADER + "\n" + "\n".join(catalogue_row(n, seats=seats) for n in rows_of(rows)) + "\n"


def rows_of(count: int) -> range:
    return range(1, count + 1)


async def test_a_chunk_that_fails_is_reported_and_a_rerun_makes_it_right(db, monkeypatch):
    await setup_region(db, rows=[catalogue_row(1, seats=1)])
    real = catalogue_import._apply_catalogue
    calls = 0

    async def third_chunk_fails(uow, part, report):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("the database went away")
        return await real(uow, part, report)

    monkeypatch.setattr(catalogue_import, "_apply_catalogue", third_chunk_fails)
    report = await catalogue_import.import_catalogue_file(db, _file(25), chunk=10)
    # lines 2-21 (two chunks) landed, line 22 on did not: the report says where
    assert (report.stopped_at, report.created, report.updated, report.ok) == (22, 19, 1, False)
    assert await _count(db, Group) == 20
    monkeypatch.setattr(catalogue_import, "_apply_catalogue", real)
    report = await catalogue_import.import_catalogue_file(db, _file(25), chunk=10)
    assert (report.stopped_at, report.created, report.updated, report.ok) == (None, 5, 20, True)
    again = await catalogue_import.import_catalogue_file(db, _file(25), chunk=10)
    assert (again.created, again.updated, again.ok) == (0, 25, True)
    async with db.reader() as uow:
        assert await uow.session.scalar(select(func.sum(Group.seats))) == 125
        assert await uow.session.scalar(select(func.sum(Program.free_seats))) == 125


async def test_a_family_applies_while_a_large_import_runs(db, monkeypatch):
    """The family's press lands between two chunks: it completes while the import is
    still running, and neither loses anything."""
    await setup_region(db, rows=[catalogue_row(1, seats=3)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    started = asyncio.Event()
    real = catalogue_import._apply_catalogue
    applied = 0  # chunks written so far

    async def counting(uow, part, report):  # type: ignore[no-untyped-def]
        nonlocal applied
        started.set()
        result = await real(uow, part, report)
        applied += 1
        return result

    monkeypatch.setattr(catalogue_import, "_apply_catalogue", counting)
    text = _file(600, seats=3)  # g1 is in it: its chunk locks the group
    importing = asyncio.create_task(catalogue_import.import_catalogue_file(db, text, chunk=CHUNK))
    await started.wait()
    await db.run(enrolment.apply, parent, child, g)
    # the family did not wait for the whole file: most of its chunks were still to come
    assert applied < 600 // CHUNK // 2
    report = await importing
    assert report.ok and report.created + report.updated == 600
    async with db.reader() as uow:
        group = await uow.session.get(Group, g)
        program = await uow.session.get(Program, group.program_id)
        assert (group.seats, group.taken, program.free_seats) == (3, 1, 2)


MUNIS_FULL = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
    "limit_significant,prorate_current_month,applications_open,funding_period,"
    "seat_hold_hours,office_address,office_hours,office_phone\n"
    "town,Город,Регион,2026,10,12000,2,1,нет,01.06.2027,календарный,6,"
    "ул. Мира 5,Пн-Пт 9-18,+7 900 000-00-00\n"
)
MUNIS_REQUIRED = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit\n"
    "town,Город,Регион,2026,12,13000,3\n"
)


async def _municipality(db) -> tuple[Municipality, MunicipalityYear]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        muni = await uow.session.scalar(select(Municipality).where(Municipality.code == "town"))
        year = await uow.session.scalar(
            select(MunicipalityYear).where(MunicipalityYear.municipality_id == muni.id)
        )
        return muni, year


async def test_municipality_columns_left_out_keep_what_is_stored(db):
    report = await municipalities_import.import_municipalities_file(db, MUNIS_FULL)
    assert report.ok, report.errors
    report = await municipalities_import.import_municipalities_file(db, MUNIS_REQUIRED)
    assert (report.ok, report.updated) == (True, 1)
    muni, year = await _municipality(db)
    assert (muni.funding_period, muni.seat_hold_hours) == ("calendar", 6)
    assert (muni.office_address, muni.office_hours, muni.office_phone) == (
        "ул. Мира 5",
        "Пн-Пт 9-18",
        "+7 900 000-00-00",
    )
    assert (year.limit_significant, year.prorate_current_month) == (1, False)
    assert year.applications_open_on is not None
    # what the file names is updated
    assert (year.funded_quota, year.nominal, year.budget_programs_limit) == (12, 1_300_000, 3)


async def test_an_import_cannot_switch_a_municipality_s_funding_period(db):
    assert (await municipalities_import.import_municipalities_file(db, MUNIS_FULL)).ok
    text = MUNIS_FULL.replace("календарный", "учебный").replace(",10,12000,", ",11,12000,")
    report = await municipalities_import.import_municipalities_file(db, text)
    assert [(line, e.code, e.column) for line, e in report.errors] == [
        (2, "period-switch", "funding_period")
    ]
    muni, year = await _municipality(db)
    assert (muni.funding_period, year.funded_quota) == ("calendar", 10)
