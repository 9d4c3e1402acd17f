"""1 September: what was left expires, the new nominal is credited, the queue moves.

Set-based like the month close: a fixed number of statements whatever the region's size.
A school year opens once (year_opens row); entry keys make a retry change nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, case, cast, exists, func, insert, literal, select, update

from core.errors import DomainError
from core.notify.outbox import emit
from core.rules.calendar import Period, month_display, month_index, school_year_of
from core.rules.enrolment import ACTIVE_STATUSES, AppStatus, CertStatus
from core.services import campaign, month_close
from core.services.certificates import (
    REQUEST_ORDER,
    close_adults,
    grant_from_queue,
    next_value,
)
from core.services.ledger import apply_batches
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    FundingOpen,
    Group,
    LedgerEntry,
    Municipality,
    MunicipalityYear,
    Outbox,
    Program,
    YearOpen,
)

logger = logging.getLogger(__name__)
ACTIVE = [s.value for s in ACTIVE_STATUSES]
LEDGER_COLS = [
    LedgerEntry.key,
    LedgerEntry.certificate_id,
    LedgerEntry.application_id,
    LedgerEntry.kind,
    LedgerEntry.total_delta,
    LedgerEntry.reserved_delta,
    LedgerEntry.batch,
    LedgerEntry.created_at,
]
OUTBOX_COLS = [
    Outbox.parent_id,
    Outbox.kind,
    Outbox.dedup_key,
    Outbox.ref,
    Outbox.status,
    Outbox.attempts,
    Outbox.created_at,
]


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
    expired, requeued, credited, granted = await _money(uow, year, batch, Period.SCHOOL)
    # the summer's acceptances for this year: blocked now, in the order of acceptance
    await campaign.block_accepted(uow, year, _municipalities(Period.SCHOOL))
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
    await _release_leftovers(uow, year, batch, _municipalities(Period.CALENDAR))
    expired, requeued, credited, granted = await _money(uow, year, batch, Period.CALENDAR)
    await campaign.carry_into(uow, year, _municipalities(Period.CALENDAR))
    logger.info("calendar year %s opened: %d expired, %d credited", year, expired, credited)
    return YearResult(year, False, expired, credited, 0, granted, requeued)


async def _months_closed_before(uow: UnitOfWork, first: int, close_missing: bool) -> None:
    """A year does not open over months with classes still open (their money would go
    before the provider is paid): refused naming them, or closed in order first."""
    missing = await month_close.unclosed_before(uow, first)
    if missing and not close_missing:
        raise DomainError("year_months_open", months=", ".join(month_display(m) for m in missing))
    for month in missing:
        await month_close.close_month(uow, month)


async def _release_leftovers(uow: UnitOfWork, year: int, batch: str, munis) -> None:  # type: ignore[no-untyped-def]
    """Every month before January is closed: what running applications still hold is last
    year's (days not served, kopecks of rounding). It goes back, and expires with the rest
    of last year's money; the new year's months are reserved afresh."""
    running = (
        Application.certificate_id.in_(
            select(Certificate.id).where(Certificate.municipality_id.in_(munis))
        ),
        Application.reserved_left > 0,
    )
    await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                literal("release:") + cast(Application.id, String) + literal(f":cal{year}"),
                Application.certificate_id,
                Application.id,
                literal("release"),
                literal(0),
                -Application.reserved_left,
                literal(batch),
                literal(uow.now),
            ).where(*running),
        )
    )
    await uow.session.execute(
        update(Application)
        .where(*running)
        .values(reserved_left=0)
        .execution_options(synchronize_session=False)
    )


def _municipalities(period: Period):  # type: ignore[no-untyped-def]
    return select(Municipality.id).where(Municipality.funding_period == period.value)


async def _money(
    uow: UnitOfWork, year: int, batch: str, period: Period
) -> tuple[int, int, int, int]:
    """A funding year's money for the municipalities of ``period``: expire, requeue over
    the quota, credit, notices, grants from the queue."""
    munis = _municipalities(period)
    expired = await _expire(uow, year, batch, munis)
    requeued = await _requeue_over_quota(uow, year, munis)
    credited = await _credit(uow, year, batch, munis)
    await apply_batches(uow, [batch])
    await _notices(uow, year, batch)
    granted = 0
    for muni_id in list(await uow.session.scalars(munis)):
        granted += await grant_from_queue(uow, muni_id)
    return expired, requeued, credited, granted


async def _requeue_over_quota(uow: UnitOfWork, year: int, munis) -> int:  # type: ignore[no-untyped-def]
    """The new year's quota may be smaller: certificates funded last year keep funding in
    the order of their original request while it lasts; the rest wait in the queue in that
    order, and their families are told."""
    quotas = dict(
        (
            await uow.session.execute(
                select(MunicipalityYear.municipality_id, MunicipalityYear.funded_quota).where(
                    MunicipalityYear.school_year == year,
                    MunicipalityYear.municipality_id.in_(munis),
                )
            )
        ).all()
    )
    requeued = 0
    for muni_id, quota in sorted(quotas.items()):
        funded = list(
            await uow.session.scalars(
                select(Certificate)
                .where(
                    Certificate.municipality_id == muni_id,
                    Certificate.status == CertStatus.FUNDED.value,
                )
                .order_by(*REQUEST_ORDER)
            )
        )
        for cert in funded[max(0, quota) :]:
            cert.status = CertStatus.QUEUED.value
            if cert.queue_seq is None:
                cert.queue_seq = await next_value(uow, "funding_queue")
            parent_id = await uow.session.scalar(
                select(Child.parent_id).where(Child.id == cert.child_id)
            )
            if parent_id is not None:
                await emit(
                    uow,
                    parent_id,
                    "certificate_status",
                    {"certificate_id": cert.id, "child_id": cert.child_id, "status": "queued"},
                    dedup_key=f"requeued:{cert.id}:{year}",
                )
            requeued += 1
    await uow.session.flush()
    return requeued


async def _end_last_year(uow: UnitOfWork, year: int, batch: str) -> None:
    """Applications of the past year end: enrolled ones finish, pending ones are cancelled."""
    first = month_index(year, 9)
    old = Application.last_month < first
    await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                literal("release:") + cast(Application.id, String) + literal(f":year{year}"),
                Application.certificate_id,
                Application.id,
                literal("release"),
                literal(0),
                -Application.reserved_left,
                literal(batch),
                literal(uow.now),
            ).where(
                old,
                Application.certificate_id.is_not(None),
                Application.reserved_left > 0,
            ),
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
        ([AppStatus.SUBMITTED.value, AppStatus.ACCEPTED.value], AppStatus.CANCELLED.value),
    ):
        await uow.session.execute(
            update(Application)
            .where(old, Application.status.in_(status))
            .values(status=target, updated_at=uow.now)
            .execution_options(synchronize_session=False)
        )
    # seats follow the applications still active
    taken = (
        select(func.count())
        .where(Application.group_id == Group.id, Application.status.in_(ACTIVE))
        .scalar_subquery()
    )
    await uow.session.execute(
        update(Group).values(taken=taken).execution_options(synchronize_session=False)
    )
    free = (
        select(func.coalesce(func.sum(Group.seats - Group.taken), 0))
        .where(Group.program_id == Program.id)
        .scalar_subquery()
    )
    await uow.session.execute(
        update(Program).values(free_seats=free).execution_options(synchronize_session=False)
    )


def _credit_key(year: int):  # type: ignore[no-untyped-def]
    return literal("credit:") + cast(Certificate.id, String) + literal(f":{year}")


def _per_certificate(column, *where):  # type: ignore[no-untyped-def]
    """The ledger aggregated once per certificate (joined, never a subquery per row)."""
    return (
        select(
            LedgerEntry.certificate_id.label("certificate_id"),
            func.sum(column).label("amount"),
        )
        .where(*where)
        .group_by(LedgerEntry.certificate_id)
        .subquery()
    )


async def _expire(uow: UnitOfWork, year: int, batch: str, munis) -> int:  # type: ignore[no-untyped-def]
    """Unused money of past years returns to the budget.

    Money credited for the new year already (a certificate granted in the first days of
    September, before the operator opened the year) is not touched, and nothing still
    reserved for a current application is expired.
    """
    credited = _per_certificate(
        LedgerEntry.total_delta,
        LedgerEntry.kind == "credit",
        LedgerEntry.key
        == literal("credit:") + cast(LedgerEntry.certificate_id, String) + literal(f":{year}"),
    )
    freed = _per_certificate(LedgerEntry.reserved_delta, LedgerEntry.batch == batch)
    old_money = Certificate.total - func.coalesce(credited.c.amount, 0)
    free = Certificate.total - (Certificate.reserved + func.coalesce(freed.c.amount, 0))
    amount = case((old_money < free, old_money), else_=free)
    result = await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                literal("expire:") + cast(Certificate.id, String) + literal(f":{year}"),
                Certificate.id,
                literal(None),
                literal("expire"),
                -amount,
                literal(0),
                literal(batch),
                literal(uow.now),
            )
            .select_from(Certificate)
            .outerjoin(credited, credited.c.certificate_id == Certificate.id)
            .outerjoin(freed, freed.c.certificate_id == Certificate.id)
            .where(Certificate.total > 0, amount > 0, Certificate.municipality_id.in_(munis)),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _credit(uow: UnitOfWork, year: int, batch: str, munis) -> int:  # type: ignore[no-untyped-def]
    result = await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                _credit_key(year),
                Certificate.id,
                literal(None),
                literal("credit"),
                MunicipalityYear.nominal,
                literal(0),
                literal(batch),
                literal(uow.now),
            )
            .join(
                MunicipalityYear,
                (MunicipalityYear.municipality_id == Certificate.municipality_id)
                & (MunicipalityYear.school_year == year),
            )
            .where(
                Certificate.status == CertStatus.FUNDED.value,
                Certificate.municipality_id.in_(munis),
                MunicipalityYear.nominal > 0,
                ~exists().where(LedgerEntry.key == _credit_key(year)),
            ),
        )
    )
    await uow.session.execute(
        update(Certificate)
        .where(
            Certificate.status == CertStatus.FUNDED.value, Certificate.municipality_id.in_(munis)
        )
        .values(funded_year=year)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _notices(uow: UnitOfWork, year: int, batch: str) -> None:
    for kind in ("expire", "credit"):
        notice = "expiry" if kind == "expire" else "topup"
        await uow.session.execute(
            insert(Outbox).from_select(
                OUTBOX_COLS,
                select(
                    Child.parent_id,
                    literal(notice),
                    literal(f"{notice}:") + cast(Certificate.id, String) + literal(f":{year}"),
                    literal(year),
                    literal("pending"),
                    literal(0),
                    literal(uow.now),
                )
                .join(Certificate, Certificate.child_id == Child.id)
                .join(LedgerEntry, LedgerEntry.certificate_id == Certificate.id)
                .where(LedgerEntry.batch == batch, LedgerEntry.kind == kind),
            )
        )
