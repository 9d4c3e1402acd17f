"""Money by month of the funding year: one pass over the ledger, grouped by month and
kind. A month is the region's calendar month the entry was made in, except a month
close's entries (debit, and release of what the month did not use), which belong to the
month served."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select

from core.reports.figures import MoneyMonth, MoneyYear
from core.reports.people import Place
from core.rules.calendar import Period, funding_months, funding_year_of, month_bounds, month_of
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, LedgerEntry, MunicipalityYear


def period_of(scope: list[Place]) -> Period:
    """The region's months run on the school year unless every municipality in scope
    funds per calendar year."""
    if scope and all(p.period == Period.CALENDAR.value for p in scope):
        return Period.CALENDAR
    return Period.SCHOOL


def _utc_start(month: int, zone: ZoneInfo) -> datetime:
    first, _ = month_bounds(month)
    local = datetime(first.year, first.month, first.day, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


async def money_year(
    uow: UnitOfWork, scope: list[Place], municipality_id: int | None
) -> MoneyYear:
    period = period_of(scope)
    today = uow.today
    year = funding_year_of(today, period)
    first, last = funding_months(year, period)
    last = min(last, month_of(today))
    # the month an entry belongs to, by where its time falls between the months' starts
    # (UTC instants of the region's midnights): portable, and right across time zones
    by_time = case(
        *[
            (LedgerEntry.created_at < _utc_start(m + 1, uow.zone), literal(m))
            for m in range(first - 1, last + 1)
        ],
        else_=literal(last + 1),
    )
    bucket = func.coalesce(LedgerEntry.month, by_time).label("bucket")
    query = select(
        bucket,
        LedgerEntry.kind,
        func.sum(LedgerEntry.total_delta),
        func.sum(LedgerEntry.reserved_delta),
    ).group_by(bucket, LedgerEntry.kind)
    if municipality_id is not None:
        query = query.join(Certificate, Certificate.id == LedgerEntry.certificate_id).where(
            Certificate.municipality_id == municipality_id
        )
    sums: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for month, kind, total, reserved in (await uow.session.execute(query)).all():
        # before the year: one bucket, its opening balance
        key = max(int(month), first - 1)
        t, r = sums[key].get(kind, (0, 0))
        sums[key][kind] = (t + int(total or 0), r + int(reserved or 0))
    opening = _available(sums.get(first - 1, {}))
    months = []
    available = opening
    for m in range(first, last + 1):
        kinds = sums.get(m, {})
        available += _available(kinds)
        months.append(_month(m, kinds, available))
    return MoneyYear(
        year, period.value, await _limit(uow, year, municipality_id), opening, tuple(months)
    )


def _available(kinds: dict[str, tuple[int, int]]) -> int:
    return sum(total - reserved for total, reserved in kinds.values())


def _month(month: int, kinds: dict[str, tuple[int, int]], available: int) -> MoneyMonth:
    credit = kinds.get("credit", (0, 0))
    reserve = kinds.get("reserve", (0, 0))
    release = kinds.get("release", (0, 0))
    debit = kinds.get("debit", (0, 0))
    expire = kinds.get("expire", (0, 0))
    return MoneyMonth(
        month,
        credited=credit[0],
        blocked=reserve[1],
        # a month close's debit row also gives back what the month did not use
        released=-release[1] + (debit[0] - debit[1]),
        debited=-debit[0],
        expired=-expire[0],
        available=available,
    )


async def _limit(uow: UnitOfWork, year: int, municipality_id: int | None) -> int | None:
    query = select(
        func.count(), func.sum(MunicipalityYear.funded_quota * MunicipalityYear.nominal)
    ).where(MunicipalityYear.school_year == year)
    if municipality_id is not None:
        query = query.where(MunicipalityYear.municipality_id == municipality_id)
    rows, limit = (await uow.session.execute(query)).one()
    return int(limit) if rows else None
