"""A municipality's own choices: budget limits per register group, the pro-rating rule, the
МОЦ's contacts; nothing set is never a silent default."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.catalogue import catalogue_import, municipalities_import
from core.certificates import certificates
from core.enrolment import enrolment
from core.errors import DomainError
from core.storage.models import Municipality, MunicipalityYear
from tests.support.world import HEADER, catalogue_row, group_id, parent_with_child

COLUMNS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
    "limit_significant,limit_preprofessional,limit_other,prorate_current_month,"
    "office_address,office_hours,office_phone\n"
)
BUDGET = [
    catalogue_row(1, register="preprofessional", price=0),
    catalogue_row(2, register="preprofessional", price=0),
    catalogue_row(3, register="significant", price=0),
    catalogue_row(4, register="other", price=0),
    catalogue_row(5, register="other", price=0),
    catalogue_row(6, register="preprofessional", price=0, art=True),
]


async def _region(db, town: str, rows=BUDGET) -> None:
    text = COLUMNS + town + "\nvillage,Село,Регион,2026,5,10000,2,,,,,,,\n"
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(uow, text)
        assert report.ok, report.errors
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + "\n".join(rows) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()


async def _apply(db, parent, child, external) -> str:
    try:
        await db.run(enrolment.apply, parent, child, await group_id(db, external))
    except DomainError as exc:
        return exc.code
    return "ok"


async def test_limits_per_register_group(db):
    # one preprofessional and one significant program at once; "other" not limited by
    # itself but by the limit over all budget registers (3)
    await _region(db, "town,Город,Регион,2026,10,12000,3,1,1,,,,,")
    parent, child = await parent_with_child(db, certificate="accounting")
    assert await _apply(db, parent, child, "g1") == "ok"
    assert await _apply(db, parent, child, "g2") == "budget_limit_reached"
    assert await _apply(db, parent, child, "g6") == "ok"  # an art school counts for nothing
    assert await _apply(db, parent, child, "g3") == "ok"
    assert await _apply(db, parent, child, "g4") == "ok"
    assert await _apply(db, parent, child, "g5") == "budget_limit_reached"  # 3 in all


async def test_a_register_limit_alone_and_nothing_set_is_not_a_default(db):
    await _region(db, "town,Город,Регион,2026,10,12000,,,1,,,,,")
    parent, child = await parent_with_child(db, certificate="accounting")
    assert await _apply(db, parent, child, "g1") == "ok"
    assert await _apply(db, parent, child, "g2") == "budget_limit_reached"
    # significant and other: the municipality set no limit for them at all
    assert await _apply(db, parent, child, "g3") == "municipality_year_not_set"
    assert await _apply(db, parent, child, "g4") == "municipality_year_not_set"
    async with db.reader() as uow:
        year = await uow.session.scalar(select(MunicipalityYear).where(MunicipalityYear.id == 1))
        assert (year.budget_programs_limit, year.limit_preprofessional) == (None, 1)


async def test_pro_rating_without_the_current_month(db):
    # 5 October: November..August are 10 of 12 months
    await _region(db, "town,Город,Регион,2026,10,12000,2,,,,нет,,,", rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db)
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, child)).total == 1_000_000
    # the default (the seeds' rule) counts October too: 11 of 12
    await _region(db, "town,Город,Регион,2026,10,12000,2,,,,,,,", rows=[catalogue_row(1)])
    other, other_child = await parent_with_child(db, "2")
    async with db.reader() as uow:
        assert (await certificates.view(uow, other, other_child)).total == 1_100_000


async def test_the_office_where_families_confirm_their_data(db):
    await _region(
        db,
        'town,Город,Регион,2026,10,12000,2,,,,,"ул. Ленина, 5, каб. 3",Пн–Пт 9:00–17:00,'
        "+7 42622 2-00-00",
        rows=[],
    )
    async with db.reader() as uow:
        town = await uow.session.scalar(select(Municipality).where(Municipality.code == "town"))
        assert (town.office_address, town.office_hours, town.office_phone) == (
            "ул. Ленина, 5, каб. 3",
            "Пн–Пт 9:00–17:00",
            "+7 42622 2-00-00",
        )


@pytest.mark.parametrize("value", ["-1", "101", "два"])
async def test_a_bad_limit_is_a_row_error(db, value):
    text = COLUMNS + f"town,Город,Регион,2026,10,12000,2,{value},,,,,,\n"
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(uow, text)
    assert [line for line, _ in report.errors] == [2]


async def test_the_debit_rule_is_read_in_words_or_by_name(db):
    """`debit_rule`: class_days (the default, a blank too) or attendance, by name or in
    Russian words; anything else is the row's error, not a silent default."""
    text = (
        "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,debit_rule\n"
        "town,Город,Регион,2026,10,12000,2,по посещаемости\n"
        "village,Село,Регион,2026,5,10000,2,\n"
        "city,Город 2,Регион,2026,5,10000,2,attendance\n"
        "hamlet,Хутор,Регион,2026,5,10000,2,по желанию\n"
    )
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(uow, text)
        await uow.commit()
    assert [line for line, _ in report.errors] == [5]
    async with db.reader() as uow:
        rules = dict(
            (await uow.session.execute(select(Municipality.code, Municipality.debit_rule))).all()
        )
    assert rules == {"town": "attendance", "village": "class_days", "city": "attendance"}
