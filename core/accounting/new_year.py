"""Opening a year: 1 September ends the programs' school year for every municipality and
moves the money of those funded per school year; 1 January moves the money of those funded
per calendar year (core.accounting.funding does the money).

Set-based like the month close: a fixed number of statements whatever the region's size.
A year opens once (year_opens, funding_opens); entry keys make a retry change nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from core.accounting import funding, month_close
from core.certificates.certificates import close_adults
from core.enrolment import campaign, waiting_list
from core.errors import DomainError
from core.rules.calendar import Period, month_display, month_index, school_year_of
from core.rules.enrolment import HOLDS_SEAT, AppStatus
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    FundingOpen,
    Group,
    Program,
    YearOpen,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class YearResult:
    year: int
    already_open: bool
    expired: int = 0
    credited: int = 0
    closed_adults: int = 0
    granted: int = 0
    requeued: int = 0


async def open_year(uow: UnitOfWork, year: int, *, close_missing: bool = False) -> YearResult:
    """Open school year ``year``. Refused while a month before it with enrolments is still
    open (its money would be released before the provider is paid), unless
    ``close_missing``: then those months are closed first, in order."""
    if year > school_year_of(uow.today) or year < 2000:
        raise DomainError("year_invalid")
    await locks.gate(uow, exclusive=True)
    if await uow.session.get(YearOpen, year, populate_existing=True) is not None:
        return YearResult(year, True)
    await _months_closed_before(uow, month_index(year, 9), close_missing)
    uow.session.add(YearOpen(school_year=year, opened_at=uow.now))
    await uow.session.flush()
    batch = f"year:{year}"
    # the programs' school year ends for every municipality; the money moves only for
    # those funded per school year (calendar-year ones on 1 January: open_funding_year)
    await _end_last_year(uow, year, batch)
    closed = await close_adults(uow, date(year, 9, 1))
    expired, requeued, credited, granted = await funding.money(uow, year, batch, Period.SCHOOL)
    # the summer's acceptances for this year: blocked now, in the order of acceptance
    await campaign.block_accepted(uow, year, funding.municipalities(Period.SCHOOL))
    logger.info(
        "school year %s opened: %d balances expired, %d credited, %d closed, %d granted",
        year,
        expired,
        credited,
        closed,
        granted,
    )
    return YearResult(year, False, expired, credited, closed, granted, requeued)


async def open_funding_year(
    uow: UnitOfWork, year: int, *, close_missing: bool = False
) -> YearResult:
    """1 January of ``year`` for the municipalities funded per calendar year: last year's
    unused money expires, this year's nominal is credited within its quota, the queue
    moves, and the months from January of the applications still running are reserved
    from the new money in the order of acceptance. Refused while a month before it with
    classes is open, unless ``close_missing`` closes those first, in order."""
    if year > uow.today.year or year < 2000:
        raise DomainError("year_invalid")
    await locks.gate(uow, exclusive=True)
    if await uow.session.get(FundingOpen, year, populate_existing=True) is not None:
        return YearResult(year, True)
    await _months_closed_before(uow, month_index(year, 1), close_missing)
    uow.session.add(FundingOpen(year=year, opened_at=uow.now))
    await uow.session.flush()
    batch = f"calendar:{year}"
    await funding.release_leftovers(uow, year, batch, funding.municipalities(Period.CALENDAR))
    expired, requeued, credited, granted = await funding.money(uow, year, batch, Period.CALENDAR)
    await campaign.carry_into(uow, year, funding.municipalities(Period.CALENDAR))
    logger.info("calendar year %s opened: %d expired, %d credited", year, expired, credited)
    return YearResult(year, False, expired, credited, 0, granted, requeued)


async def _months_closed_before(uow: UnitOfWork, first: int, close_missing: bool) -> None:
    """A year does not open over months with classes still open (their money would go
    before the provider is paid): refused naming them, or closed in order first."""
    # the closes folded into the certificates first (a month the worker is folding waited
    # for before this transaction holds any certificate's row), then again after the
    # missing months are closed: the year's passes read every certificate's figures
    await month_close.fold_all(uow)
    missing = await month_close.unclosed_before(uow, first)
    if missing and not close_missing:
        raise DomainError("year_months_open", months=", ".join(month_display(m) for m in missing))
    for month in missing:
        await month_close.close_month(uow, month)
    if missing:
        await month_close.fold_all(uow)


async def _end_last_year(uow: UnitOfWork, year: int, batch: str) -> None:
    """Applications of the past year end: enrolled ones finish, pending ones are cancelled."""
    first = month_index(year, 9)
    old = Application.last_month < first
    await uow.session.execute(
        funding.release_entries(
            uow,
            f"year{year}",
            batch,
            old,
            Application.certificate_id.is_not(None),
            Application.reserved_left > 0,
        )
    )
    await uow.session.execute(
        update(Application)
        .where(old, Application.reserved_left > 0)
        .values(reserved_left=0)
        .execution_options(synchronize_session=False)
    )
    for status, target in (
        ([AppStatus.ENROLLED.value], AppStatus.FINISHED.value),
        (
            [
                AppStatus.SUBMITTED.value,
                AppStatus.ACCEPTED.value,
                AppStatus.WAITING.value,
                AppStatus.OFFERED.value,
            ],
            AppStatus.CANCELLED.value,
        ),
    ):
        # a seat held for a family ends with its application: no deadline left over
        await uow.session.execute(
            update(Application)
            .where(old, Application.status.in_(status))
            .values(status=target, hold_until=None, contact_phone=None, updated_at=uow.now)
            .execution_options(synchronize_session=False)
        )

    # seats follow the applications still holding one, the lists those still waiting
    def count(statuses: list[str]):
        return (
            select(func.count())
            .where(Application.group_id == Group.id, Application.status.in_(statuses))
            .scalar_subquery()
        )

    await uow.session.execute(
        update(Group)
        .values(
            taken=count([s.value for s in HOLDS_SEAT]),
            waiting=count([AppStatus.WAITING.value]),
        )
        .execution_options(synchronize_session=False)
    )
    free = (
        select(func.coalesce(func.sum(Group.seats - Group.taken), 0))
        .where(Group.program_id == Program.id)
        .scalar_subquery()
    )
    await uow.session.execute(
        update(Program).values(free_seats=free).execution_options(synchronize_session=False)
    )
    # the seats last year's applications held, offered to those still waiting (this
    # year's summer lists), as any freed seat is; the gate is held exclusively, so the
    # groups locked above keep no one waiting for the applications locked now
    stranded = await uow.session.execute(
        select(Group.id, Group.program_id)
        .where(Group.waiting > 0, Group.taken < Group.seats)
        .order_by(Group.id)
    )
    for group_id, program_id in stranded.all():
        await waiting_list.offer_free_seats(uow, group_id, program_id)
