"""The money does what the texts say: the provider gives the first day of studies when
enrolling (a class day of the group), and a month is debited by the group's class days
within the studies (core.rules.schedule), not by calendar days; the set-based close
computes exactly what the rule says."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bench._data import NOW, build_enrolments
from core.accounting import month_close
from core.certificates import certificates
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.rules import schedule
from core.rules.calendar import month_bounds, month_index
from core.staff import roles
from core.storage.models import Absence, Application, Group, LedgerEntry
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _staff(db):
    async with db.uow() as uow:
        pid = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await uow.commit()
    return pid


async def _accepted(db, staff, parent, child, external="g1"):
    g = await group_id(db, external)
    app = await db.run(enrolment.apply, parent, child, g)
    assert (await db.run(accept_contract, staff, app)).done
    return app


async def _debits(db, app):
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(LedgerEntry.month, LedgerEntry.total_delta).where(
                LedgerEntry.application_id == app, LedgerEntry.kind == "debit"
            )
        )
        return {month: -delta for month, delta in rows}


@pytest.mark.parametrize("rule", ["class_days", "attendance"])
@pytest.mark.parametrize("branches", ["per mask", "generic"])
async def test_the_close_debits_what_the_rule_says(db, clock, monkeypatch, branches, rule):
    """Random groups' weekdays, starts and ends around January (its holidays included):
    the set-based close debits each enrolment exactly ``schedule.debit``, by its branch
    per weekday mask and by the generic arithmetic (for a mask it was not told of); under
    the attendance rule with random absences on class days (some outside the studies or
    the month, which count for nothing)."""
    if branches == "generic":
        prorated = month_close._prorated
        monkeypatch.setattr(month_close, "_prorated", lambda _, *args: prorated([], *args))
    await build_enrolments(db, 160, seed=7, debit_rule=rule)
    rnd = random.Random(24)
    jan = month_index(2027, 1)
    first, last = month_bounds(jan)
    async with db.uow() as uow:
        masks = {}
        for group in await uow.session.scalars(select(Group)):
            group.class_days = masks[group.id] = rnd.randint(1, schedule.ALL_DAYS)
        expected = {}
        for app in await uow.session.scalars(select(Application)):
            start = first + timedelta(days=rnd.randint(-20, 35))
            end = rnd.choice([None, None, first + timedelta(days=rnd.randint(-3, 40))])
            app.first_month = jan  # the months before it were closed elsewhere
            app.start_day = start.toordinal()
            app.end_day = None if end is None else end.toordinal()
            mask = masks[app.group_id]
            served = end is None or end >= start
            absent = set()
            if rule == "attendance" and rnd.random() < 0.6:
                around = [first + timedelta(days=d) for d in range(-10, 40)]
                days = [d for d in around if schedule.is_class_day(d, mask)]
                absent = set(rnd.sample(days, min(len(days), rnd.randint(1, 6))))
                # and days that are no class day (a schedule changed after the mark, a
                # holiday): never counted
                other = [d for d in around if not schedule.is_class_day(d, mask)]
                stale = set(rnd.sample(other, min(len(other), rnd.randint(0, 2))))
                uow.session.add_all(
                    Absence(application_id=app.id, day=d.toordinal(), marked_by=0, marked_at=NOW)
                    for d in absent | stale
                )
            cost = schedule.debit(
                app.monthly_share, first, last, mask, start, end, frozenset(absent), rule
            )
            expected[app.id] = cost if served else 0
        await uow.commit()
    clock.set(datetime(2027, 2, 2, 9, 0))
    result = await db.run(month_close.close_month, jan)
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(LedgerEntry.application_id, LedgerEntry.total_delta).where(
                LedgerEntry.month == jan
            )
        )
        got = {app: -delta for app, delta in rows}
    assert {a: got.get(a, 0) for a in expected} == expected
    assert result.debited == sum(expected.values())
    # not a degenerate sample: whole months, partial months and free months all occur
    shares = await _shares(db)
    assert any(0 < v < shares[a] for a, v in expected.items())
    assert any(v == shares[a] for a, v in expected.items())
    assert any(v == 0 for v in expected.values())


async def _shares(db):
    async with db.reader() as uow:
        rows = await uow.session.execute(select(Application.id, Application.monthly_share))
        return dict(rows.all())


async def test_leaving_on_the_first_of_january_costs_nothing_for_january(db, clock):
    # a Friday group: 1 January 2027 is a Friday and a public holiday
    await setup_region(db, rows=[catalogue_row(1, price=1000, schedule="Пт 16:00")])
    parent, child = await parent_with_child(db)
    staff = await _staff(db)
    app = await _accepted(db, staff, parent, child)
    # 5 October is a Monday: the default first day is the group's next Friday
    first = await db.run(decisions.provider_enrol, staff, app, None)
    assert first == date(2026, 10, 9)
    for month in (10, 11, 12):
        clock.set(datetime(2026, month + 1, 1, 9, 0) if month < 12 else datetime(2027, 1, 1))
        await db.run(month_close.close_month, month_index(2026, month))
    clock.set(datetime(2027, 1, 1, 10, 0))
    await db.run(enrolment.leave, parent, app)
    clock.set(datetime(2027, 2, 1, 9, 0))
    await db.run(month_close.close_month, month_index(2027, 1))
    debits = await _debits(db, app)
    # October from the 9th: 4 of its 5 Fridays (2, 9, 16, 23, 30); November and December
    # whole; January: nothing (by calendar days 1/31 of the share)
    assert debits == {
        month_index(2026, 10): 80_000,
        month_index(2026, 11): 100_000,
        month_index(2026, 12): 100_000,
    }
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
    assert (view.total, view.reserved) == (1_100_000 - 280_000, 0)


async def test_the_first_day_is_a_class_day_after_the_application_in_an_open_month(db, clock):
    rows = [catalogue_row(1, price=1000, schedule="Пн, Ср 15:00"), catalogue_row(2, art=True)]
    await setup_region(db, rows=rows)
    parent, child = await parent_with_child(db)
    staff = await _staff(db)
    app = await _accepted(db, staff, parent, child)  # Monday 5 October
    async with db.reader() as uow:
        offered = await decisions.first_days(uow, staff, app)
    assert offered.choices == (
        date(2026, 10, 5),
        date(2026, 10, 7),
        date(2026, 10, 12),
        date(2026, 10, 14),
    )
    assert (offered.earliest, offered.latest) == (date(2026, 10, 5), date(2027, 5, 31))

    async def refused(day):
        with pytest.raises(DomainError) as err:
            await db.run(decisions.provider_enrol, staff, app, day)
        return err.value.code

    assert await refused(date(2026, 10, 6)) == "start_not_class_day"  # a Tuesday
    assert await refused(date(2026, 9, 30)) == "start_date_invalid"  # before the application
    assert await refused(date(2027, 6, 2)) == "start_date_invalid"  # after the program
    # October closes with the child not yet studying: October can no longer be a first day
    clock.set(datetime(2026, 11, 3, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    assert await refused(date(2026, 10, 28)) == "start_date_invalid"
    async with db.reader() as uow:
        offered = await decisions.first_days(uow, staff, app)
    # the next class day from Tuesday 3 November: Wednesday the 4th is a public holiday
    assert offered.choices[0] == date(2026, 11, 9)
    # a day already past in the open month may be chosen: the studies began then
    assert await db.run(decisions.provider_enrol, staff, app, date(2026, 11, 2)) == date(
        2026, 11, 2
    )
    async with db.reader() as uow:
        done = await uow.session.get(Application, app)
        assert (done.status, done.start_day) == ("enrolled", date(2026, 11, 2).toordinal())
        assert done.first_month == month_index(2026, 11)
    # October was never served: its reservation went back at enrolment
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
    assert view.reserved == 700_000
    # someone else's provider sees nothing
    async with db.uow() as uow:
        other = await roles.grant(uow, "tg:200", "provider", provider_external_id="prov2")
        await uow.commit()
    async with db.reader() as uow:
        with pytest.raises(DomainError):
            await decisions.first_days(uow, other, app)


async def test_the_catalogue_reads_a_groups_class_days(db):
    rows = [
        catalogue_row(1, schedule="Вт, Чт 16:00–17:30"),
        catalogue_row(2, schedule="по договорённости"),
    ]
    await setup_region(db, rows=rows)
    async with db.reader() as uow:
        found = dict(
            (await uow.session.execute(select(Group.external_id, Group.class_days))).all()
        )
    assert found == {"g1": 0b0001010, "g2": schedule.ALL_DAYS}
    async with db.uow() as uow:
        await uow.session.execute(update(Group).values(class_days=1))
        await uow.commit()
