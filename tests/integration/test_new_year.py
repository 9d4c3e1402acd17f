from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.accounting import new_year
from core.catalogue import municipalities_import
from core.certificates import certificates
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.rules.enrolment import AppStatus, CertStatus
from core.staff import roles
from core.storage.models import Application, Certificate, Group, LedgerEntry, Outbox
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

NEXT = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit\n"
    "town,Город,Регион,2027,{quota},15000,2\n"
)


async def test_new_year_expires_credits_and_moves_the_queue(db, clock):
    await setup_region(db, quota=1, rows=[catalogue_row(1, price=1000)])
    funded = await parent_with_child(db, "1")
    queued = await parent_with_child(db, "2")
    adult = await parent_with_child(db, "3", born=date(2009, 8, 1), certificate="accounting")
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        app = await enrolment.apply(uow, *funded, g)
        staff = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await accept_contract(uow, staff, app)
        await decisions.provider_decide(uow, staff, app, AppStatus.ENROLLED)
        await municipalities_import.import_municipalities(uow, NEXT.format(quota=2))
        await uow.commit()
    clock.set(datetime(2027, 9, 1, 6, 0))
    async with db.uow() as uow:
        # October to May were never closed: the provider is paid for them first
        result = await new_year.open_year(uow, 2027, close_missing=True)
        again = await new_year.open_year(uow, 2027)
        await uow.commit()
    assert again.already_open
    # the closes run first on 1 September already closed the adult's certificate and moved
    # the queue; the states below are what counts
    assert (result.expired, result.credited) == (1, 1)
    async with db.uow() as uow:
        funded_view = await certificates.view(uow, *funded)
        queued_view = await certificates.view(uow, *queued)
        adult_view = await certificates.view(uow, *adult)
        assert (funded_view.total, funded_view.reserved) == (1_500_000, 0)
        assert queued_view.status == CertStatus.FUNDED
        assert queued_view.total == 1_500_000  # granted on 1 September: the whole year
        assert adult_view.status == CertStatus.CLOSED
        assert (await uow.session.get(Application, app)).status == "finished"
        assert (await uow.session.scalar(select(Group))).taken == 0
        kinds = sorted(
            (await uow.session.scalars(select(Outbox.kind).where(Outbox.ref == 2027))).all()
        )
        assert kinds == ["expiry", "topup"]
        for cert in (await uow.session.scalars(select(Certificate))).all():
            entries = (
                await uow.session.scalars(
                    select(LedgerEntry).where(LedgerEntry.certificate_id == cert.id)
                )
            ).all()
            assert sum(e.total_delta for e in entries) == cert.total
            assert sum(e.reserved_delta for e in entries) == cert.reserved


async def test_money_granted_before_the_year_opened_is_kept(db, clock):
    await setup_region(db, quota=5, rows=[catalogue_row(1)])
    async with db.uow() as uow:
        await municipalities_import.import_municipalities(uow, NEXT.format(quota=5))
        await uow.commit()
    clock.set(datetime(2027, 9, 2, 10, 0))
    late = await parent_with_child(db, "1")  # funded on 2 September, before new-year ran
    async with db.uow() as uow:
        before = (await certificates.view(uow, *late)).total
        await new_year.open_year(uow, 2027)
        await uow.commit()
    async with db.uow() as uow:
        after = (await certificates.view(uow, *late)).total
    assert before == after == 1_500_000


async def test_future_year_refused(db):
    async with db.uow() as uow:
        with pytest.raises(DomainError) as err:
            await new_year.open_year(uow, 2027)
    assert err.value.code == "year_invalid"


async def test_a_lower_quota_funds_in_the_order_of_the_original_requests(db, clock):
    await setup_region(db, quota=2, rows=[catalogue_row(1)])
    first = await parent_with_child(db, "1")
    second = await parent_with_child(db, "2")
    async with db.uow() as uow:
        await municipalities_import.import_municipalities(uow, NEXT.format(quota=1))
        await uow.commit()
    clock.set(datetime(2027, 9, 1, 6, 0))
    await db.run(new_year.open_year, 2027)
    async with db.reader() as uow:
        kept = await certificates.view(uow, *first)
        waiting = await certificates.view(uow, *second)
        told = list(
            await uow.session.scalars(
                select(Outbox.dedup_key).where(Outbox.dedup_key.like("requeued:%"))
            )
        )
    assert (kept.status, kept.total) == (CertStatus.FUNDED, 1_500_000)
    assert (waiting.status, waiting.total, waiting.queue_position) == (CertStatus.QUEUED, 0, 1)
    assert told == [f"requeued:{waiting.id}:2027"]
    # a place frees: the one waiting is funded again
    async with db.uow() as uow:
        await municipalities_import.import_municipalities(uow, NEXT.format(quota=2))
        from core.certificates.certificates import grant_from_queue

        await grant_from_queue(uow, 1)
        await uow.commit()
    async with db.reader() as uow:
        assert (await certificates.view(uow, *second)).status == CertStatus.FUNDED
