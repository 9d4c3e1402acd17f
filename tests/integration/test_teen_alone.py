"""A child of 14 to 17 starts alone: registers themselves, requests the certificate (the МОЦ
checks their own documents), and a parent joins later with the code the child shows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.certificates import certificates, confirmations
from core.errors import DomainError
from core.family import children, parents, teens
from core.outbox import delivery
from core.register import linking
from core.rules.enrolment import CertStatus
from core.rules.people import snils_checksum
from core.storage.models import Certificate, Child, Identity, Outbox, Parent
from tests.support.world import confirmer, parent_with_child, setup_region

# the clock of the tests reads 5 October 2026
FIFTEEN = date(2011, 3, 5)


def snils(nine: str) -> str:
    return f"{nine}{snils_checksum(nine):02d}"


def me(born: date = FIFTEEN, number: str = "112233445", surname: str = "Соколова"):
    return children.ChildInput(surname, "Алина", "Игоревна", born, snils(number), 1)


async def _alone(db, external: str, data: children.ChildInput) -> tuple[int, int]:
    """A new Telegram account registers itself; (its family, the child)."""
    family = (await db.run(parents.get_or_create, "tg", external)).id
    child = await db.run(teens.register_self, family, "tg", external, data)
    return family, child


async def test_a_teen_registers_alone_and_requests_the_certificate(db):
    await setup_region(db, rows=[])
    family, child = await _alone(db, "7001", me())
    async with db.reader() as uow:
        assert await parents.acting_child(uow, "tg", "7001") == child
        view = await parents.view(uow, family)
        assert view.consent  # their own consent
        assert await teens.alone(uow, family)
        kids = await children.list_children(uow, family)
        # notices reach the child's own account: there is no parent's yet
        who = await delivery.recipients(uow, [family], {"tg"})
    assert [(k.id, k.surname, k.age) for k in kids] == [(child, "Соколова", 15)]
    assert who[family].address == "7001"
    cert_id = await db.run(certificates.issue, family, child, by_child=True)
    with pytest.raises(DomainError) as err:  # one child, one certificate
        await db.run(certificates.issue, family, child, by_child=True)
    assert err.value.code == "certificate_exists"
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    card = await db.read(confirmations.pending_one, staff, cert_id)
    assert card.own_request and card.full_name == "Соколова Алина Игоревна"
    assert await db.run(confirmations.confirm, staff, cert_id) == CertStatus.ACCOUNTING


async def test_a_parent_s_request_is_not_the_child_s_own(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, "1", certificate=None)
    cert_id = await db.run(certificates.issue, parent, child)
    async with db.reader() as uow:
        cert = await uow.session.get(Certificate, cert_id)
        assert cert is not None and cert.own_request is False


@pytest.mark.parametrize(
    ("born", "code"),
    [
        (date(2012, 10, 6), "teen_self_too_young"),  # 14 tomorrow
        (date(2008, 10, 5), "teen_self_adult"),  # 18 today
    ],
)
async def test_only_14_to_17_register_alone(db, born, code):
    await setup_region(db, rows=[])
    family = (await db.run(parents.get_or_create, "tg", "7002")).id
    with pytest.raises(DomainError) as err:
        await db.run(teens.register_self, family, "tg", "7002", me(born))
    assert err.value.code == code
    async with db.reader() as uow:
        assert (await parents.view(uow, family)).consent is False
        assert await uow.session.scalar(select(func.count()).select_from(Child)) == 0
    # 14 today: may
    _, child = await _alone(db, "7003", me(date(2012, 10, 5), "223344556"))
    assert child


async def test_alone_needs_a_snils_and_a_new_account(db):
    await setup_region(db, rows=[])
    family = (await db.run(parents.get_or_create, "tg", "7004")).id
    with pytest.raises(DomainError) as err:
        await db.run(
            teens.register_self,
            family,
            "tg",
            "7004",
            children.ChildInput("Соколова", "Алина", None, FIFTEEN, None, 1),
        )
    assert err.value.code == "teen_self_snils"
    parent, _ = await parent_with_child(db, "1", certificate=None)
    with pytest.raises(DomainError) as err:
        await db.run(teens.register_self, parent, "tg", "1", me())
    assert err.value.code == "teen_self_not_new"
    # a child already registered by a parent: refused, nothing of the teen's kept
    _, kid = await _alone(db, "7005", me(number="334455667", surname="Орлова"))
    stranger = (await db.run(parents.get_or_create, "tg", "7006")).id
    with pytest.raises(DomainError) as err:
        await db.run(
            teens.register_self, stranger, "tg", "7006", me(number="334455667", surname="Орлова")
        )
    assert err.value.code == "teen_self_registered"
    async with db.reader() as uow:
        assert (await parents.view(uow, stranger)).consent is False
        assert await parents.acting_child(uow, "tg", "7006") is None
        owner = await uow.session.scalar(select(Child.parent_id).where(Child.id == kid))
    assert owner != stranger


async def test_the_parent_joins_with_the_child_s_code(db):
    await setup_region(db, rows=[])
    family, child = await _alone(db, "7001", me())
    await db.run(certificates.issue, family, child, by_child=True)
    parent, own_kid = await parent_with_child(db, "1", certificate=None)
    code = await db.run(teens.parent_code, family, child)
    assert await db.run(linking.redeem, parent, "tg", code) == parent
    async with db.reader() as uow:
        kids = {k.id for k in await children.list_children(uow, parent)}
        # the child keeps their own account, now in the parent's family
        assert await parents.acting_child(uow, "tg", "7001") == child
        row = await uow.session.scalar(select(Identity).where(Identity.external_id == "7001"))
        assert row is not None and row.parent_id == parent
        assert await uow.session.get(Parent, family) is None
        assert not await teens.alone(uow, parent)
        cert = await uow.session.scalar(select(Certificate).where(Certificate.child_id == child))
        who = await delivery.recipients(uow, [parent], {"tg"})
        told = list(
            await uow.session.scalars(select(Outbox.kind).where(Outbox.parent_id == parent))
        )
    assert kids == {own_kid, child}
    assert cert is not None and cert.own_request
    assert who[parent].address == "1"  # the family's notices are the parent's again
    assert "teen_linked" in told
    # once a parent is in, the child shows no code: the parent invites
    with pytest.raises(DomainError) as err:
        await db.run(teens.parent_code, parent, child)
    assert err.value.code == "teen_has_parent"


async def test_a_stranger_cannot_take_the_child(db):
    await setup_region(db, rows=[])
    family, child = await _alone(db, "7001", me())
    code = await db.run(teens.parent_code, family, child)
    # another child alone (a child's own account) cannot take them with the code
    other, _ = await _alone(db, "7002", me(number="223344556", surname="Орлова"))
    assert await db.run(linking.redeem, other, "tg", code) is None
    # the code was tried: used up, a parent typing it later gets nothing either
    parent, _ = await parent_with_child(db, "1", certificate=None)
    assert await db.run(linking.redeem, parent, "tg", code) is None
    # a wrong code: nothing
    fresh = await db.run(teens.parent_code, family, child)
    wrong = "".join(str((int(d) + 1) % 10) if d.isdigit() else d for d in fresh)
    assert await db.run(linking.redeem, parent, "tg", wrong) is None
    async with db.reader() as uow:
        owner = await uow.session.scalar(select(Child.parent_id).where(Child.id == child))
    assert owner == family
    # and the child's code is theirs alone: a parent's family shows its own
    with pytest.raises(DomainError) as err:
        await db.run(teens.parent_code, parent, child)
    assert err.value.code == "child_not_found"


async def test_a_child_alone_withdraws_and_keeps_a_blank_account(db):
    """Their withdrawal erases the family of one as a parent's does (the child, the
    certificate's tie to them), but their account is the family's only one: it stays the
    family's, blank, rather than going with the child (a family nobody could reach), and
    it may register alone again."""
    from core.usecases import family as family_cases

    await setup_region(db, rows=[])
    family, child = await _alone(db, "7001", me())
    cert_id = await db.run(certificates.issue, family, child, by_child=True)
    assert await db.run(family_cases.withdraw_consent, family) == 1
    async with db.reader() as uow:
        assert await uow.session.get(Child, child) is None
        cert = await uow.session.get(Certificate, cert_id)
        own = await uow.session.scalar(select(Identity).where(Identity.external_id == "7001"))
        assert own is not None and (own.parent_id, own.child_id) == (family, None)
        assert await parents.acting_child(uow, "tg", "7001") is None
        assert not (await parents.view(uow, family)).consent
    assert cert is not None and (cert.child_id, cert.status) == (None, "closed")
    again = await db.run(teens.register_self, family, "tg", "7001", me())
    async with db.reader() as uow:
        assert await parents.acting_child(uow, "tg", "7001") == again
        assert await teens.alone(uow, family)
