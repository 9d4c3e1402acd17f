"""One child, one certificate for life: the same child is never registered twice, and a
register entry outlives a withdrawal to come back, with its money, when the child does."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.accounting import month_close
from core.certificates import certificates, confirmations
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.family import children, parents
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles as roles_service
from core.storage.models import Certificate, LedgerEntry, Outbox
from core.usecases import family as family_cases
from tests.support.world import accept_contract, catalogue_row, confirmer, group_id, setup_region

SNILS = "11223344595"


async def _family(db, external: str) -> int:
    async def make(uow):
        parent = await parents.get_or_create(uow, "tg", external)
        await parents.give_consent(uow, parent.id)
        return parent.id

    return await db.run(make)


def _child(surname="Соколова", name="Алёна", snils=None, muni=1, born=date(2016, 3, 5)):
    return children.ChildInput(surname, name, None, born, snils, muni)


async def _refused(db, parent, data) -> str:
    with pytest.raises(DomainError) as err:
        await db.run(children.add, parent, data)
    return err.value.code


async def test_a_second_family_cannot_register_the_same_child(db):
    await setup_region(db, rows=[])
    first, second = await _family(db, "1"), await _family(db, "2")
    await db.run(children.add, first, _child(snils=SNILS))
    # the same СНИЛС, however the name is typed
    assert await _refused(db, second, _child(name="Алена", snils=SNILS)) == (
        "child_registered_elsewhere"
    )
    # without a СНИЛС: the full name (case, ё/е) and birth date in the same municipality
    assert await _refused(db, second, _child("СОКОЛОВА", "алена")) == "child_registered_elsewhere"
    assert await _refused(db, first, _child()) == "child_already_registered"
    # another municipality, another birth date, or two different СНИЛС: another child
    await db.run(children.add, second, _child(muni=2))
    await db.run(children.add, second, _child(born=date(2016, 3, 6)))
    await db.run(children.add, second, _child(name="Вера", snils="11223344696"))
    # editing a child into one already registered is refused too
    other = await db.run(children.add, second, _child(name="Нина"))
    with pytest.raises(DomainError) as err:
        await db.run(children.update_child, second, other, _child(snils=SNILS))
    assert err.value.code == "child_registered_elsewhere"


async def _enrolled_and_debited(db, clock, parent: int, child: int) -> None:
    staff = await db.run(roles_service.grant, "tg:900", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    await db.run(accept_contract, staff, app)
    await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))


async def test_withdrawal_keeps_a_keyed_entry_and_the_child_gets_it_back(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent = await _family(db, "1")
    child = await db.run(children.add, parent, _child(snils=SNILS))
    cert = await db.run(certificates.issue, parent, child)
    # asked for funding before the МОЦ confirmed: funded once confirmed
    assert await db.run(certificates.request_funding, parent, child) == "awaiting"
    assert await db.run(confirmations.confirm, await db.run(confirmer), cert) == "funded"
    await _enrolled_and_debited(db, clock, parent, child)
    async with db.reader() as uow:
        before = await certificates.view(uow, parent, child)
    left = before.total
    assert left == 1_100_000 - 100_000  # every Monday of October from the 5th: all of it

    await db.run(family_cases.withdraw_consent, parent)
    async with db.reader() as uow:
        [entry] = (await uow.session.scalars(select(Certificate))).all()
        # the register entry stays: number, money; no child, and nothing readable of one
        assert entry.child_id is None and entry.number == before.number
        assert entry.total == left and entry.status == "closed"
        assert len(entry.snils_key) == 64 and len(entry.person_key) == 64
        assert SNILS not in entry.snils_key

    # the family comes back and registers the same child (typed a little differently)
    await db.run(parents.give_consent, parent)
    again = await db.run(children.add, parent, _child(name="Алена", snils=SNILS))
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, again)
        assert await uow.session.scalar(select(func.count()).select_from(Certificate)) == 1
        restored = await uow.session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.kind == "certificate_status", Outbox.parent_id == parent)
        )
    assert (view.number, view.total, view.status) == (before.number, left, "accounting")
    assert restored == 1
    with pytest.raises(DomainError) as err:
        await db.run(certificates.issue, parent, again)
    assert err.value.code == "certificate_exists"
    # funded again in the same year: the year's money was credited once and is not again
    assert await db.run(certificates.request_funding, parent, again) == "funded"
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, again)).total == left
        credits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "credit")
        )
    assert credits == 1


async def test_a_removed_child_registered_by_another_family_brings_the_entry(db):
    await setup_region(db, rows=[])
    first, second = await _family(db, "1"), await _family(db, "2")
    child = await db.run(children.add, first, _child())
    cert = await db.run(certificates.issue, first, child)
    await db.run(family_cases.remove_child, first, child)
    # the other parent registers the child now, with a СНИЛС the first did not give
    moved = await db.run(children.add, second, _child(snils=SNILS))
    async with db.reader() as uow:
        entry = await uow.session.get(Certificate, cert)
        assert (entry.child_id, entry.person_key, entry.snils_key) == (moved, None, None)


async def test_the_same_child_registered_at_once_by_five_families_is_registered_once(db):
    await setup_region(db, rows=[])
    families = [await _family(db, str(n)) for n in range(5)]

    async def one(parent: int) -> str:
        try:
            await db.run(children.add, parent, _child())
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(one(p) for p in families))
    assert sorted(results) == ["child_registered_elsewhere"] * 4 + ["ok"]

    # and a kept entry goes back to one family only
    [winner] = [p for p, r in zip(families, results, strict=True) if r == "ok"]
    async with db.reader() as uow:
        [kid] = await children.list_children(uow, winner)
    await db.run(certificates.issue, winner, kid.id)
    await db.run(family_cases.withdraw_consent, winner)
    others = [p for p in families if p != winner]
    results = await asyncio.gather(*(one(p) for p in others))
    assert sorted(results) == ["child_registered_elsewhere"] * 3 + ["ok"]
    async with db.reader() as uow:
        [entry] = (await uow.session.scalars(select(Certificate))).all()
        assert entry.child_id is not None
