"""One notice per event, on both databases: the parent who applied has the reply and no 🔔
saying the same (a teen's own application is still told to the parent); a debit warns of
a low balance only when it threatens something the family asked for, not after the
family's own deliberate choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.notify.render import Renderer
from core.accounting import month_close
from core.enrolment import decisions, enrolment, quotes
from core.outbox.delivery import Claimed
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.rules.money import Terms
from core.staff import roles
from core.storage.models import Outbox
from core.usecases import UseCases
from core.usecases.jobs import NoticeFacts
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)
from tests.unit.test_screens import StrictTranslator


async def _application_notices(db) -> list[tuple[int, dict]]:
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(Outbox.parent_id, Outbox.payload).where(Outbox.kind == "application_status")
        )
        return [(p, dict(payload)) for p, payload in rows]


async def _seen(db, parent, child, group) -> Terms:
    async with db.reader() as uow:
        q = await quotes.quote_application(uow, parent, child, group)
    return q.money.terms


async def test_the_parent_who_applied_gets_the_reply_not_a_notice(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, price=1000)])
    parent, child = await parent_with_child(db)
    core = UseCases(db)
    g1, g2 = await group_id(db, "g1"), await group_id(db, "g2")
    await core.enrolment.submit(parent, child, g1, await _seen(db, parent, child, g1))
    assert await _application_notices(db) == []  # the reply said it
    # a teen applied in their own account: the parent hears of it
    await core.enrolment.submit(parent, child, g2, await _seen(db, parent, child, g2), teen=child)
    told = await _application_notices(db)
    assert [(p, n["status"]) for p, n in told] == [(parent, AppStatus.SUBMITTED.value)]


async def _debit_notice(db, parent, month) -> str:
    renderer = Renderer(StrictTranslator(), low_balance=100_000)  # 1 000 ₽
    async with db.reader() as uow:
        notice = await renderer.render(
            NoticeFacts(uow), Claimed(1, parent, "debits", month, {}, 0), "ru"
        )
    assert notice is not None
    return notice.text


async def test_low_balance_is_warned_only_when_it_threatens_an_application(db, clock):
    await setup_region(
        db,
        nominal=1200,
        rows=[catalogue_row(n, price=50) for n in (1, 2, 3)],
    )
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    g1, g2, g3 = [await group_id(db, f"g{n}") for n in (1, 2, 3)]
    # 1 100 ₽ each (October to August). One family enrols in two programs; the other
    # applied to three at once (each quoted 50 ₽ a month against 1 100 ₽), and two of them
    # are accepted: the third, unanswered, no longer fits
    planned, _ = planned_family = await parent_with_child(db, "1")
    short, _ = short_family = await parent_with_child(db, "2")
    apps = {g: await db.run(enrolment.apply, *short_family, g) for g in (g1, g2, g3)}
    for app in (
        await db.run(enrolment.apply, *planned_family, g1),
        await db.run(enrolment.apply, *planned_family, g2),
        apps[g1],
        apps[g2],
    ):
        await db.run(accept_contract, staff, app)
        await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)
    clock.set(datetime(2026, 11, 1, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    october = month_index(2026, 10)
    # 300 ₽ available after the family's two reservations: below 1 000 ₽, but their plan
    text = await _debit_notice(db, planned, october)
    assert text.count("списано") == 2
    assert "меньше" not in text
    # the unanswered third needs 50 ₽ × 7 months (November to May) = 350 ₽ > 300 ₽
    text = await _debit_notice(db, short, october)
    assert text.count("списано") == 2
    assert "меньше" in text
