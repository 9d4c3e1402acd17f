from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.certificates import certificates
from core.enrolment import enrolment, quotes
from core.errors import DomainError
from core.family import children, parents
from core.staff import roles
from core.storage.models import Certificate, Child, LedgerEntry, Outbox
from core.usecases import family as family_cases
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

VALID = children.ChildInput("Петров", "Илья", "Сергеевич", date(2015, 5, 1), None, 1)


async def test_identities_are_namespaced_per_platform(db):
    async with db.uow() as uow:
        tg = await parents.get_or_create(uow, "tg", "42")
        vk = await parents.get_or_create(uow, "vk", "42")
        again = await parents.get_or_create(uow, "tg", "42")
        await uow.commit()
    assert tg.id != vk.id
    assert again.id == tg.id


async def test_no_child_data_before_consent(db):
    await setup_region(db, rows=[catalogue_row(1)])
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        with pytest.raises(DomainError) as err:
            await children.add(uow, parent.id, VALID)
        assert err.value.code == "consent_required"
        assert await uow.session.scalar(select(func.count()).select_from(Child)) == 0


async def test_consent_is_recorded_with_version(db, clock):
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        await parents.give_consent(uow, parent.id, "v-test")
        await uow.commit()
    async with db.uow() as uow:
        view = await parents.view(uow, parent.id)
    assert view.consent and view.consent_version == "v-test"
    assert view.consent_at == clock()


async def test_add_validates_and_stores(db):
    await setup_region(db, rows=[catalogue_row(1)])
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        await parents.give_consent(uow, parent.id)
        child_id = await children.add(
            uow,
            parent.id,
            children.ChildInput("  петров ", "илья", None, date(2015, 5, 1), "112-233-445 95", 1),
        )
        await uow.commit()
    async with db.uow() as uow:
        [view] = await children.list_children(uow, parent.id)
    assert view.id == child_id
    assert (view.surname, view.name, view.snils) == ("Петров", "Илья", "11223344595")
    assert view.age == 11


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"surname": "Петров1"}, "name_invalid"),
        ({"name": ""}, "name_invalid"),
        ({"snils": "112-233-445 96"}, "snils_checksum"),
        ({"snils": "123"}, "snils_invalid"),
        ({"birth_date": date(2030, 1, 1)}, "birth_date_in_future"),
        ({"municipality_id": 99}, "municipality_not_found"),
    ],
)
async def test_add_refusals_write_nothing(db, change, code):
    import dataclasses

    await setup_region(db, rows=[catalogue_row(1)])
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        await parents.give_consent(uow, parent.id)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await children.add(uow, parent.id, dataclasses.replace(VALID, **change))
        await uow.commit()
    assert err.value.code == code
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Child)) == 0


async def test_same_snils_twice_refused(db):
    await setup_region(db, rows=[catalogue_row(1)])
    import dataclasses

    with_snils = dataclasses.replace(VALID, snils="11223344595")
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        await parents.give_consent(uow, parent.id)
        await children.add(uow, parent.id, with_snils)
        with pytest.raises(DomainError) as err:
            await children.add(uow, parent.id, with_snils)
        assert err.value.code == "child_already_registered"
        # the same child without the СНИЛС is still the same child
        with pytest.raises(DomainError) as err:
            await children.add(uow, parent.id, VALID)
        assert err.value.code == "child_already_registered"
        # the unit of work is still usable after the refusal
        await children.add(uow, parent.id, dataclasses.replace(VALID, name="Анна"))
        await uow.commit()
    async with db.uow() as uow:
        assert len(await children.list_children(uow, parent.id)) == 2


async def test_another_parents_child_is_not_found(db):
    await setup_region(db, rows=[catalogue_row(1)])
    _, child = await parent_with_child(db, "1")
    other, _ = await parent_with_child(db, "2")
    async with db.uow() as uow:
        for call in (
            children.view(uow, other, child),
            family_cases.remove_child(uow, other, child),
            certificates.view(uow, other, child),
            certificates.request_funding(uow, other, child),
            quotes.quote_application(uow, other, child, 1),
        ):
            with pytest.raises(DomainError) as err:
                await call
            assert err.value.code == "child_not_found"


async def test_edit_child(db):
    import dataclasses

    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, "1", certificate=None)
    async with db.uow() as uow:
        await children.update_child(
            uow, parent, child, dataclasses.replace(VALID, name="Олег", municipality_id=2)
        )
        await uow.commit()
    async with db.uow() as uow:
        view = await children.view(uow, parent, child)
    assert view.name == "Олег" and view.municipality_id == 2


async def test_withdrawal_erases_children_keeps_ledger(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db, "1")
    g = await group_id(db, "g1")
    app = await db.run(enrolment.apply, parent, child, g)
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    await db.run(accept_contract, staff, app)  # money blocked
    async with db.uow() as uow:
        deleted = await family_cases.withdraw_consent(uow, parent)
        await uow.commit()
    assert deleted == 1
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Child)) == 0
        cert = await uow.session.scalar(select(Certificate))
        assert cert.child_id is None and cert.status == "closed" and cert.reserved == 0
        entries = (await uow.session.scalars(select(LedgerEntry.kind))).all()
        assert set(entries) >= {"credit", "reserve", "release"}
        view = await parents.view(uow, parent)
        assert not view.consent and view.withdrawn_at is not None
        kinds = (await uow.session.scalars(select(Outbox.kind))).all()
        assert "data_erased" in kinds
        with pytest.raises(DomainError) as err:
            await children.add(uow, parent, VALID)
        assert err.value.code == "consent_required"


async def test_remove_child_cancels_applications(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000, seats=1)])
    parent, child = await parent_with_child(db, "1")
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        await enrolment.apply(uow, parent, child, g)
        await uow.commit()
    async with db.uow() as uow:
        await family_cases.remove_child(uow, parent, child)
        await uow.commit()
    other, child2 = await parent_with_child(db, "2")
    async with db.uow() as uow:
        # the seat came back
        await enrolment.apply(uow, other, child2, g)
