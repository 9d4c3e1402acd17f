from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.accounting import month_close
from core.certificates import certificates
from core.enrolment import contracts, decisions, enrolment, quotes, waiting_list
from core.errors import DomainError
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.rules.money import Terms
from core.staff import roles
from core.storage.db import Database
from core.storage.models import Application, Group, LedgerEntry, Outbox
from core.usecases import jobs
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _apply(db, parent, child, external="g1", expected=None):
    g = await group_id(db, external)
    async with db.uow() as uow:
        app = await enrolment.apply(uow, parent, child, g, expected=expected)
        await uow.commit()
        return app


async def _balance(db, parent, child):
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
        return view.total, view.reserved, view.available


async def _refusal(db, parent, child, external="g1"):
    g = await group_id(db, external)
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await enrolment.apply(uow, parent, child, g)
        await uow.commit()
    return err.value.code


async def _fanned_out(db, chunk=1):
    """What the worker does after a close: every closed month's debit notices written,
    one certificate per step here (the chunk boundary crossed as often as can be)."""
    while await db.run(month_close.fan_out, chunk):
        pass
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(Outbox.parent_id, Outbox.ref)
            .where(Outbox.kind == "debits")
            .order_by(Outbox.ref, Outbox.parent_id)
        )
        return list(rows)


async def _provider(db, external="100", provider="prov1"):
    async with db.uow() as uow:
        pid = await roles.grant(uow, f"tg:{external}", "provider", provider_external_id=provider)
        await uow.commit()
    return pid


async def _decide(db, staff, app, status, reason=None):
    async with db.uow() as uow:
        decision = await decisions.provider_decide(uow, staff, app, status, reason)
        await uow.commit()
    return decision


async def _conclude(db, staff, app):
    """The provider accepts and the family accepts the contract: the money is blocked."""
    return await db.run(accept_contract, staff, app)


async def _accepted(db, parent, child, external="g1", expected=None, staff=None):
    """Apply, the provider accepts and the contract is concluded: the money is blocked
    then."""
    app = await _apply(db, parent, child, external, expected)
    staff = staff or await _provider(db)
    assert (await _conclude(db, staff, app)).done
    return app


async def test_acceptance_reserves_price_times_months_left_applying_nothing(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        q = await quotes.quote_application(uow, parent, child, g)
    # 5 October: October..May are 8 months
    assert (q.money.months, q.money.monthly_share, q.money.monthly_copay) == (8, 100_000, 0)
    app = await _apply(db, parent, child, expected=Terms(100_000, 100_000))
    # applying blocks nothing: the money is blocked at the contract
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)
    staff = await _provider(db)
    decision = await _conclude(db, staff, app)
    assert (decision.done, decision.needed) == (True, 800_000)
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)


async def test_several_applications_then_the_second_acceptance_is_not_covered(db):
    await setup_region(db, rows=[catalogue_row(n, price=1000) for n in (1, 2, 3)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    # each quoted against what is available now: the whole share, no co-pay
    first = await _apply(db, parent, child, "g1", expected=Terms(100_000, 100_000))
    second = await _apply(db, parent, child, "g2", expected=Terms(100_000, 100_000))
    third = await _apply(db, parent, child, "g3", expected=Terms(100_000, 100_000))
    assert (await _conclude(db, staff, first)).done
    refused = await _conclude(db, staff, second)
    assert (refused.done, refused.needed, refused.available) == (False, 800_000, 300_000)
    refused_again = await _conclude(db, staff, second)
    assert not refused_again.done
    async with db.reader() as uow:
        # the seat stays held, the contract's offer stays open: it may be accepted again
        assert (await uow.session.get(Application, second)).status == "accepted"
        assert (await uow.session.get(Application, second)).reserved_left == 0
        contract = await contracts.current(uow, second)
        assert contract is not None
        assert (contract.status, contract.concluded_at, contract.digest) == ("offered", None, None)
        told = (
            await uow.session.scalars(
                select(Outbox.payload).where(Outbox.kind == "application_not_covered")
            )
        ).all()
    # the family is told once a day however often the provider presses
    assert len(told) == 1
    assert (told[0]["needed"], told[0]["available"]) == (800_000, 300_000)
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    # the family cancels the first: the money is free again and the second is accepted
    await db.run(enrolment.cancel, parent, first)
    assert (await _conclude(db, staff, second)).done
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    assert not (await _conclude(db, staff, third)).done


async def test_acceptance_later_in_the_year_reserves_only_the_months_left(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    app = await _apply(db, parent, child, expected=Terms(100_000, 100_000))
    clock.set(datetime(2026, 11, 3, 9, 0))  # November..May: 7 months
    staff = await _provider(db)
    assert (await _conclude(db, staff, app)).needed == 700_000
    assert await _balance(db, parent, child) == (1_100_000, 700_000, 400_000)


async def test_an_unanswered_application_expires_and_frees_its_seat(db, clock):
    await setup_region(db, rows=[catalogue_row(1, seats=1), catalogue_row(2)])
    parent, child = await parent_with_child(db)
    waiting = await _apply(db, parent, child, "g1")
    answered = await _accepted(db, parent, child, "g2")
    clock.set(datetime(2026, 10, 15, 11, 59))  # 9 days 23 hours 59 minutes later
    assert await jobs.expire_unanswered(db, 10) == 0
    clock.set(datetime(2026, 10, 15, 12, 0))
    assert await jobs.expire_unanswered(db, 10) == 1
    assert await jobs.expire_unanswered(db, 10) == 0  # once
    async with db.reader() as uow:
        assert (await uow.session.get(Application, waiting)).status == "expired"
        assert (await uow.session.get(Application, answered)).status == "accepted"
        g1 = await uow.session.scalar(select(Group).where(Group.external_id == "g1"))
        assert g1.taken == 0
        statuses = (
            await uow.session.scalars(
                select(Outbox.payload["status"].as_string()).where(
                    Outbox.kind == "application_status",
                    Outbox.payload["application_id"].as_integer() == waiting,
                )
            )
        ).all()
    assert statuses == ["submitted", "expired"]
    # the seat is free for another family
    other, other_child = await parent_with_child(db, "2")
    await _apply(db, other, other_child, "g1")


async def test_short_balance_gives_equal_share_and_copay(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, price=1000)])
    parent, child = await parent_with_child(db)
    await _accepted(db, parent, child)
    g2 = await group_id(db, "g2")
    async with db.uow() as uow:
        q = await quotes.quote_application(uow, parent, child, g2)
    assert (q.money.monthly_share, q.money.monthly_copay, q.money.reserve) == (
        37_500,
        62_500,
        300_000,
    )
    # the parent saw 37 500 a month; meanwhile nothing changed: accepted
    await _accepted(db, parent, child, "g2", expected=Terms(100_000, 37_500))
    assert (await _balance(db, parent, child))[2] == 0


async def test_quote_changed_when_balance_moved(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, price=1000)])
    parent, child = await parent_with_child(db)
    await _accepted(db, parent, child)
    g2 = await group_id(db, "g2")
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await enrolment.apply(uow, parent, child, g2, expected=Terms(100_000, 100_000))
    assert err.value.code == "quote_changed" and err.value.params["share"] == 37_500
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Application)) == 1


async def test_exhausted_certificate(db):
    await setup_region(
        db, rows=[catalogue_row(1, price=10000, months=(9, 5)), catalogue_row(2, price=1000)]
    )
    parent, child = await parent_with_child(db)
    await _accepted(db, parent, child)  # share 137 500 × 8 = 1 100 000: everything
    assert await _refusal(db, parent, child, "g2") == "certificate_exhausted"


async def test_refusal_codes_through_the_service(db):
    await setup_region(
        db,
        limit=1,
        rows=[
            catalogue_row(1, seats=1),
            catalogue_row(2, ages=(14, 17)),
            catalogue_row(3, months=(9, 9)),
            catalogue_row(4, register="significant", price=0),
            catalogue_row(5, register="other", price=0),
            catalogue_row(6, register="preprofessional", price=0, art=True),
        ],
    )
    parent, child = await parent_with_child(db)
    await _apply(db, parent, child)
    assert await _refusal(db, parent, child) == "already_applied"
    other, other_child = await parent_with_child(db, "2")
    # a full group is no refusal: the application joins its waiting list
    waiting = await _apply(db, other, other_child)
    async with db.reader() as uow:
        assert (await waiting_list.waiting_place(uow, waiting)).place == 1
    assert await _refusal(db, other, other_child) == "already_applied"
    assert await _refusal(db, parent, child, "g2") == "program_age_mismatch"
    assert await _refusal(db, parent, child, "g3") == "program_finished"
    await _apply(db, parent, child, "g4")
    assert await _refusal(db, parent, child, "g5") == "budget_limit_reached"
    # accounting certificate: certified programs refused, budget ones fine
    acc_parent, acc_child = await parent_with_child(db, "3", certificate="accounting")
    assert await _refusal(db, acc_parent, acc_child, "g2") == "program_age_mismatch"
    none_parent, none_child = await parent_with_child(db, "4", certificate=None)
    assert await _refusal(db, none_parent, none_child, "g4") == "certificate_required"
    # art schools are outside the certificate system
    await _apply(db, none_parent, none_child, "g6")


async def test_accounting_certificate_and_certified_program(db):
    await setup_region(db, rows=[catalogue_row(1), catalogue_row(2, register="significant")])
    parent, child = await parent_with_child(db, certificate="accounting")
    assert await _refusal(db, parent, child) == "funded_certificate_required"
    await _apply(db, parent, child, "g2")


async def test_cancel_and_reject_release_money_and_seat(db):
    await setup_region(db, rows=[catalogue_row(1, seats=1)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    app = await _accepted(db, parent, child, staff=staff)
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    async with db.uow() as uow:
        await enrolment.cancel(uow, parent, app)
        await uow.commit()
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)
    app = await _accepted(db, parent, child, staff=staff)
    with pytest.raises(DomainError) as err:
        await _decide(db, staff, app, AppStatus.REJECTED, "   ")
    assert err.value.code == "reason_required"
    await _decide(db, staff, app, AppStatus.REJECTED, "Группа для начинающих уже набрана")
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)
    async with db.uow() as uow:
        assert (await uow.session.scalar(select(Group))).taken == 0
        rejected = await uow.session.get(Application, app)
        assert rejected.reason == "Группа для начинающих уже набрана"
        statuses = (
            await uow.session.scalars(
                select(Outbox.payload["status"].as_string()).where(
                    Outbox.kind == "application_status"
                )
            )
        ).all()
    assert statuses == [
        "submitted",
        "accepted",
        "cancelled",
        "submitted",
        "accepted",
        "rejected",
    ]


async def test_provider_sees_only_its_own_applications(db):
    await setup_region(db, rows=[catalogue_row(1), catalogue_row(2, art=True)])
    parent, child = await parent_with_child(db)
    app = await _apply(db, parent, child)
    stranger = await _provider(db, "200", "prov2")
    with pytest.raises(DomainError) as err:
        await _decide(db, stranger, app, AppStatus.ACCEPTED)
    assert err.value.code == "application_not_found"
    # a parent cannot act as a provider, nor cancel someone else's application
    with pytest.raises(DomainError):
        await _decide(db, parent, app, AppStatus.ACCEPTED)
    other, _ = await parent_with_child(db, "2")
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await enrolment.cancel(uow, other, app)
    assert err.value.code == "application_not_found"


async def test_month_close_debits_prorated_once_then_leave(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    app = await _apply(db, parent, child)
    await _conclude(db, staff, app)
    await _decide(db, staff, app, AppStatus.ENROLLED)  # 5 October
    clock.set(datetime(2026, 11, 2, 9, 0))
    oct_ = month_index(2026, 10)
    for _ in range(2):  # closing twice debits once
        async with db.uow() as uow:
            await month_close.close_month(uow, oct_)
            await uow.commit()
    # the group meets on Mondays: from 5 October every Monday of October was within the
    # studies, so October costs the whole share (by calendar days it would be 27/31)
    assert await _balance(db, parent, child) == (1_100_000 - 100_000, 700_000, 300_000)
    clock.set(datetime(2026, 12, 1, 9, 0))
    async with db.uow() as uow:
        await month_close.close_month(uow, month_index(2026, 11))
        await uow.commit()
    total, reserved, _ = await _balance(db, parent, child)
    assert (total, reserved) == (1_100_000 - 200_000, 600_000)
    # leaving on 10 December: January..May released now, December kept for its close
    clock.set(datetime(2026, 12, 10, 9, 0))
    async with db.uow() as uow:
        await enrolment.leave(uow, parent, app)
        await uow.commit()
    assert (await _balance(db, parent, child))[1] == 100_000
    clock.set(datetime(2027, 1, 3, 9, 0))
    async with db.uow() as uow:
        await month_close.close_month(uow, month_index(2026, 12))
        await uow.commit()
    total, reserved, _ = await _balance(db, parent, child)
    assert reserved == 0
    # December's Mondays are 7, 14, 21, 28: one of four before leaving on the 10th
    assert total == 1_100_000 - 100_000 - 100_000 - 25_000
    async with db.uow() as uow:
        entries = (await uow.session.scalars(select(LedgerEntry))).all()
        assert sum(e.total_delta for e in entries) == total
        assert sum(e.reserved_delta for e in entries) == reserved
        debits = [e.month for e in entries if e.kind == "debit"]
        assert debits == [oct_, month_index(2026, 11), month_index(2026, 12)]
    notices = [r.ref for r in await _fanned_out(db)]
    assert notices == debits


async def test_enrolling_late_releases_months_gone(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    app = await _apply(db, parent, child)
    await _conclude(db, staff, app)
    clock.set(datetime(2026, 11, 16, 9, 0))
    await _decide(db, staff, app, AppStatus.ENROLLED)
    assert (await _balance(db, parent, child))[1] == 700_000
    async with db.uow() as uow:
        enrolled = await uow.session.get(Application, app)
        assert enrolled.start_day == date(2026, 11, 16).toordinal()


async def test_program_end_finishes_and_releases_rounding(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000, months=(9, 10))])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    app = await _apply(db, parent, child)
    await _conclude(db, staff, app)
    # from the second of October's four Mondays (the group's class days)
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 12))
    clock.set(datetime(2026, 11, 1, 9, 0))
    async with db.uow() as uow:
        result = await month_close.close_month(uow, month_index(2026, 10))
        await uow.commit()
    assert (result.debits, result.debited, result.releases) == (1, 75_000, 1)
    assert await _balance(db, parent, child) == (1_100_000 - 75_000, 0, 1_100_000 - 75_000)
    async with db.uow() as uow:
        left = (await uow.session.get(Application, app)).reserved_left
    assert left == 0
    async with db.uow() as uow:
        assert (await uow.session.get(Application, app)).status == "finished"
        assert (await uow.session.scalar(select(Group))).taken == 1  # until the year ends


async def test_switching_programs_keeps_funds(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, price=1000)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    app = await _apply(db, parent, child)
    await _conclude(db, staff, app)
    await _decide(db, staff, app, AppStatus.ENROLLED)
    async with db.uow() as uow:
        await enrolment.leave(uow, parent, app)
        await uow.commit()
    # only October stays reserved; the rest is available for the new program
    assert await _balance(db, parent, child) == (1_100_000, 100_000, 1_000_000)
    await _accepted(db, parent, child, "g2", expected=Terms(100_000, 100_000), staff=staff)
    assert (await _balance(db, parent, child))[2] == 200_000


async def test_one_grouped_notice_for_several_debits(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=500), catalogue_row(2, price=500)])
    parent, child = await parent_with_child(db)
    staff = await _provider(db)
    for ext in ("g1", "g2"):
        app = await _apply(db, parent, child, ext)
        await _conclude(db, staff, app)
        await _decide(db, staff, app, AppStatus.ENROLLED)
    clock.set(datetime(2026, 11, 1, 9, 0))
    async with db.uow() as uow:
        result = await month_close.close_month(uow, month_index(2026, 10))
        await uow.commit()
        assert result.debits == 2
        # the close writes no notice (it holds the exclusive gate); the worker fans out
        debits = select(func.count()).where(Outbox.kind == "debits")
        assert await uow.session.scalar(debits) == 0
    rows = await _fanned_out(db)
    # two debits of one family: one notice
    assert [(r.parent_id, r.ref) for r in rows] == [(parent, month_index(2026, 10))]


async def test_a_month_that_has_not_ended_cannot_be_closed(db, clock):
    # 5 October: November is in the future, and October itself has not ended
    for month in (month_index(2026, 11), month_index(2026, 10)):
        async with db.uow() as uow:
            with pytest.raises(DomainError) as err:
                await month_close.close_month(uow, month)
        assert err.value.code == "month_not_ended"
    # the region's date decides: 31 October 15:00 UTC is already 1 November in UTC+10
    clock.set(datetime(2026, 10, 31, 15, 0))
    regional = Database(db.url, clock=clock, timezone="Asia/Vladivostok")
    moscow = Database(db.url, clock=clock, timezone="Europe/Moscow")
    try:
        async with moscow.uow() as uow:
            with pytest.raises(DomainError):
                await month_close.close_month(uow, month_index(2026, 10))
        async with regional.uow() as uow:
            assert not (await month_close.close_month(uow, month_index(2026, 10))).already_closed
    finally:
        await regional.dispose()
        await moscow.dispose()


async def _enrolled(db, parent, child, external="g1"):
    staff = await _provider(db)
    app = await _apply(db, parent, child, external)
    await _conclude(db, staff, app)
    await _decide(db, staff, app, AppStatus.ENROLLED)
    return app


async def test_months_close_in_order(db, clock):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db)
    await _enrolled(db, parent, child)
    clock.set(datetime(2026, 12, 3, 9, 0))
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await month_close.close_month(uow, month_index(2026, 11))
    assert err.value.code == "month_previous_open"
    assert err.value.params["months"] == "10.2026"
    for month in (10, 11):
        assert not (await db.run(month_close.close_month, month_index(2026, month))).already_closed


async def test_a_new_year_does_not_open_over_unclosed_months(db, clock):
    from core.accounting import new_year

    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db)
    app = await _enrolled(db, parent, child)
    clock.set(datetime(2027, 9, 1, 9, 0))
    for month in (10, 11, 12):
        await db.run(month_close.close_month, month_index(2026, month))
    with pytest.raises(DomainError) as err:
        await db.run(new_year.open_year, 2027)
    assert err.value.code == "year_months_open"
    assert err.value.params["months"] == "01.2027, 02.2027, 03.2027, 04.2027, 05.2027"
    result = await db.run(new_year.open_year, 2027, close_missing=True)
    assert not result.already_open
    async with db.reader() as uow:
        debited = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "debit")
        )
        assert debited == 8  # October to May: the provider is paid for every month
        assert (await uow.session.get(Application, app)).reserved_left == 0


async def test_month_close_closes_the_certificate_of_a_child_who_turned_18(db, clock):
    await setup_region(db, quota=1, rows=[catalogue_row(1)])
    adult = await parent_with_child(db, "1", born=date(2008, 10, 20))  # 18 on 20 October
    waiting = await parent_with_child(db, "2")
    async with db.uow() as uow:
        assert (await certificates.view(uow, *waiting)).status == "queued"
    clock.set(datetime(2026, 11, 1, 9, 0))
    async with db.uow() as uow:
        await month_close.close_month(uow, month_index(2026, 10))
        await uow.commit()
    async with db.uow() as uow:
        assert (await certificates.view(uow, *adult)).status == "closed"
        assert (await certificates.view(uow, *waiting)).status == "funded"


async def test_art_schools_do_not_count_against_the_budget_limit(db):
    await setup_region(
        db,
        limit=1,
        rows=[
            catalogue_row(1, register="preprofessional", price=0, art=True),
            catalogue_row(2, register="preprofessional", price=0, art=True),
            catalogue_row(3, register="significant", price=0),
            catalogue_row(4, register="other", price=0),
        ],
    )
    parent, child = await parent_with_child(db)
    await _apply(db, parent, child, "g1")
    await _apply(db, parent, child, "g2")
    await _apply(db, parent, child, "g3")  # the one budget program the limit allows
    assert await _refusal(db, parent, child, "g4") == "budget_limit_reached"


async def test_no_budget_limit_without_the_municipality_s_year(db, clock):
    await setup_region(db, rows=[catalogue_row(1, register="significant", price=0)])
    parent, child = await parent_with_child(db, certificate="accounting")
    clock.set(datetime(2027, 9, 15, 10, 0))  # school year 2027: not set by the municipality
    assert await _refusal(db, parent, child, "g1") == "municipality_year_not_set"


async def test_notices_fan_out_once_per_family_in_chunks_even_across_months(db, clock):
    # the first family's two children hold certificates 1 and 3, the second family's 2:
    # fanned out a certificate at a time, the first family is met in two chunks
    await setup_region(db, rows=[catalogue_row(1, price=500)])
    staff = await _provider(db)
    first, child_a = await parent_with_child(db)
    second, child_b = await parent_with_child(db, "2")
    again, child_c = await parent_with_child(db, born=date(2015, 6, 1))
    assert again == first
    for parent, child in ((first, child_a), (second, child_b), (first, child_c)):
        app = await _apply(db, parent, child)
        await _conclude(db, staff, app)
        await _decide(db, staff, app, AppStatus.ENROLLED)
    clock.set(datetime(2026, 12, 2, 9, 0))
    months = (month_index(2026, 10), month_index(2026, 11))
    for month in months:
        await db.run(month_close.close_month, month)
    rows = await _fanned_out(db, chunk=1)
    assert sorted((r.parent_id, r.ref) for r in rows) == sorted(
        (p, m) for p in (first, second) for m in months
    )
    # nothing is left, and a worker asking again writes nothing twice
    assert await db.run(month_close.fan_out) == 0
    assert len(await _fanned_out(db)) == 4
