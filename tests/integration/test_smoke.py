from __future__ import annotations

from core.services import certificates, enrolment
from tests.support.world import catalog_row, group_id, parent_with_child, setup_region


async def test_apply_reserves_money(db):
    await setup_region(db, rows=[catalog_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        q = await enrolment.quote_application(uow, parent, child, g)
        app = await enrolment.apply(uow, parent, child, g, expected_share=q.money.monthly_share)
        await uow.commit()
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
    assert app
    assert view.reserved == q.money.reserve
