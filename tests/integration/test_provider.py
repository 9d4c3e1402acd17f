"""A provider's staff in the chat: the queues paged, the card a contract needs, the end of
studies (отчисление) on a given last day — on both databases."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.accounting import month_close
from core.catalogue import provider_views
from core.catalogue.provider_views import Queue
from core.certificates import certificates
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Application, LedgerEntry
from core.usecases import family as family_cases
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _staff(db, external="100", provider="prov1"):
    return await db.run(roles.grant, f"tg:{external}", "provider", provider_external_id=provider)


async def _apply(db, parent, child, external="g1", phone=None):
    g = await group_id(db, external)
    return await db.run(enrolment.apply, parent, child, g, phone=phone)


async def _available(db, parent, child):
    async with db.reader() as uow:
        return (await certificates.view(uow, parent, child)).available


async def test_queues_page_and_the_card_has_what_a_contract_needs(db):
    # prov2 is the art school of the last row
    rows = [catalogue_row(n, price=1000) for n in range(1, 11)] + [catalogue_row(11, art=True)]
    await setup_region(db, rows=rows)
    staff = await _staff(db)
    families = []
    for n in range(10):
        parent, child = await parent_with_child(db, external=str(n + 1), born=date(2015, 1, n + 1))
        families.append((parent, child, await _apply(db, parent, child, f"g{n + 1}")))
    async with db.reader() as uow:
        first, total = await provider_views.queue(uow, staff, Queue.DECIDE, 0)
        second, _ = await provider_views.queue(uow, staff, Queue.DECIDE, 1)
        studying, none = await provider_views.queue(uow, staff, Queue.STUDYING, 0)
    assert total == 10
    assert len(first) == provider_views.PAGE and len(second) == 10 - provider_views.PAGE
    assert [a.id for a in first + second] == [app for _, _, app in families]  # oldest first
    assert (studying, none) == ([], 0)

    parent, child, app = families[0]
    phone = "+79141234567"
    await db.run(enrolment.cancel, parent, app)
    app = await _apply(db, parent, child, "g1", phone=phone)
    async with db.reader() as uow:
        card = await provider_views.card(uow, staff, app)
    assert card.child_full_name.startswith("Иванова Мария")
    # the number only once accepted (issue 24: with the birth date it took a certificate)
    assert (card.birth_date, card.certificate, card.phone) == (date(2015, 1, 1), None, phone)
    await db.run(accept_contract, staff, app)
    async with db.reader() as uow:
        card = await provider_views.card(uow, staff, app)
        number = (await certificates.view(uow, parent, child)).number
    assert card.certificate == number
    assert card.age == 11  # on 5 October 2026
    # another provider's staff finds nothing, and is told nothing
    other = await _staff(db, "200", "prov2")
    async with db.reader() as uow:
        with pytest.raises(DomainError) as err:
            await provider_views.card(uow, other, app)
    assert err.value.code == "application_not_found"


async def test_the_phone_goes_with_the_family_s_data(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    app = await _apply(db, parent, child, phone="+79141234567")
    await db.run(family_cases.withdraw_consent, parent)
    async with db.reader() as uow:
        assert (await uow.session.get(Application, app)).contact_phone is None


async def test_ending_studies_on_a_last_day_debits_the_days_served(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000), catalogue_row(2, art=True)])
    parent, child = await parent_with_child(db)
    staff = await _staff(db)
    app = await _apply(db, parent, child)
    assert (await db.run(accept_contract, staff, app)).done  # 5 October
    assert (await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)).done
    async with db.reader() as uow:
        studying, total = await provider_views.queue(uow, staff, Queue.STUDYING, 0)
    assert ([a.id for a in studying], total) == ([app], 1)
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    clock.set(datetime(2026, 11, 20, 9, 0))

    async def refused(last_day):
        with pytest.raises(DomainError) as err:
            await db.run(decisions.provider_finish, staff, app, last_day)
        return err.value.code, err.value.params

    # October is closed (debited whole), the future is not served, nor is another's child
    code, params = await refused(date(2026, 10, 31))
    assert code == "end_date_invalid"
    assert (params["earliest"], params["today"]) == (date(2026, 11, 1), date(2026, 11, 20))
    assert (await refused(date(2026, 11, 21)))[0] == "end_date_invalid"
    other = await _staff(db, "200", "prov2")
    with pytest.raises(DomainError) as err:
        await db.run(decisions.provider_finish, other, app, date(2026, 11, 10))
    assert err.value.code == "application_not_found"

    before = await _available(db, parent, child)
    await db.run(decisions.provider_finish, staff, app, date(2026, 11, 10))
    # December..May are released at once; November stays reserved for its close
    assert await _available(db, parent, child) == before + 600_000
    async with db.reader() as uow:
        done = await uow.session.get(Application, app)
        assert (done.status, done.last_month) == ("finished", month_index(2026, 11))
    clock.set(datetime(2026, 12, 1, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 11))
    async with db.reader() as uow:
        debit = await uow.session.scalar(
            select(LedgerEntry.total_delta).where(
                LedgerEntry.application_id == app,
                LedgerEntry.month == month_index(2026, 11),
            )
        )
        left = (await uow.session.get(Application, app)).reserved_left
    # the group meets on Mondays: 2 of November's 5 (2 and 9) up to the 10th, the rest of
    # its share released in the same entry
    assert (-debit, left) == (100_000 * 2 // 5, 0)
    # finished once: a second end is refused, nothing moves
    assert (await refused(date(2026, 11, 10)))[0] == "application_bad_status"
