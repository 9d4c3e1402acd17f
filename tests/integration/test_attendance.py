"""Attendance (табель) and the municipality's debit rule (issue 27, item 2), on both
databases.

One group meeting on Mondays and Wednesdays (October 2026: 5 7 12 14 19 21 26 28, eight
class days), five children: A missed two classes, B missed one and left on the 19th, C
missed none and leaves on 1 November (a Sunday: November then has no class day of C's
studies), E started on the 28th and missed that one class. What each month costs is worked
out here by hand under each rule, not by the code under test."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from bot.i18n import LANGUAGES
from bot.notify.render import Renderer
from core.accounting import month_close, payments
from core.catalogue import views
from core.certificates import statement
from core.enrolment import attendance, decisions, enrolment
from core.errors import DomainError
from core.outbox.delivery import Claimed
from core.rules.calendar import month_index
from core.staff import roles
from core.storage.models import Absence, AuditRecord, LedgerEntry, Municipality, Outbox
from core.usecases.jobs import NoticeFacts
from tests.support.wording import wording_problems
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)
from tests.unit.test_screens import StrictTranslator

OCT, NOV = month_index(2026, 10), month_index(2026, 11)
SHARE = 100_000  # the group's 1,000 ₽ a month, all of it paid by the certificate


async def _grant(db, identity: str, provider: str) -> int:
    async with db.uow() as uow:
        pid = await roles.grant(uow, identity, "provider", provider_external_id=provider)
        await uow.commit()
    return pid


async def _enrolled(db, staff: int, family: str, first: date) -> tuple[int, int, int]:
    parent, child = await parent_with_child(db, family)
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    assert (await db.run(accept_contract, staff, app)).done
    assert await db.run(decisions.provider_enrol, staff, app, first) == first
    return parent, child, app


async def _refused(db, *args) -> str:
    with pytest.raises(DomainError) as err:
        await db.run(attendance.mark, *args)
    return err.value.code


async def _debits(db, month: int) -> dict[int, int]:
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(LedgerEntry.application_id, LedgerEntry.total_delta).where(
                LedgerEntry.month == month, LedgerEntry.kind == "debit"
            )
        )
        return {app: -delta for app, delta in rows}


@pytest.mark.parametrize("rule", ["class_days", "attendance"])
async def test_the_month_is_debited_by_the_rule_with_the_register_kept(db, clock, rule):
    await setup_region(
        db,
        rows=[catalogue_row(1, price=1000, schedule="Пн, Ср 15:00"), catalogue_row(2, art=True)],
    )
    async with db.uow() as uow:
        await uow.session.execute(update(Municipality).values(debit_rule=rule))
        await uow.commit()
    staff = await _grant(db, "tg:100", "prov1")
    stranger = await _grant(db, "tg:200", "prov2")
    a_parent, a_child, a = await _enrolled(db, staff, "1", date(2026, 10, 5))
    _, _, b = await _enrolled(db, staff, "2", date(2026, 10, 5))
    _, _, c = await _enrolled(db, staff, "3", date(2026, 10, 5))
    _, _, e = await _enrolled(db, staff, "4", date(2026, 10, 28))

    clock.set(datetime(2026, 10, 20, 10, 0))
    for app, day in ((a, 7), (a, 14), (a, 12), (b, 12)):
        await db.run(attendance.mark, staff, app, date(2026, 10, day), True)
    await db.run(attendance.mark, staff, a, date(2026, 10, 12), False)  # a mistake undone
    await db.run(attendance.mark, staff, a, date(2026, 10, 12), False)  # twice: once
    # a day to come, a Tuesday, another organisation's staff: refused, nothing written
    assert await _refused(db, staff, a, date(2026, 10, 21), True) == "attendance_day_invalid"
    assert await _refused(db, staff, a, date(2026, 10, 13), True) == "attendance_day_invalid"
    assert await _refused(db, stranger, a, date(2026, 10, 19), True) == "application_not_found"
    # E studies from the 28th: the 19th is not a day of its studies
    assert await _refused(db, staff, e, date(2026, 10, 19), True) == "attendance_day_invalid"
    async with db.reader() as uow:
        sheet = await attendance.sheet(uow, staff, await group_id(db, "g1"), None)
        assert sheet.day == date(2026, 10, 19) and sheet.later is None
        assert sheet.earlier == date(2026, 10, 14) and sheet.rule == rule
        assert [p.application_id for p in sheet.pupils] == [a, b, c]  # not E yet
        on_12 = await attendance.sheet(uow, staff, sheet.group_id, date(2026, 10, 12))
        assert {p.application_id: p.absent for p in on_12.pupils} == {a: False, b: True, c: False}
        with pytest.raises(DomainError, match="attendance_group_not_found"):
            await attendance.sheet(uow, stranger, sheet.group_id, None)
        with pytest.raises(DomainError, match="attendance_day_invalid"):
            await attendance.sheet(uow, staff, sheet.group_id, date(2026, 10, 13))
        assert [g.children for g in await attendance.groups(uow, staff)] == [3]  # E: not yet
        assert await attendance.groups(uow, stranger) == []
    await db.run(decisions.provider_finish, staff, b, date(2026, 10, 19))
    clock.set(datetime(2026, 10, 29, 10, 0))
    await db.run(attendance.mark, staff, e, date(2026, 10, 28), True)

    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, OCT)
    # the month is closed: its register no longer changes, in words
    assert await _refused(db, staff, a, date(2026, 10, 26), True) == "attendance_month_closed"
    assert await _refused(db, staff, a, date(2026, 10, 7), False) == "attendance_month_closed"
    await db.run(decisions.provider_finish, staff, c, date(2026, 11, 1))
    clock.set(datetime(2026, 12, 1, 9, 0))
    await db.run(month_close.close_month, NOV)

    if rule == "attendance":
        # A: 6 of 8; B: 5 class days to the 19th less 1; C: all 8; E: its one class missed
        october = {a: SHARE * 6 // 8, b: SHARE * 4 // 8, c: SHARE}
    else:  # the class days of the studies, whoever attended
        october = {a: SHARE, b: SHARE * 5 // 8, c: SHARE, e: SHARE * 1 // 8}
    assert await _debits(db, OCT) == october
    # November: C's studies ended on its 1st, a Sunday: no class day, nothing debited
    assert await _debits(db, NOV) == {a: SHARE, e: SHARE}

    while await db.run(month_close.fan_out):
        pass
    async with db.reader() as uow:
        shown = await statement.statement(uow, a_parent, a_child, OCT)
        (seen,) = shown.attendance
        assert (seen.attended, seen.absent, seen.of, seen.rule) == (
            6,
            (date(2026, 10, 7), date(2026, 10, 14)),
            8,
            rule,
        )
        (line,) = await views.month_debits(uow, a_parent, OCT)
        assert (line.rule, line.counted, line.of, line.amount) == (
            rule,
            6 if rule == "attendance" else 8,
            8,
            october[a],
        )
        paid = {p.application_id: (p.days, p.month_days) for p in await payments.lines(uow, OCT)}
        if rule == "attendance":
            assert paid == {a: (6, 8), b: (4, 8), c: (8, 8)}
        else:
            assert paid == {a: (8, 8), b: (5, 8), c: (8, 8), e: (1, 8)}
        # each mark and unmark in the audit trail, with the staff member and the day
        trail = (
            await uow.session.execute(
                select(AuditRecord.action, AuditRecord.application_id, AuditRecord.detail)
                .where(AuditRecord.action.like("attendance-%"))
                .order_by(AuditRecord.id)
            )
        ).all()
        assert trail == [
            ("attendance-absent", a, "day:2026-10-07"),
            ("attendance-absent", a, "day:2026-10-14"),
            ("attendance-absent", a, "day:2026-10-12"),
            ("attendance-absent", b, "day:2026-10-12"),
            ("attendance-present", a, "day:2026-10-12"),
            ("attendance-absent", e, "day:2026-10-28"),
        ]
        marked = (await uow.session.execute(select(Absence.marked_by).distinct())).all()
        assert marked == [(staff,)]
        # the family's debit notice says what the amount was based on
        notice_row = await uow.session.scalar(
            select(Outbox).where(Outbox.parent_id == a_parent, Outbox.kind == "debits")
        )
    assert notice_row is not None
    renderer = Renderer(StrictTranslator(), 100_000)
    claimed = Claimed(notice_row.id, a_parent, "debits", OCT, {}, 0)
    texts = {}
    async with db.reader() as uow:
        for lang in LANGUAGES:
            notice = await renderer.render(NoticeFacts(uow), claimed, lang)
            assert notice is not None and "{" not in notice.text
            assert wording_problems(notice.text, lang) == [], lang
            texts[lang] = notice.text
    if rule == "attendance":
        assert "за 6 занятий из 8 — по посещаемости" in texts["ru"]
        assert "6 classes attended of 8 scheduled" in texts["en"]
    else:
        assert "8 дней занятий группы из 8 в месяце — по расписанию" in texts["ru"]
        assert "8 of the group's 8 class days" in texts["en"]


async def test_a_month_with_no_mark_is_debited_whole_by_attendance(db, clock):
    """Nobody marked anything: under the attendance rule every class day was attended."""
    await setup_region(db, rows=[catalogue_row(1, price=1000, schedule="Пн, Ср 15:00")])
    async with db.uow() as uow:
        await uow.session.execute(update(Municipality).values(debit_rule="attendance"))
        await uow.commit()
    staff = await _grant(db, "tg:100", "prov1")
    _, _, a = await _enrolled(db, staff, "1", date(2026, 10, 5))
    _, _, b = await _enrolled(db, staff, "2", date(2026, 10, 12))
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, OCT)
    # b from the 12th: 6 of the 8 class days
    assert await _debits(db, OCT) == {a: SHARE, b: SHARE * 6 // 8}


async def test_the_sheet_offers_the_days_the_mark_takes(db, clock):
    """The screen and the rule agree: every class day of a month not closed, from the
    group's first studies to today (not a window of some weeks), and none of a closed
    month. No month closed for months: October is still offered in January."""
    await setup_region(db, rows=[catalogue_row(1, price=1000, schedule="Пн, Ср 15:00")])
    staff = await _grant(db, "tg:100", "prov1")
    _, _, a = await _enrolled(db, staff, "1", date(2026, 10, 5))
    clock.set(datetime(2027, 1, 20, 10, 0))
    g = await group_id(db, "g1")
    async with db.reader() as uow:
        first = await attendance.sheet(uow, staff, g, date(2026, 10, 5))
        assert first.earlier is None and first.later == date(2026, 10, 7)
        assert [p.application_id for p in first.pupils] == [a]
        with pytest.raises(DomainError, match="attendance_day_invalid"):
            await attendance.sheet(uow, staff, g, date(2026, 9, 30))  # before the studies
        assert [x.children for x in await attendance.groups(uow, staff)] == [1]
    await db.run(attendance.mark, staff, a, date(2026, 10, 5), True)  # the rule takes it
    assert await _refused(db, staff, a, date(2026, 9, 30), True) == "attendance_day_invalid"

    await db.run(month_close.close_month, OCT)
    async with db.reader() as uow:
        with pytest.raises(DomainError, match="attendance_day_invalid"):
            await attendance.sheet(uow, staff, g, date(2026, 10, 28))
        opened = await attendance.sheet(uow, staff, g, date(2026, 11, 2))
        assert opened.earlier is None  # the first open month's first class day
        assert (await attendance.sheet(uow, staff, g, None)).day == date(2027, 1, 20)
    assert await _refused(db, staff, a, date(2026, 10, 28), True) == "attendance_month_closed"
    await db.run(attendance.mark, staff, a, date(2026, 11, 2), True)
