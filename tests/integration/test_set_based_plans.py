"""Month close and the new year stay set-based on PostgreSQL: what they write is planned
without a subquery run once per row over the ledger (quadratic at a region's size)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bench._data import build_enrolments
from core.accounting import month_close, new_year
from core.accounting.close_posting import DUE
from core.rules.calendar import month_index
from core.storage.db import Database
from tests.support.plans import captured, per_row_subplans


@pytest.mark.postgres
@pytest.mark.parametrize("rule", ["class_days", "attendance"])
async def test_month_close_and_new_year_plan_no_per_row_subquery(postgres_url, clock, rule):
    from tests.conftest import _truncate

    db = Database(postgres_url, clock=clock)
    try:
        await _truncate(db)
        # under attendance a third of the children have absences the close subtracts
        await build_enrolments(db, 300, debit_rule=rule)
        clock.set(datetime(2026, 10, 2, 3, 0))
        with captured(db) as statements:
            await db.run(month_close.close_month, month_index(2026, 9))
        # 300 enrolments: a fixed handful of writing statements, not one per enrolment
        assert 5 <= len(statements) <= 12, [s for s, _ in statements]
        # the statement working out the debits (led by its WITH) is planned too
        assert any(s.lstrip().startswith("WITH") and DUE.name in s for s, _ in statements)
        assert await per_row_subplans(db, statements) == []
        # the worker's fan-out of the notices: two writes per chunk of 100 certificates
        with captured(db) as statements:
            while await db.run(month_close.fan_out, 100):
                pass
        assert len(statements) <= 2 * (300 // 100 + 1), [s for s, _ in statements]
        assert await per_row_subplans(db, statements) == []
        clock.set(datetime(2027, 9, 1, 3, 0))
        with captured(db) as statements:
            await db.run(new_year.open_year, 2027, close_missing=True)
        assert await per_row_subplans(db, statements) == []
    finally:
        await db.dispose()
