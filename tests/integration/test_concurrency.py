"""50 contracts concluded at once against a balance that covers exactly 20; the last seat."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.certificates import certificates
from core.enrolment import enrolment, waiting_list
from core.rules.money import Terms
from core.staff import roles
from core.storage.models import Application, Contract, Group, LedgerEntry
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

N = 50
FITS = 20


async def test_fifty_concurrent_acceptances_reserve_exactly_twenty(db):
    # nominal 24 000 ₽ granted on 5 October: 22 000 ₽; each program reserves
    # 137.50 ₽ × 8 months = 1 100 ₽ at acceptance, so exactly 20 fit
    await setup_region(
        db, nominal=24000, rows=[catalogue_row(n, price="137.50", seats=5) for n in range(N)]
    )
    parent, child = await parent_with_child(db)
    staff = await db.run(roles.grant, "tg:100", "provider", provider_external_id="prov1")
    apps = []
    for n in range(N):
        # each quoted against the whole balance: applying blocks nothing
        g = await group_id(db, f"g{n}")
        apps.append(
            await db.run(enrolment.apply, parent, child, g, expected=Terms(13_750, 13_750))
        )

    async def one(app: int) -> str:
        decision = await db.run(accept_contract, staff, app)
        return "ok" if decision.done else "not_covered"

    results = await asyncio.gather(*(one(a) for a in apps))
    assert results.count("ok") == FITS
    assert results.count("not_covered") == N - FITS
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
        assert view.total == 2_200_000
        assert view.reserved == 2_200_000
        assert view.available == 0
        statuses = dict(
            (
                await uow.session.execute(
                    select(Application.status, func.count()).group_by(Application.status)
                )
            ).all()
        )
        # every seat is held; the contracts not covered stay offered (the family may free
        # money and accept again), the others are concluded
        assert statuses == {"accepted": N}
        contracts = dict(
            (
                await uow.session.execute(
                    select(Contract.status, func.count()).group_by(Contract.status)
                )
            ).all()
        )
        assert contracts == {"concluded": FITS, "offered": N - FITS}
        held = await uow.session.scalar(select(func.sum(Application.reserved_left)))
        assert held == 2_200_000
        reserved = await uow.session.scalar(
            select(func.sum(LedgerEntry.reserved_delta)).where(LedgerEntry.kind == "reserve")
        )
        assert reserved == 2_200_000


async def test_last_seat_goes_to_the_first_and_the_rest_wait_in_order(db):
    await setup_region(db, rows=[catalogue_row(1, seats=1, register="significant", price=0)])
    families = [await parent_with_child(db, str(n), certificate="accounting") for n in range(10)]
    g = await group_id(db, "g1")

    async def one(parent: int, child: int) -> int:
        async with db.uow() as uow:
            app = await enrolment.apply(uow, parent, child, g)
            await uow.commit()
            return app

    ids = await asyncio.gather(*(one(p, c) for p, c in families))
    async with db.reader() as uow:
        rows = (
            await uow.session.execute(
                select(Application.id, Application.status).order_by(Application.id)
            )
        ).all()
        group = await uow.session.get(Group, g)
        counts = (group.taken, group.waiting)
        places = [await waiting_list.waiting_place(uow, i) for i, _ in rows[1:]]
    assert sorted(ids) == [i for i, _ in rows]
    # the seat went to the application that reached the group's row first (the lowest
    # id: drawn while the row is held); the nine others wait in that same order
    assert [s for _, s in rows] == ["submitted"] + ["waiting"] * 9
    assert [p.place for p in places] == list(range(1, 10))
    assert counts == (1, 9)


async def test_two_closes_of_one_month_at_once_give_one_close(db, clock):
    import datetime as dt

    from core.accounting import month_close
    from core.rules.calendar import month_index

    await setup_region(db, rows=[catalogue_row(1)])
    clock.set(dt.datetime(2026, 11, 2, 9, 0))
    results = await asyncio.gather(
        *(db.run(month_close.close_month, month_index(2026, 10)) for _ in range(4))
    )
    assert sorted(r.already_closed for r in results) == [False, True, True, True]
