"""Random sequences of apply / cancel / enrol / leave / time passing (months closing, years
opening) keep the ledger's invariants on both databases."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from core.accounting import month_close, new_year
from core.catalogue import municipalities_import
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.rules.calendar import month_of, school_year_of
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.db import Database
from core.storage.models import Application, Base, Certificate, LedgerEntry, MonthClose
from tests.conftest import START
from tests.support.clock import FakeClock
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

PROGRAMS = [
    catalogue_row(1, price=1500, seats=3),
    catalogue_row(2, price=900, seats=2, months=(10, 12)),
    catalogue_row(3, price=4000, seats=5),
    catalogue_row(4, price=0, register="significant", seats=2),
    catalogue_row(5, price=2500, seats=1, months=(1, 5)),
]
NEXT_YEAR = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit\n"
    "town,Город,Регион,{year},10,15000,2\n"
)

ops = st.lists(
    st.one_of(
        st.tuples(st.just("apply"), st.integers(0, 2), st.integers(1, 5), st.booleans()),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("enrol"), st.integers(0, 9)),
        st.tuples(st.just("leave"), st.integers(0, 9)),
        st.tuples(st.just("wait"), st.integers(1, 120)),
        st.tuples(st.just("close_again"), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


async def _check(db: Database) -> None:
    async with db.uow() as uow:
        s = uow.session
        for cert in (await s.scalars(select(Certificate))).all():
            total, reserved = (
                await s.execute(
                    select(
                        func.coalesce(func.sum(LedgerEntry.total_delta), 0),
                        func.coalesce(func.sum(LedgerEntry.reserved_delta), 0),
                    ).where(LedgerEntry.certificate_id == cert.id)
                )
            ).one()
            assert (cert.total, cert.reserved) == (total, reserved)
            assert cert.reserved >= 0
            assert cert.total - cert.reserved >= 0
            held = await s.scalar(
                select(func.coalesce(func.sum(Application.reserved_left), 0)).where(
                    Application.certificate_id == cert.id
                )
            )
            assert held == cert.reserved
        double = await s.scalar(
            select(func.count()).select_from(
                select(LedgerEntry.application_id, LedgerEntry.month)
                .where(LedgerEntry.kind == "debit")
                .group_by(LedgerEntry.application_id, LedgerEntry.month)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert double == 0
        negative = await s.scalar(
            select(func.count()).select_from(Application).where(Application.reserved_left < 0)
        )
        assert negative == 0
        kinds = set((await s.scalars(select(LedgerEntry.kind).distinct())).all())
        event("ledger kinds: " + ",".join(sorted(kinds)))


async def _run(db: Database, clock: FakeClock, steps: list[tuple]) -> None:
    await setup_region(db, nominal=20000, rows=PROGRAMS)
    families = [await parent_with_child(db, str(n)) for n in range(3)]
    async with db.uow() as uow:
        staff = await roles.grant(uow, "tg:900", "provider", provider_external_id="prov1")
        await uow.commit()
    apps: list[tuple[int, int]] = []  # (parent, application)
    for step in steps:
        try:
            async with db.uow() as uow:
                kind = step[0]
                if kind == "apply":
                    parent, child = families[step[1]]
                    g = await group_id(db, f"g{step[2]}")
                    app = await enrolment.apply(uow, parent, child, g)
                    apps.append((parent, app))
                    if step[3]:  # the provider enrols at once
                        await accept_contract(uow, staff, app)
                        await decisions.provider_decide(uow, staff, app, AppStatus.ENROLLED)
                elif kind in ("cancel", "leave", "enrol") and apps:
                    parent, app = apps[step[1] % len(apps)]
                    if kind == "cancel":
                        await enrolment.cancel(uow, parent, app)
                    elif kind == "leave":
                        await enrolment.leave(uow, parent, app)
                    else:
                        await accept_contract(uow, staff, app)
                        await decisions.provider_decide(uow, staff, app, AppStatus.ENROLLED)
                elif kind == "wait":
                    await _pass_time(uow, clock, step[1])
                elif kind == "close_again":
                    last = await uow.session.scalar(select(func.max(MonthClose.month)))
                    if last is not None:
                        result = await month_close.close_month(uow, last)
                        assert result.already_closed
                await uow.commit()
        except DomainError:
            pass
        await _check(db)


async def _pass_time(uow, clock: FakeClock, days: int) -> None:
    before = clock()
    clock.advance(days=days)
    uow.now = clock()
    # the operator closes every finished month and opens the school year on time
    for m in range(month_of(before.date()), month_of(clock().date())):
        await month_close.close_month(uow, m)
        year, month0 = divmod(m + 1, 12)
        if month0 + 1 == 9:
            await municipalities_import.import_municipalities(uow, NEXT_YEAR.format(year=year))
            await new_year.open_year(uow, school_year_of(date(year, 9, 1)))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops)
def test_ledger_invariants_sqlite(sqlite_template, tmp_path, steps):
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(sqlite_template, path)
    clock = FakeClock(START)

    async def go() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}", clock=clock)
        try:
            await _run(db, clock, steps)
        finally:
            await db.dispose()

    asyncio.run(go())
    path.unlink()


@pytest.mark.postgres
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops)
def test_ledger_invariants_postgres(postgres_url, steps):
    clock = FakeClock(START)

    async def go() -> None:
        db = Database(postgres_url, clock=clock)
        try:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            async with db.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            await _run(db, clock, steps)
        finally:
            await db.dispose()

    asyncio.run(go())
