"""The statement of a certificate: what each program holds, and every ledger entry, one
region month at a time, on both databases."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.accounting import month_close
from core.certificates import statement
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.rules.calendar import month_index
from core.staff import roles
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _enrolled(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    staff = await db.run(roles.grant, "tg:100", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, g)
    assert (await db.run(accept_contract, staff, app)).done
    # from 12 October: three of October's four Mondays (the group's class days)
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 12))
    return parent, child


async def _statement(db, parent, child, month=None):
    async with db.reader() as uow:
        return await statement.statement(uow, parent, child, month)


async def test_months_of_history_and_the_reserve(db, clock):
    parent, child = await _enrolled(db)
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    clock.set(datetime(2026, 12, 1, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 11))

    latest = await _statement(db, parent, child)
    nov, oct_ = month_index(2026, 11), month_index(2026, 10)
    # each debit is filed under the month it pays for, not the day the close wrote it:
    # November's debit, made on 1 December, is November's; October's, made on 2 November,
    # is October's (with the credit and the reserve of October)
    assert latest.month == nov
    assert [(e.kind, e.month, e.amount) for e in latest.entries] == [("debit", nov, 100_000)]
    assert latest.entries[0].program
    assert (latest.earlier, latest.later) == (oct_, None)
    # what the program still holds: December..May
    assert [(r.amount, r.monthly) for r in latest.reserves] == [(600_000, 100_000)]
    assert latest.certificate.reserved == 600_000
    # nothing is filed under December, the month the close ran
    december = await _statement(db, parent, child, month_index(2026, 12))
    assert december.entries == []
    assert (december.earlier, december.later) == (nov, None)

    october = await _statement(db, parent, child, oct_)
    # October: 3 of its 4 class days debited, the rest of its share released in the same
    # entry
    assert [(e.kind, e.month, e.amount, e.released) for e in october.entries] == [
        ("credit", None, 1_100_000, 0),
        ("reserve", None, 800_000, 0),
        ("debit", oct_, 75_000, 25_000),
    ]
    assert october.later == nov
    assert october.earlier is None

    empty = await _statement(db, parent, child, month_index(2026, 7))
    assert empty.entries == []
    assert (empty.earlier, empty.later) == (None, oct_)

    # every entry is on exactly one page: the sums are the certificate's
    pages = [october, latest]
    total = sum(
        e.amount if e.kind == "credit" else -e.amount
        for p in pages
        for e in p.entries
        if e.kind in ("credit", "debit", "expire")
    )
    assert total == latest.certificate.total


async def test_another_family_s_child_is_refused(db):
    _, child = await _enrolled(db)
    other, _ = await parent_with_child(db, external="555", born=date(2015, 1, 1))
    with pytest.raises(DomainError) as err:
        await _statement(db, other, child)
    assert err.value.code == "child_not_found"


async def test_a_month_out_of_any_calendar_is_refused(db):
    parent, child = await _enrolled(db)
    for month in (-1, 0, month_index(2101, 1), 10**9):
        with pytest.raises(DomainError) as err:
            await _statement(db, parent, child, month)
        assert err.value.code == "month_invalid"
