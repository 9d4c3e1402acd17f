from __future__ import annotations

from core.certificates import certificates
from core.enrolment import enrolment, quotes
from core.staff import roles
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def test_applying_quotes_and_acceptance_reserves(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        q = await quotes.quote_application(uow, parent, child, g)
        app = await enrolment.apply(uow, parent, child, g, expected=q.money.terms)
        await uow.commit()
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, child)).reserved == 0
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    await db.run(accept_contract, staff, app)
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
    assert view.reserved == q.money.reserve
