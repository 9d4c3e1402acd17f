"""A certificate requested in the chat waits until a МОЦ's confirmer has checked the
documents once; the funding queue keeps the order of the original requests."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from core.certificates import certificates, confirmations
from core.enrolment import enrolment
from core.errors import DomainError
from core.staff import roles
from core.storage.models import Certificate, Outbox
from core.usecases import family as family_cases
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region


async def _confirmer(db, external="700", muni="town", wide=False) -> int:
    return await db.run(
        roles.grant, f"tg:{external}", "confirmer", municipality_code=muni, region_wide=wide
    )


async def _cert(db, parent, child) -> int:
    async with db.reader() as uow:
        return (await certificates.view(uow, parent, child)).id


async def _status(db, parent, child) -> str:
    async with db.reader() as uow:
        return (await certificates.view(uow, parent, child)).status


async def test_nothing_before_the_documents_are_checked_then_the_request_order(db):
    await setup_region(db, rows=[catalogue_row(1, register="significant", price=0)])
    parent, child = await parent_with_child(db, certificate="awaiting")
    assert await _status(db, parent, child) == "awaiting"
    g = await group_id(db, "g1")
    with pytest.raises(DomainError) as err:
        await db.run(enrolment.apply, parent, child, g)
    assert err.value.code == "certificate_not_confirmed"
    # the family asks for funding meanwhile: recorded, not granted
    assert await db.run(certificates.request_funding, parent, child) == "awaiting"
    with pytest.raises(DomainError) as err:
        await db.run(certificates.request_funding, parent, child)
    assert err.value.code == "certificate_already_queued"
    staff = await _confirmer(db)
    async with db.reader() as uow:
        [pending], total = await confirmations.pending(uow, staff)
    assert total == 1 and pending.full_name == "Иванова Мария" and pending.funding_requested
    assert await db.run(confirmations.confirm, staff, pending.id) == "funded"
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, staff, pending.id)
    assert err.value.code == "certificate_not_awaiting"
    await db.run(enrolment.apply, parent, child, g)
    async with db.reader() as uow:
        cert = await uow.session.get(Certificate, pending.id)
        assert (cert.confirmed_by, cert.confirmed_at) == (staff, datetime(2026, 10, 5, 12))


async def test_only_a_confirmer_of_that_municipality(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, certificate="awaiting")
    cert = await _cert(db, parent, child)
    village = await _confirmer(db, "701", muni="village")
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, village, cert)
    assert err.value.code == "certificate_not_awaiting"
    async with db.reader() as uow:
        assert await confirmations.pending(uow, village) == ([], 0)
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, parent, cert)  # a parent is no confirmer
    assert err.value.code == "not_allowed"
    region = await _confirmer(db, "702", muni="village", wide=True)
    assert await db.run(confirmations.confirm, region, cert) == "accounting"


async def test_rejected_with_a_reason_then_asked_again(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, certificate="awaiting")
    cert = await _cert(db, parent, child)
    await db.run(certificates.request_funding, parent, child)
    staff = await _confirmer(db)
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.reject, staff, cert, "   ")
    assert err.value.code == "reason_required"
    await db.run(confirmations.reject, staff, cert, "Дата рождения не совпадает")
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
        told = (
            await uow.session.scalars(
                select(Outbox.payload).where(Outbox.kind == "certificate_status")
            )
        ).all()
    assert (view.status, view.rejection_reason) == ("rejected", "Дата рождения не совпадает")
    assert not view.funding_requested  # the request goes with the rejection
    assert told[-1] == {
        "certificate_id": cert,
        "child_id": child,
        "status": "rejected",
        "reason": "Дата рождения не совпадает",
    }
    assert view.office is not None and view.office.municipality == "Город"
    # the family corrects the data and asks again: the same entry waits again
    assert await db.run(certificates.issue, parent, child) == cert
    assert await db.run(confirmations.confirm, staff, cert) == "accounting"


async def test_the_funding_queue_keeps_the_order_of_the_original_requests(db, clock):
    await setup_region(db, quota=1, rows=[])
    holder = await parent_with_child(db, "1")  # takes the one place
    waiting = [await parent_with_child(db, str(n), certificate="awaiting") for n in (2, 3, 4)]
    for n, (parent, child) in enumerate(waiting):
        clock.set(datetime(2026, 10, 6 + n, 10, 0))
        await db.run(certificates.request_funding, parent, child)
    staff = await _confirmer(db)
    # confirmed in the opposite order: C, B, A
    for parent, child in reversed(waiting):
        assert await db.run(confirmations.confirm, staff, await _cert(db, parent, child)) == (
            "queued"
        )
    await db.run(family_cases.withdraw_consent, holder[0])  # a place frees
    statuses = [await _status(db, p, c) for p, c in waiting]
    assert statuses == ["funded", "queued", "queued"]


async def test_the_queue_is_paged_oldest_first(db, clock):
    await setup_region(db, rows=[])
    families = []
    for n in range(12):
        clock.set(datetime(2026, 10, 5, 10, n))
        families.append(await parent_with_child(db, str(n + 1), certificate="awaiting"))
    staff = await _confirmer(db)
    async with db.reader() as uow:
        first, total = await confirmations.pending(uow, staff, page=0)
        second, _ = await confirmations.pending(uow, staff, page=1)
    assert total == 12 and len(first) == 10 and len(second) == 2
    order = [p.requested_at for p in first + second]
    assert order == sorted(order)


async def test_two_confirmers_at_once_confirm_once(db):
    await setup_region(db, quota=5, rows=[])
    parent, child = await parent_with_child(db, certificate="awaiting")
    await db.run(certificates.request_funding, parent, child)
    cert = await _cert(db, parent, child)
    staff = [await _confirmer(db, str(800 + n)) for n in range(4)]

    async def one(who: int) -> str:
        try:
            return str(await db.run(confirmations.confirm, who, cert))
        except DomainError as exc:
            return exc.code

    results = await asyncio.gather(*(one(s) for s in staff))
    assert sorted(results) == ["certificate_not_awaiting"] * 3 + ["funded"]
    async with db.reader() as uow:
        credits = (await certificates.view(uow, parent, child)).total
    assert credits == 1_100_000  # credited once


async def test_a_confirmation_racing_a_withdrawal(db):
    await setup_region(db, quota=5, rows=[])
    pairs = [await parent_with_child(db, str(n), certificate="awaiting") for n in range(1, 7)]
    staff = await _confirmer(db)
    certs = [await _cert(db, p, c) for p, c in pairs]

    async def confirm(cert: int) -> str:
        try:
            return str(await db.run(confirmations.confirm, staff, cert))
        except DomainError as exc:
            return exc.code

    results = await asyncio.gather(
        *(confirm(c) for c in certs), *(db.run(family_cases.withdraw_consent, p) for p, _ in pairs)
    )
    outcomes = results[: len(certs)]
    assert set(outcomes) <= {"accounting", "certificate_not_awaiting"}
    async with db.reader() as uow:
        rows = (await uow.session.scalars(select(Certificate))).all()
        # every withdrawn family's entry is closed and detached, whoever came first
        assert {(c.status, c.child_id) for c in rows} == {("closed", None)}
        confirmed = sum(c.confirmed_at is not None for c in rows)
    assert confirmed == outcomes.count("accounting")


async def test_a_confirmation_confirms_the_data_the_confirmer_saw(db):
    """Issue 24: the family changed the child's data while the card was open; confirming
    would have confirmed data nobody checked (another child's, even)."""
    from dataclasses import replace
    from datetime import date

    from core.family import children

    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, certificate="awaiting")
    staff = await _confirmer(db)
    async with db.reader() as uow:
        shown = await confirmations.pending_one(uow, staff, await _cert(db, parent, child))
        view = await children.view(uow, parent, child)
    data = children.ChildInput(
        view.surname, view.name, view.patronymic, view.birth_date, view.snils, 1
    )
    await db.run(children.update_child, parent, child, replace(data, birth_date=date(2019, 1, 1)))
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, staff, shown.id, shown.version)
    assert err.value.code == "certificate_data_changed"
    assert await _status(db, parent, child) == "awaiting"
    async with db.reader() as uow:
        again = await confirmations.pending_one(uow, staff, shown.id)
    assert again.version != shown.version and again.birth_date == date(2019, 1, 1)
    assert await db.run(confirmations.confirm, staff, again.id, again.version) == "accounting"
