"""50 applications at once against a balance that covers exactly 20."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.errors import DomainError
from core.services import certificates, enrolment
from core.storage.models import Application, LedgerEntry
from tests.support.world import catalog_row, group_id, parent_with_child, setup_region

N = 50
FITS = 20


async def test_fifty_concurrent_applications_reserve_exactly_twenty(db):
    # nominal 24 000 ₽ granted on 5 October: 22 000 ₽; each program reserves
    # 137.50 ₽ × 8 months = 1 100 ₽, so exactly 20 fit
    await setup_region(
        db, nominal=24000, rows=[catalog_row(n, price="137.50", seats=5) for n in range(N)]
    )
    parent, child = await parent_with_child(db)
    groups = [await group_id(db, f"g{n}") for n in range(N)]

    async def one(group: int) -> str:
        try:
            async with db.uow() as uow:
                await enrolment.apply(uow, parent, child, group, expected_share=13_750)
                await uow.commit()
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(one(g) for g in groups))
    assert results.count("ok") == FITS
    assert set(results) - {"ok"} <= {"certificate_exhausted", "quote_changed"}
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
        assert view.total == 2_200_000
        assert view.reserved == 2_200_000
        assert view.available == 0
        assert await uow.session.scalar(select(func.count()).select_from(Application)) == FITS
        reserved = await uow.session.scalar(
            select(func.sum(LedgerEntry.reserved_delta)).where(LedgerEntry.kind == "reserve")
        )
        assert reserved == 2_200_000


async def test_last_seat_goes_to_one_of_many(db):
    await setup_region(db, rows=[catalog_row(1, seats=1, register="significant", price=0)])
    families = [await parent_with_child(db, str(n), certificate="accounting") for n in range(10)]
    g = await group_id(db, "g1")

    async def one(parent: int, child: int) -> str:
        try:
            async with db.uow() as uow:
                await enrolment.apply(uow, parent, child, g)
                await uow.commit()
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(one(p, c) for p, c in families))
    assert results.count("ok") == 1
    assert results.count("no_free_seats") == 9


async def test_two_closes_of_one_month_at_once_give_one_close(db, clock):
    import datetime as dt

    from core.rules.calendar import month_index
    from core.services import month_close

    await setup_region(db, rows=[catalog_row(1)])
    clock.set(dt.datetime(2026, 11, 2, 9, 0))
    results = await asyncio.gather(
        *(db.run(month_close.close_month, month_index(2026, 10)) for _ in range(4))
    )
    assert sorted(r.already_closed for r in results) == [False, True, True, True]
