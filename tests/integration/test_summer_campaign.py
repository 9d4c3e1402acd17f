"""The summer campaign: applying in June–August for September, quoted on next year's
nominal, blocked when the year opens in the order of acceptance."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core import port
from core.accounting import new_year
from core.catalogue import catalogue_import, municipalities_import
from core.certificates import certificates
from core.enrolment import enrolment, quotes
from core.errors import DomainError
from core.rules.calendar import month_index
from core.rules.money import Terms
from core.staff import roles
from core.storage.models import Application, Outbox, Program
from core.usecases.catalogue import Catalogue
from tests.support.world import HEADER, accept_contract, catalogue_row, group_id, parent_with_child

MUNIS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
    "applications_open\n"
    "town,Город,Регион,2026,10,12000,2,\n"
    "town,Город,Регион,2027,10,{nominal},2,01.06.2027\n"
    "village,Село,Регион,2026,5,10000,2,\n"
)


async def _region(db, nominal="24000") -> None:
    rows = [
        catalogue_row(1, price=2000),
        catalogue_row(2, price=2000),
        catalogue_row(3, price=2000, months=(9, 4)),
    ]
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow, MUNIS.format(nominal=nominal)
        )
        assert report.ok, report.errors
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + "\n".join(rows) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()


async def _quote(db, parent, child, external):
    async with db.reader() as uow:
        return await quotes.quote_application(uow, parent, child, await group_id(db, external))


async def _balance(db, parent, child):
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
    return view.total, view.reserved


async def test_applications_for_september_open_on_the_municipality_s_date(db, clock):
    await _region(db)
    parent, child = await parent_with_child(db)
    clock.set(datetime(2027, 5, 20, 9, 0))
    # a September–April program has no month left in May, and the campaign opens 1 June
    with pytest.raises(DomainError) as err:
        await _quote(db, parent, child, "g3")
    assert err.value.code == "applications_open_later"
    assert err.value.params["date"] == date(2027, 6, 1)
    # a September–May program still has May of this year: applied for this year
    q = await _quote(db, parent, child, "g1")
    assert (q.next_year, q.first_month) == (False, month_index(2027, 5))
    clock.set(datetime(2027, 6, 1, 9, 0))
    q = await _quote(db, parent, child, "g3")
    assert (q.next_year, q.school_year, q.money.months) == (True, 2027, 8)
    # next year's nominal (24 000 ₽), not this year's balance, pays: the full price
    assert (q.nominal_known, q.available, q.money.monthly_share) == (True, 2_400_000, 200_000)


async def test_blocked_when_the_year_opens_in_the_order_of_acceptance(db, clock):
    await _region(db)
    parent, child = await parent_with_child(db)
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    clock.set(datetime(2027, 6, 10, 9, 0))
    # both quoted against next year's 24 000 ₽: 9 months × 2 000 ₽ = 18 000 ₽ each
    first = await db.run(
        enrolment.apply, parent, child, await group_id(db, "g1"), expected=Terms(200_000, 200_000)
    )
    second = await db.run(
        enrolment.apply, parent, child, await group_id(db, "g2"), expected=Terms(200_000, 200_000)
    )
    for day, app in ((11, second), (12, first)):  # the second is accepted first
        clock.set(datetime(2027, 6, day, 9, 0))
        assert (await db.run(accept_contract, staff, app)).done
    # accepted in June: nothing of this year's money is blocked for September
    before = await _balance(db, parent, child)
    assert before[1] == 0
    clock.set(datetime(2027, 9, 1, 9, 0))
    await db.run(new_year.open_year, 2027, close_missing=True)
    assert await _balance(db, parent, child) == (2_400_000, 1_800_000)
    async with db.reader() as uow:
        won = await uow.session.get(Application, second)
        lost = await uow.session.get(Application, first)
        assert (won.status, won.reserved_left) == ("accepted", 1_800_000)
        assert (lost.status, lost.reserved_left) == ("submitted", 0)
        told = (
            await uow.session.scalars(
                select(Outbox.payload).where(Outbox.kind == "application_not_covered")
            )
        ).all()
    assert [t["application_id"] for t in told] == [first]
    # the provider's acceptance now follows today's rule: not covered
    refused = await db.run(accept_contract, staff, first)
    assert (refused.done, refused.available) == (False, 600_000)


async def test_a_second_summer_quote_counts_what_the_first_acceptance_takes(db, clock):
    await _region(db)
    parent, child = await parent_with_child(db)
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    clock.set(datetime(2027, 7, 1, 9, 0))
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    await db.run(accept_contract, staff, app)
    q = await _quote(db, parent, child, "g2")
    # 24 000 ₽ less the 18 000 ₽ the accepted one will take, over 9 months: 666,66 ₽ a
    # month, paid as 666 ₽ (an equal share is whole roubles)
    assert (q.available, q.money.monthly_share) == (600_000, 66_600)


async def test_without_next_year_s_nominal_the_quote_says_so(db, clock):
    await _region(db, nominal="0")
    parent, child = await parent_with_child(db)
    clock.set(datetime(2027, 7, 1, 9, 0))
    q = await _quote(db, parent, child, "g1")
    assert (q.next_year, q.nominal_known) == (True, False)
    async with db.reader() as uow:
        assert q.available == (await certificates.view(uow, parent, child)).available


async def test_the_card_says_when_applications_for_next_year_open(db, clock):
    """The card's season follows the same rule as applying: in May a September–April
    program says the day applications open, a September–May one is still running; from
    that day it is open for the next year; where no day is set, the card says so."""

    await _region(db)
    async with db.uow() as uow:
        row = catalogue_row(4, price=2000, months=(9, 4), muni="village")
        report = await catalogue_import.import_catalogue(uow, HEADER + "\n" + row + "\n")
        assert report.ok, report.errors
        await uow.commit()
    parent, child = await parent_with_child(db)
    cards = Catalogue(db)
    programs = {}
    async with db.reader() as uow:
        for ext in ("p1", "p3", "p4"):
            programs[ext] = await uow.session.scalar(
                select(Program.id).where(Program.external_id == ext)
            )
    clock.set(datetime(2027, 5, 20, 9, 0))
    shown = await cards.card(programs["p3"], parent, child)
    assert shown.season == port.Season(port.SeasonState.OPENS, 2027, date(2027, 6, 1))
    # not yet open: no quote is offered (nor a refusal repeating the season)
    assert shown.quote is None and shown.refusal is None
    assert (await cards.card(programs["p1"])).season.state == port.SeasonState.RUNNING
    ended = await cards.card(programs["p4"])
    assert ended.season == port.Season(port.SeasonState.ENDED, 2027)
    clock.set(datetime(2027, 6, 1, 9, 0))
    shown = await cards.card(programs["p3"], parent, child)
    assert shown.season == port.Season(port.SeasonState.NEXT_YEAR, 2027, date(2027, 6, 1))
    assert shown.quote is not None and shown.quote.next_year
