"""A full group's waiting list: in order of arrival, a freed seat held for the first with
a deadline, passed on when it is declined or not taken in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.catalogue import municipalities_import
from core.enrolment import decisions, enrolment, waiting_list
from core.errors import DomainError
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Application, Group, Municipality, Outbox
from core.usecases import jobs
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region


async def _world(db, families: int = 4):  # type: ignore[no-untyped-def]
    await setup_region(db, rows=[catalogue_row(1, seats=1, price=1000)])
    g = await group_id(db, "g1")
    people = [await parent_with_child(db, str(n + 1)) for n in range(families)]
    apps = [await db.run(enrolment.apply, p, c, g) for p, c in people]
    return g, people, apps


async def _status(db, app: int) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        a = await uow.session.get(Application, app)
        return a.status, a.hold_until


async def _group(db, g: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        group = await uow.session.get(Group, g)
        return group.taken, group.waiting


async def test_full_group_lists_in_order_and_a_freed_seat_is_held_for_the_first(db, clock):
    g, people, apps = await _world(db)
    assert [(await _status(db, a))[0] for a in apps] == ["submitted"] + ["waiting"] * 3
    async with db.reader() as uow:
        assert [(await waiting_list.waiting_place(uow, a)).place for a in apps[1:]] == [1, 2, 3]
    assert await _group(db, g) == (1, 3)
    # the seated family cancels: the seat is held for the first waiting, not freed
    await db.run(enrolment.cancel, people[0][0], apps[0])
    status, until = await _status(db, apps[1])
    assert status == "offered" and until == clock() + timedelta(hours=24)
    assert await _group(db, g) == (1, 2)
    async with db.reader() as uow:
        notice = await uow.session.scalar(
            select(Outbox).where(Outbox.kind == "seat_offered", Outbox.parent_id == people[1][0])
        )
        assert notice.payload["application_id"] == apps[1]
        assert (await waiting_list.waiting_place(uow, apps[2])).place == 1
    # a newcomer does not take the held seat: they join the end of the list
    late, late_child = await parent_with_child(db, "9")
    late_app = await db.run(enrolment.apply, late, late_child, g)
    assert (await _status(db, late_app))[0] == "waiting"
    # the first takes it: submitted to the provider, nobody else is offered
    await db.run(enrolment.take, people[1][0], apps[1])
    assert (await _status(db, apps[1]))[0] == "submitted"
    assert await _group(db, g) == (1, 3)


async def test_a_declined_or_lapsed_seat_passes_down_the_list(db, clock):
    g, people, apps = await _world(db)
    await db.run(enrolment.cancel, people[0][0], apps[0])
    # declined: the next one is offered
    await db.run(enrolment.cancel, people[1][0], apps[1])
    assert (await _status(db, apps[2]))[0] == "offered"
    # not taken in time: the worker passes it on; taking it afterwards is refused
    assert await jobs.expire_offers(db) == 0  # not yet
    clock.advance(hours=24, minutes=1)
    assert await jobs.expire_offers(db) == 1
    assert await _status(db, apps[2]) == ("expired", None)
    async with db.reader() as uow:
        lapsed = await uow.session.get(Application, apps[2])
        assert lapsed.reason == waiting_list.OFFER_LAPSED
    with pytest.raises(DomainError) as err:
        await db.run(enrolment.take, people[2][0], apps[2])
    assert err.value.code == "offer_gone"
    assert (await _status(db, apps[3]))[0] == "offered"
    # the last declines too: with nobody waiting the seat is free for anyone
    await db.run(enrolment.cancel, people[3][0], apps[3])
    assert await _group(db, g) == (0, 0)


async def test_leaving_the_list_and_another_familys_offer(db, clock):
    g, people, apps = await _world(db, families=3)
    await db.run(enrolment.cancel, people[1][0], apps[1])  # leaves the list
    assert await _group(db, g) == (1, 1)
    async with db.reader() as uow:
        assert (await waiting_list.waiting_place(uow, apps[2])).place == 1
    # the provider rejects the seated child: the seat goes to the one still waiting
    async with db.uow() as uow:
        staff = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await uow.commit()
    await db.run(decisions.provider_decide, staff, apps[0], AppStatus.REJECTED, "Нет справки")
    assert (await _status(db, apps[2]))[0] == "offered"
    # a button of another family's offer finds nothing
    for fn in (enrolment.take, waiting_list.offered):
        with pytest.raises(DomainError) as err:
            await db.run(fn, people[0][0], apps[2])
        assert err.value.code in ("offer_gone", "application_not_found")


async def test_the_hold_is_the_municipalitys_setting(db, clock):
    await setup_region(db, rows=[catalogue_row(1, seats=1, price=1000)])
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow,
            "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
            "seat_hold_hours\ntown,Город,Регион,2026,10,12000,2,6\n",
        )
        assert report.ok, report.errors
        await uow.commit()
    async with db.reader() as uow:
        hours = await uow.session.scalar(
            select(Municipality.seat_hold_hours).where(Municipality.code == "town")
        )
    assert hours == 6
    g = await group_id(db, "g1")
    first, c1 = await parent_with_child(db, "1")
    second, c2 = await parent_with_child(db, "2")
    a1 = await db.run(enrolment.apply, first, c1, g)
    a2 = await db.run(enrolment.apply, second, c2, g)
    await db.run(enrolment.cancel, first, a1)
    assert await _status(db, a2) == ("offered", clock() + timedelta(hours=6))


async def test_a_seat_freed_while_someone_joins_the_list_goes_to_them(db, clock):
    """A family joins the full group's list (its transaction still open, the group's row
    locked) while the seated family cancels: the cancel's look for the first waiting sees
    nobody yet, but the seat must not become free for anyone — it waits for the row and
    then holds the seat for the newcomer. (Found by the harness on PostgreSQL: "1 free,
    1 waiting".)"""
    import asyncio

    g, people, apps = await _world(db, families=1)
    late, late_child = await parent_with_child(db, "9")
    async with db.uow() as joining:
        late_app = await enrolment.apply(joining, late, late_child, g)
        cancel = asyncio.create_task(db.run(enrolment.cancel, people[0][0], apps[0]))
        await asyncio.sleep(0.5)  # the cancel is under way, held by the group's row
        await joining.commit()
    await cancel
    assert await _group(db, g) == (1, 0)
    assert (await _status(db, late_app))[0] == "offered"
