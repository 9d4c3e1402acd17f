"""A child of 14 or more joins the family with an account of their own."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.family import children, parents, teens
from core.outbox import delivery
from core.register import linking
from core.storage.models import Identity, Outbox
from core.usecases import family as family_cases
from tests.support.world import parent_with_child, setup_region


async def _account(db, platform: str, external: str) -> int:
    return (await db.run(parents.get_or_create, platform, external)).id


async def _teen(db, parent: int) -> int:
    """A child of 15 on 5 October 2026."""
    data = children.ChildInput("Иванов", "Глеб", None, date(2011, 9, 1), None, 1)
    return await db.run(children.add, parent, data)


async def test_an_invitation_joins_the_child_s_own_account(db):
    await setup_region(db, rows=[])
    parent, young = await parent_with_child(db, "1", born=date(2016, 3, 5))
    with pytest.raises(DomainError) as err:
        await db.run(teens.invite, parent, young)
    assert err.value.code == "teen_too_young"
    teen = await _teen(db, parent)
    code = await db.run(teens.invite, parent, teen)
    # the child's own Telegram account, the same messenger as the parent's
    own = await _account(db, "tg", "5050")
    assert await db.run(linking.redeem, own, "tg", code) == parent
    async with db.reader() as uow:
        assert await parents.acting_child(uow, "tg", "5050") == teen
        assert await parents.acting_child(uow, "tg", "1") is None
        # the family's notices go to the parent, not to the child's account
        who = await delivery.recipients(uow, [parent], {"tg", "vk"})
        assert who[parent].address == "1"
        told = set(
            await uow.session.scalars(select(Outbox.kind).where(Outbox.parent_id == parent))
        )
    assert "teen_linked" in told  # the parent is told the child joined
    # used once
    again = await _account(db, "vk", "6060")
    assert await db.run(linking.redeem, again, "vk", code) is None


async def test_an_account_with_a_family_of_its_own_is_not_a_child_s(db):
    await setup_region(db, rows=[])
    parent, _ = await parent_with_child(db, "1")
    teen = await _teen(db, parent)
    other, _ = await parent_with_child(db, "2")
    code = await db.run(teens.invite, parent, teen)
    assert await db.run(linking.redeem, other, "tg", code) is None


async def test_the_child_s_account_goes_with_the_child_s_data(db):
    await setup_region(db, rows=[])
    parent, _ = await parent_with_child(db, "1")
    teen = await _teen(db, parent)
    own = await _account(db, "tg", "5050")
    await db.run(linking.redeem, own, "tg", await db.run(teens.invite, parent, teen))
    await db.run(family_cases.remove_child, parent, teen)
    async with db.reader() as uow:
        gone = await uow.session.scalar(select(Identity).where(Identity.external_id == "5050"))
    assert gone is None
