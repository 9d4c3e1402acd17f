"""A municipality funded per calendar year (the social certificate, 189-ФЗ): the nominal
from 1 January, money up to December reserved at acceptance, January on from the next
nominal; a school-year opening leaves its money alone."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.accounting import month_close, new_year
from core.catalogue import catalogue_import, municipalities_import
from core.certificates import certificates
from core.enrolment import decisions, enrolment, quotes
from core.errors import DomainError
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Application, LedgerEntry, Outbox
from tests.support.world import HEADER, accept_contract, catalogue_row, group_id, parent_with_child

MUNIS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
    "funding_period\n"
    "town,Город,Регион,2026,10,12000,2,календарный\n"
    "town,Город,Регион,2027,10,{nominal},2,календарный\n"
    "village,Село,Регион,2026,5,12000,2,учебный\n"
)


async def _region(db, nominal="12000") -> None:
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow, MUNIS.format(nominal=nominal)
        )
        assert report.ok, report.errors
        rows = [catalogue_row(1, price=1000), catalogue_row(2, price=1000, muni="village")]
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + "\n".join(rows) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()


async def _view(db, parent, child):
    async with db.reader() as uow:
        return await certificates.view(uow, parent, child)


async def _enrolled(db, parent, child) -> int:
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    await db.run(accept_contract, staff, app)
    await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)
    return app


async def test_a_calendar_year_from_october_to_may(db, clock):
    await _region(db)
    parent, child = await parent_with_child(db)  # 5 October 2026, in "town"
    # funded in October of a calendar year: October to December, 3 of 12 months
    assert (await _view(db, parent, child)).total == 300_000
    async with db.reader() as uow:
        q = await quotes.quote_application(uow, parent, child, await group_id(db, "g1"))
    # October to May: 3 months paid from this year's money now, 5 from next year's
    assert (q.money.months, q.later_months, q.money.monthly_share) == (3, 5, 100_000)
    app = await _enrolled(db, parent, child)
    assert (await _view(db, parent, child)).reserved == 300_000
    for month, closing in ((10, (2026, 11, 2)), (11, (2026, 12, 1))):
        clock.set(datetime(*closing, 9, 0))
        await db.run(month_close.close_month, month_index(2026, month))
    clock.set(datetime(2027, 1, 2, 9, 0))
    # December is not closed yet: the new year does not open over it
    with pytest.raises(DomainError) as err:
        await db.run(new_year.open_funding_year, 2027)
    assert err.value.code == "year_months_open"
    result = await db.run(new_year.open_funding_year, 2027, close_missing=True)
    assert not result.already_open and result.credited == 1
    view = await _view(db, parent, child)
    # last year's unused October days expired; the new nominal credited and January–May
    # reserved from it
    assert (view.total, view.reserved) == (1_200_000, 500_000)
    for month in range(1, 6):
        clock.set(datetime(2027, month + 1, 1, 9, 0))
        await db.run(month_close.close_month, month_index(2027, month))
    async with db.reader() as uow:
        debits = (
            await uow.session.execute(
                select(LedgerEntry.month, func.count())
                .where(LedgerEntry.kind == "debit", LedgerEntry.application_id == app)
                .group_by(LedgerEntry.month)
            )
        ).all()
        left = await uow.session.get(Application, app)
        assert (left.status, left.reserved_left) == ("finished", 0)
    assert sorted(m for m, _ in debits) == [month_index(2026, m) for m in (10, 11, 12)] + [
        month_index(2027, m) for m in range(1, 6)
    ]
    assert {n for _, n in debits} == {1}
    assert (await _view(db, parent, child)).total == 1_200_000 - 500_000


async def test_a_smaller_nominal_in_january_pays_a_smaller_share_and_says_so(db, clock):
    await _region(db, nominal="3000")
    parent, child = await parent_with_child(db)
    await _enrolled(db, parent, child)
    clock.set(datetime(2027, 1, 2, 9, 0))
    await db.run(new_year.open_funding_year, 2027, close_missing=True)
    async with db.reader() as uow:
        [app] = (await uow.session.scalars(select(Application))).all()
        assert app.monthly_share == 60_000  # 3 000 ₽ over 5 months
        told = (
            await uow.session.scalars(select(Outbox.payload).where(Outbox.kind == "share_changed"))
        ).all()
    assert [(t["share"], t["copay"]) for t in told] == [(60_000, 40_000)]
    assert (await _view(db, parent, child)).reserved == 300_000


async def test_the_school_year_opening_leaves_a_calendar_municipality_s_money(db, clock):
    await _region(db)
    town = await parent_with_child(db, "1")  # calendar year
    village = await parent_with_child(db, "2", muni_id=2)  # school year
    clock.set(datetime(2027, 9, 1, 9, 0))
    await db.run(new_year.open_year, 2027, close_missing=True)
    assert (await _view(db, *town)).total == 300_000  # untouched until 1 January
    # the school-year municipality: last year's money expired; no 2027 row, no credit
    assert (await _view(db, *village)).total == 0


async def test_a_january_start_is_quoted_on_the_new_nominal_and_blocked_on_1_january(db, clock):
    await _region(db, nominal="24000")
    async with db.uow() as uow:
        rows = [catalogue_row(3, price=3000, months=(1, 5))]
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + "\n".join(rows) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()
    clock.set(datetime(2026, 12, 10, 9, 0))
    parent, child = await parent_with_child(db)  # December: 1 month of 12 000 ₽
    assert (await _view(db, parent, child)).total == 100_000
    async with db.reader() as uow:
        q = await quotes.quote_application(uow, parent, child, await group_id(db, "g3"))
    # January to May of 2027, on 2027's 24 000 ₽, not on December's 1 000 ₽
    assert (q.later_year, q.nominal_known, q.money.monthly_share) == (True, True, 300_000)
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g3"))
    assert (await db.run(accept_contract, staff, app)).done
    assert (await _view(db, parent, child)).reserved == 0  # nothing of 2026's money
    clock.set(datetime(2027, 1, 2, 9, 0))
    await db.run(new_year.open_funding_year, 2027, close_missing=True)
    assert (await _view(db, parent, child)).reserved == 1_500_000


async def test_a_calendar_municipality_s_limits_are_its_calendar_year_s(db, clock):
    text = MUNIS.format(nominal="12000").replace(
        "town,Город,Регион,2027,10,12000,2,", "town,Город,Регион,2027,10,12000,0,"
    )
    async with db.uow() as uow:
        assert (await municipalities_import.import_municipalities(uow, text)).ok
        rows = [catalogue_row(4, register="significant", price=0)]
        assert (await catalogue_import.import_catalogue(uow, HEADER + "\n" + rows[0] + "\n")).ok
        await uow.commit()
    parent, child = await parent_with_child(db, certificate="accounting")
    clock.set(datetime(2027, 2, 1, 9, 0))  # school year 2026, calendar year 2027: limit 0
    with pytest.raises(DomainError) as err:
        await db.run(enrolment.apply, parent, child, await group_id(db, "g4"))
    assert err.value.code == "budget_limit_reached"
