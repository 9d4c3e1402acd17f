"""The contract (договор-оферта) on both databases: offered at the provider's acceptance,
the money blocked at its conclusion (in the chat or on paper) against what is available
then, declined, lapsed after the municipality's offer_days (the seat to the waiting list,
the family and the provider told), ended with the application's last day."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.certificates import certificates
from core.enrolment import concluding, contracts, decisions, enrolment
from core.errors import DomainError
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Application, AuditRecord, Contract, Group, Municipality, Outbox
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region

TEXT = "ДОГОВОР-ОФЕРТА\n\nУсловия: 1 000,00 ₽ в месяц."


async def _staff(db) -> int:  # type: ignore[no-untyped-def]
    return await db.run(roles.grant, "tg:700", "provider", provider_external_id="prov1")


async def _balance(db, parent: int, child: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
        return view.total, view.reserved, view.available


async def _contract(db, app: int) -> Contract:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        found = await contracts.current(uow, app)
        assert found is not None
        return found


async def _notices(db, kind: str) -> list[Outbox]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        return list(
            await uow.session.scalars(
                select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)
            )
        )


async def _accepted(db, seats: int = 10, programs: int = 1):  # type: ignore[no-untyped-def]
    """A family applied to each program; the provider accepted the first."""
    await setup_region(
        db, rows=[catalogue_row(n, price=1000, seats=seats) for n in range(1, programs + 1)]
    )
    parent, child = await parent_with_child(db)
    staff = await _staff(db)
    apps = [
        await db.run(enrolment.apply, parent, child, await group_id(db, f"g{n}"))
        for n in range(1, programs + 1)
    ]
    assert (await db.run(decisions.provider_decide, staff, apps[0], AppStatus.ACCEPTED)).done
    return parent, child, staff, apps


async def test_acceptance_holds_the_seat_and_offers_the_contract_the_money_at_conclusion(
    db, clock
):
    parent, child, staff, (app,) = await _accepted(db)
    # accepted: the seat is held, nothing is blocked yet, the offer is open for 5 days
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)
    offered = await _contract(db, app)
    assert offered.status == "offered"
    assert offered.deadline == clock() + timedelta(days=5)
    async with db.reader() as uow:
        view = await concluding.view(uow, parent, app)
    assert view is not None
    assert (view.months, view.monthly_price, view.monthly_share) == (8, 100_000, 100_000)
    assert (view.share_total, view.copay_total) == (800_000, 0)
    assert view.first_day == date(2026, 10, 5)  # the group's next class day (Monday)
    # enrolment waits for the contract
    with pytest.raises(DomainError) as err:
        await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 5))
    assert err.value.code == "contract_not_concluded"
    # the family accepts in the chat: the text as shown, its digest, the account, the moment
    decision = await db.run(concluding.accept, parent, app, TEXT, "tg:1")
    assert (decision.done, decision.needed) == (True, 800_000)
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    done = await _contract(db, app)
    assert (done.status, done.method, done.account, done.concluded_by) == (
        "concluded",
        "chat",
        "tg:1",
        parent,
    )
    assert done.text == TEXT
    assert done.digest == hashlib.sha256(TEXT.encode()).hexdigest()
    assert done.concluded_at == clock()
    # the provider's staff are told, and may enrol now
    told = await _notices(db, "contract_event")
    assert [(n.parent_id, n.payload["event"]) for n in told] == [(staff, "concluded")]
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 5))
    # accepting twice is refused, and blocks nothing twice
    with pytest.raises(DomainError) as err:
        await db.run(concluding.accept, parent, app, TEXT, "tg:1")
    assert err.value.code == "contract_already_concluded"
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)


async def test_conclusion_not_covered_is_refused_with_the_figures_and_the_offer_stays(db):
    parent, child, staff, (first, second) = await _accepted(db, programs=2)
    assert (await db.run(concluding.accept, parent, first, TEXT, "tg:1")).done
    assert (await db.run(decisions.provider_decide, staff, second, AppStatus.ACCEPTED)).done
    refused = await db.run(concluding.accept, parent, second, TEXT, "tg:1")
    assert (refused.done, refused.needed, refused.available) == (False, 800_000, 300_000)
    # on paper too: the same figures, recorded in the audit trail as not covered
    on_paper = await db.run(concluding.sign_paper, staff, second)
    assert (on_paper.done, on_paper.needed, on_paper.available) == (False, 800_000, 300_000)
    assert (await _contract(db, second)).status == "offered"
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    told = await _notices(db, "application_not_covered")
    assert len(told) == 1  # once a day however often it is tried
    assert (told[0].payload["needed"], told[0].payload["available"]) == (800_000, 300_000)
    # the family frees the money: the same offer is concluded
    await db.run(enrolment.cancel, parent, first)
    assert (await db.run(concluding.accept, parent, second, TEXT, "tg:1")).done
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)


async def test_paper_signature_blocks_the_money_and_is_audited(db):
    parent, child, staff, (app,) = await _accepted(db)
    # only the provider's staff may record it
    with pytest.raises(DomainError):
        await db.run(concluding.sign_paper, parent, app)
    decision = await db.run(concluding.sign_paper, staff, app)
    assert (decision.done, decision.needed) == (True, 800_000)
    assert await _balance(db, parent, child) == (1_100_000, 800_000, 300_000)
    done = await _contract(db, app)
    assert (done.status, done.method, done.concluded_by, done.text) == (
        "concluded",
        "paper",
        staff,
        None,
    )
    async with db.reader() as uow:
        trail = list(
            await uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "contract-paper")
            )
        )
    assert [(r.application_id, r.outcome, r.actor) for r in trail] == [
        (app, "ok", f"staff:{staff}")
    ]


async def test_a_declined_contract_cancels_and_passes_the_seat_on(db):
    parent, child, staff, (app,) = await _accepted(db, seats=1)
    other, other_child = await parent_with_child(db, "2")
    g = await group_id(db, "g1")
    waiting = await db.run(enrolment.apply, other, other_child, g)
    await db.run(concluding.decline, parent, app)
    assert (await _contract(db, app)).status == "declined"
    async with db.reader() as uow:
        assert (await uow.session.get(Application, app)).status == "cancelled"
        assert (await uow.session.get(Application, waiting)).status == "offered"
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)
    # the provider is told the family cancelled
    left = await _notices(db, "child_left")
    assert [(n.parent_id, n.payload["why"]) for n in left] == [(staff, "cancelled")]
    with pytest.raises(DomainError) as err:
        await db.run(concluding.accept, parent, app, TEXT, "tg:1")
    assert err.value.code == "contract_gone"


async def test_an_offer_not_accepted_in_time_lapses_the_seat_to_the_waiting_list(db, clock):
    parent, child, staff, (app,) = await _accepted(db, seats=1)
    # the municipality gives 2 days
    async with db.uow() as uow:
        await uow.session.execute(update(Municipality).values(offer_days=2))
        await uow.commit()
    assert (await db.run(decisions.provider_decide, staff, app, AppStatus.REJECTED, "x")).done
    # (a rejected application's offer is void: nothing lapses for it)
    fresh = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    assert (await db.run(decisions.provider_decide, staff, fresh, AppStatus.ACCEPTED)).done
    other, other_child = await parent_with_child(db, "2")
    waiting = await db.run(enrolment.apply, other, other_child, await group_id(db, "g1"))
    assert await concluding.lapse_offers(db) == 0  # not yet
    clock.advance(days=2, minutes=1)
    # accepting after the deadline is refused even before the worker passes
    with pytest.raises(DomainError) as err:
        await db.run(concluding.accept, parent, fresh, TEXT, "tg:1")
    assert err.value.code == "contract_gone"
    assert await concluding.lapse_offers(db) == 1
    assert await concluding.lapse_offers(db) == 0  # once
    assert (await _contract(db, fresh)).status == "lapsed"
    async with db.reader() as uow:
        lapsed = await uow.session.get(Application, fresh)
        assert (lapsed.status, lapsed.reason) == ("expired", contracts.LAPSED_REASON)
        assert (await uow.session.get(Application, waiting)).status == "offered"
        group = await uow.session.get(Group, lapsed.group_id)
        assert (group.taken, group.waiting) == (1, 0)
        old = await contracts.current(uow, app)
        assert old is not None and old.status == "offered"  # its application was rejected
        view = await concluding.view(uow, parent, app)
        assert view is not None and view.status == "void"
    # the family is told (its application's notice) and the provider's staff
    family = [
        n.payload
        for n in await _notices(db, "application_status")
        if n.payload["application_id"] == fresh and n.payload["status"] == "expired"
    ]
    assert [p["reason"] for p in family] == [contracts.LAPSED_REASON]
    staff_told = await _notices(db, "contract_event")
    assert [(n.parent_id, n.payload["event"]) for n in staff_told] == [(staff, "lapsed")]
    assert await _balance(db, parent, child) == (1_100_000, 0, 1_100_000)


async def test_ending_the_studies_terminates_the_contract_with_the_last_day(db, clock):
    parent, _, staff, (app,) = await _accepted(db)
    assert (await db.run(concluding.accept, parent, app, TEXT, "tg:1")).done
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 5))
    clock.advance(days=10)
    await db.run(decisions.provider_finish, staff, app, date(2026, 10, 14))
    stranger, _ = await parent_with_child(db, "3")
    async with db.reader() as uow:
        view = await concluding.view(uow, parent, app)
        # another family sees nothing
        assert await concluding.view(uow, stranger, app) is None
    assert view is not None
    assert (view.status, view.first_day, view.last_day) == (
        "terminated",
        date(2026, 10, 5),
        date(2026, 10, 14),
    )
    assert view.text == TEXT
