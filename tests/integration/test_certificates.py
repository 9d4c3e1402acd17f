from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.catalogue import municipalities_import
from core.certificates import balance, certificates
from core.errors import DomainError
from core.family import children
from core.rules.enrolment import CertStatus
from core.storage.models import Certificate, LedgerEntry, Outbox
from core.usecases import family as family_cases
from tests.support.world import MUNIS, catalogue_row, parent_with_child, setup_region


async def test_accounting_first_then_funded_prorated(db):
    # 5 October 2026: October..August are 11 months of the school year
    await setup_region(db, nominal=12000, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, certificate="accounting")
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
        assert view.status == CertStatus.ACCOUNTING and view.total == 0
        assert view.number.count("-") == 2
        status = await certificates.request_funding(uow, parent, child)
        await uow.commit()
    assert status == CertStatus.FUNDED
    async with db.uow() as uow:
        view = await certificates.view(uow, parent, child)
    assert view.total == 1_100_000  # 12 000 ₽ × 11/12
    assert view.available == 1_100_000
    assert view.nominal == 1_200_000


async def test_certificate_is_issued_once(db):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, certificate="accounting")
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await certificates.issue(uow, parent, child)
    assert err.value.code == "certificate_exists"


@pytest.mark.parametrize("born", [date(2021, 10, 6), date(2008, 10, 5)])
async def test_age_refused(db, born):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, born=born, certificate=None)
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await certificates.issue(uow, parent, child)
    assert err.value.code == "age_out_of_range"


async def test_funding_needs_a_certificate_and_is_asked_once(db):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, certificate=None)
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await certificates.request_funding(uow, parent, child)
        assert err.value.code == "certificate_not_found"
    parent2, child2 = await parent_with_child(db, "2")
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await certificates.request_funding(uow, parent2, child2)
        assert err.value.code == "certificate_already_funded"


async def test_queue_first_come_first_served_and_granted_when_quota_raised(db):
    await setup_region(db, quota=2, rows=[catalogue_row(1)])
    ids = [await parent_with_child(db, str(n)) for n in range(4)]
    async with db.uow() as uow:
        statuses = [(await certificates.view(uow, p, c)).status for p, c in ids]
        positions = [(await certificates.view(uow, p, c)).queue_position for p, c in ids]
    assert statuses == [CertStatus.FUNDED] * 2 + [CertStatus.QUEUED] * 2
    assert positions == [None, None, 1, 2]
    # the municipality raises its quota by one: the first in the queue is funded, no one else
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow, MUNIS.format(quota=3, nominal=12000, limit=2)
        )
        assert report.ok
        await uow.commit()
    async with db.uow() as uow:
        statuses = [(await certificates.view(uow, p, c)).status for p, c in ids]
        last = await certificates.view(uow, *ids[3])
        notices = (
            await uow.session.scalars(
                select(Outbox.payload).where(
                    Outbox.kind == "certificate_status", Outbox.parent_id == ids[2][0]
                )
            )
        ).all()
    assert statuses[2] == CertStatus.FUNDED and statuses[3] == CertStatus.QUEUED
    assert last.queue_position == 1
    assert [n["status"] for n in notices][-1] == "funded"


async def test_place_freed_by_withdrawal_goes_to_the_queue(db):
    await setup_region(db, quota=1, rows=[catalogue_row(1)])
    first = await parent_with_child(db, "1")
    second = await parent_with_child(db, "2")
    async with db.uow() as uow:
        assert (await certificates.view(uow, *second)).status == CertStatus.QUEUED
        await family_cases.withdraw_consent(uow, first[0])
        await uow.commit()
    async with db.uow() as uow:
        assert (await certificates.view(uow, *second)).status == CertStatus.FUNDED


async def test_credit_is_a_ledger_entry_and_balance_matches(db):
    await setup_region(db, rows=[catalogue_row(1)])
    await parent_with_child(db)
    async with db.uow() as uow:
        cert = await uow.session.scalar(select(Certificate))
        entries = (await uow.session.scalars(select(LedgerEntry))).all()
        assert [e.kind for e in entries] == ["credit"]
        assert sum(e.total_delta for e in entries) == cert.total


async def test_balance_read_shows_one_child_when_asked(db):
    # a child's own account sees its own balance only, not a sibling's (issue 30: the
    # balance's own read filters it)
    await setup_region(db, rows=[catalogue_row(1)])
    parent, funded = await parent_with_child(db)
    async with db.uow() as uow:
        sibling = await children.add(
            uow, parent, children.ChildInput("Иванов", "Пётр", None, date(2012, 1, 9), None, 1)
        )
        await uow.commit()
    async with db.reader() as uow:
        whole = await balance.family(uow, parent)
        theirs = await balance.family(uow, parent, only=sibling)
        mine = await balance.family(uow, parent, only=funded)
    assert [(k.id, k.name) for k in whole.children] == [(funded, "Мария"), (sibling, "Пётр")]
    assert list(whole.certificates) == [funded]
    assert [k.id for k in theirs.children] == [sibling]
    assert theirs.certificates == {} and theirs.reserves == {}
    assert [k.id for k in mine.children] == [funded]
    cert = mine.certificates[funded]
    assert cert.status == CertStatus.FUNDED and cert.available == cert.total > 0
    assert cert.terms is not None and list(mine.reserves) == [cert.id]
