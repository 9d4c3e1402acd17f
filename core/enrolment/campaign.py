"""Which school year an application is for, and the summer campaign.

A program's months are placed in the current school year while some are still ahead. Once
they are all past (June to August for a September–May program), the program is applied to
for the coming year, but only from the date the child's municipality opens that year's
applications (`applications_open_on` of the coming year's settings). The quote then uses
the coming year's nominal when the municipality has set it (and says so), less what the
child's accepted applications for that year already take; the money itself is blocked
when the year opens, in the order of acceptance (core.accounting.new_year).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, func, select, true

from core.enrolment import contracts
from core.errors import DomainError
from core.ledger.ledger import post
from core.outbox.outbox import emit
from core.rules.calendar import (
    Period,
    funding_months,
    funding_year_of,
    month_index,
    month_of,
    program_months,
    school_year_of,
)
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.money import equal_share
from core.storage.db import UnitOfWork
from core.storage.models import Application, Certificate, MunicipalityYear

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class YearSettings:
    """What the rules read of a municipality's settings of a school year
    (MunicipalityYear), as plain columns: read with the group's facts on every quote and
    application (an opening-day storm's hot path), where an ORM entity costs more than
    the statement."""

    nominal: int
    budget_programs_limit: int | None
    limit_significant: int | None
    limit_preprofessional: int | None
    limit_other: int | None
    applications_open_on: date | None


Settings = MunicipalityYear | YearSettings


@dataclass(frozen=True, slots=True)
class Target:
    school_year: int
    first_month: int
    last_month: int
    next_year: bool
    settings: Settings | None  # the municipality's settings of that school year

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1


class Unread(enum.Enum):
    UNREAD = "unread"


UNREAD = Unread.UNREAD
_SETTINGS = select(MunicipalityYear).where(
    MunicipalityYear.municipality_id == bindparam("municipality_id"),
    MunicipalityYear.school_year == bindparam("year"),
)


async def settings_of(uow: UnitOfWork, municipality_id: int, year: int) -> MunicipalityYear | None:
    return await uow.session.scalar(_SETTINGS, {"municipality_id": municipality_id, "year": year})


async def target(
    uow: UnitOfWork,
    municipality_id: int,
    start_month: int,
    end_month: int,
    period: Period = Period.SCHOOL,
    *,
    current: Settings | Unread | None = UNREAD,
) -> Target:
    """The school year applied for, and the settings in force for it (the funding year's:
    for a calendar-year municipality, this calendar year's). ``current``: those settings
    when the caller read them already (None: the municipality has none)."""
    today = uow.today
    year = school_year_of(today)
    first, last = program_months(year, start_month, end_month)
    first = max(first, month_of(today))
    if isinstance(current, Unread):
        current = await settings_of(uow, municipality_id, funding_year_of(today, period))
    if first <= last:
        return Target(year, first, last, False, current)
    coming = await settings_of(uow, municipality_id, year + 1)
    if coming is not None and coming.applications_open_on is not None:
        if coming.applications_open_on > today:
            raise DomainError("applications_open_later", date=coming.applications_open_on)
        first, last = program_months(year + 1, start_month, end_month)
        return Target(year + 1, first, last, True, coming)
    return Target(year, first, last, False, current)  # nothing left: program_finished


class SeasonState(enum.StrEnum):
    RUNNING = "running"  # months of this school year are still ahead
    OPENS = "opens"  # they are over; applications for the next year open on a set day
    NEXT_YEAR = "next-year"  # over, and applications for the next year are open
    ENDED = "ended"  # over, and the municipality has set no day for the next year


@dataclass(frozen=True, slots=True)
class Season:
    """Where a program's school year stands today, for its card: the summer's answer to
    "when can we apply?"."""

    state: SeasonState
    school_year: int  # the year applied for now (or, when over, the next one)
    opens_on: date | None = None  # the day applications for ``school_year`` open

    @property
    def open(self) -> bool:
        """An application may be made today."""
        return self.state in (SeasonState.RUNNING, SeasonState.NEXT_YEAR)


async def season(
    uow: UnitOfWork, municipality_id: int, start_month: int, end_month: int
) -> Season:
    """The program's season in its municipality today, by the same rule as ``target``
    (which an application uses), so the card and the application agree. The settings
    of the year in force are not read (current=None): the season needs only the coming
    year's, when the months of this one are over (one statement fewer on every card)."""
    try:
        t = await target(uow, municipality_id, start_month, end_month, current=None)
    except DomainError as exc:
        if exc.code != "applications_open_later":
            raise
        return Season(SeasonState.OPENS, school_year_of(uow.today) + 1, exc.params["date"])
    if t.next_year:
        opens = t.settings.applications_open_on if t.settings else None
        return Season(SeasonState.NEXT_YEAR, t.school_year, opens)
    if t.first_month > t.last_month:
        return Season(SeasonState.ENDED, t.school_year + 1)
    return Season(SeasonState.RUNNING, t.school_year)


def money_months(first_month: int, last_month: int, period: Period) -> int:
    """The months of an application paid from the funding year its first month is in:
    all of them for a school-year municipality, up to December for a calendar one (the
    rest is reserved from the next year's nominal when that year opens)."""
    year, month0 = divmod(first_month, 12)
    funding_year = year if period == Period.CALENDAR or month0 + 1 >= 9 else year - 1
    _, end = funding_months(funding_year, period)
    return max(0, min(last_month, end) - first_month + 1)


def is_next_year(first_month: int, today_month: int, period: Period = Period.SCHOOL) -> bool:
    """An application whose months start in a funding year not yet open: its money is
    blocked when that year opens (block_accepted, carry_into), not at acceptance."""
    year, month0 = divmod(today_month, 12)
    if period == Period.CALENDAR:
        return first_month >= month_index(year + 1, 1)
    current = year if month0 + 1 >= 9 else year - 1
    return first_month >= month_index(current + 1, 9)


async def tell_not_covered(
    uow: UnitOfWork, app: Application, needed: int, available: int, dedup_key: str
) -> None:
    """The family learns that the certificate no longer covers an application's quote."""
    if app.parent_id is None:
        return
    await emit(
        uow,
        app.parent_id,
        "application_not_covered",
        {
            "application_id": app.id,
            "child_id": app.child_id,
            "program_id": app.program_id,
            "needed": needed,
            "available": available,
        },
        dedup_key=dedup_key,
    )


async def held_next_year(uow: UnitOfWork, certificate_id: int, first_month: int) -> int:
    """What the child's accepted applications for that coming year will take."""
    taken = await uow.session.scalar(
        select(
            func.coalesce(
                func.sum(
                    Application.monthly_share
                    * (Application.last_month - Application.first_month + 1)
                ),
                0,
            )
        ).where(
            Application.certificate_id == certificate_id,
            Application.status == AppStatus.ACCEPTED.value,
            Application.first_month >= first_month,
            Application.reserved_left == 0,
        )
    )
    return int(taken or 0)


async def block_accepted(
    uow: UnitOfWork, year: int, municipalities: Select[tuple[int]] | None = None
) -> tuple[int, int]:
    """When ``year`` opens: the applications accepted for it in the summer are reserved, in
    the order of acceptance, while each certificate's money lasts. One that no longer fits
    goes back to the provider as submitted (it is accepted again only if the money covers
    it then), and the family is told. Returns (blocked, returned). The caller holds the
    ledger gate exclusively."""
    first = month_index(year, 9)
    rows = (
        await uow.session.execute(
            select(Application, Certificate.total - Certificate.reserved, Certificate.status)
            .join(Certificate, Certificate.id == Application.certificate_id)
            .where(
                Application.status == AppStatus.ACCEPTED.value,
                # its contract concluded (accepted_at is the moment): an offer still open
                # is blocked when the family accepts it, or lapses
                Application.accepted_at.is_not(None),
                Application.first_month >= first,
                Application.reserved_left == 0,
                Application.monthly_share > 0,
                true()
                if municipalities is None
                else Certificate.municipality_id.in_(municipalities),
            )
            .order_by(Application.accepted_at, Application.id)
        )
    ).all()
    available: dict[int, int] = {}
    blocked = returned = 0
    undone: list[int] = []
    for app, free, status in rows:
        cert_id = app.certificate_id
        if cert_id is None:  # joined on its certificate: never, but the type allows it
            continue
        left = available.setdefault(cert_id, int(free) if status == CertStatus.FUNDED else 0)
        need = app.monthly_share * (app.last_month - app.first_month + 1)
        if need <= left:
            await post(
                uow,
                certificate_id=cert_id,
                kind="reserve",
                key=f"reserve:{app.id}",
                reserved_delta=need,
                application_id=app.id,
            )
            app.reserved_left = need
            available[cert_id] = left - need
            blocked += 1
            continue
        app.status = AppStatus.SUBMITTED.value
        app.accepted_at = None
        app.updated_at = uow.now
        returned += 1
        undone.append(app.id)
        await tell_not_covered(uow, app, need, left, f"app:{app.id}:not_covered:{year}")
    await uow.session.flush()
    await contracts.void(uow, undone)  # accepted again only with a new contract
    if rows:
        logger.info("year %s: %d summer acceptances blocked, %d returned", year, blocked, returned)
    return blocked, returned


async def carry_into(uow: UnitOfWork, year: int, municipalities: Select[tuple[int]]) -> int:
    """1 January of ``year`` for calendar-year municipalities: the months from January on
    of the applications still running are reserved from the new nominal, in the order of
    acceptance. Where it no longer covers the share, the certificate pays an equal share
    of what there is and the family's co-pay grows; the family is told. Returns how many
    applications were carried. The caller holds the ledger gate exclusively."""
    january = month_index(year, 1)
    rows = (
        await uow.session.execute(
            select(Application, Certificate.total - Certificate.reserved, Certificate.status)
            .join(Certificate, Certificate.id == Application.certificate_id)
            .where(
                Application.status.in_([AppStatus.ACCEPTED.value, AppStatus.ENROLLED.value]),
                # with the contract concluded (an offer still open blocks nothing)
                Application.accepted_at.is_not(None),
                Application.last_month >= january,
                Application.monthly_share > 0,
                Certificate.municipality_id.in_(municipalities),
            )
            .order_by(Application.accepted_at, Application.id)
        )
    ).all()
    available: dict[int, int] = {}
    for app, free, status in rows:
        cert_id = app.certificate_id
        if cert_id is None:  # joined on its certificate: never, but the type allows it
            continue
        left = available.setdefault(cert_id, int(free) if status == CertStatus.FUNDED else 0)
        months = app.last_month - max(app.first_month, january) + 1
        # the share stays unless the new year's money no longer covers it; then an equal
        # share of what is left, in whole roubles (core.rules.money.equal_share)
        share = (
            app.monthly_share
            if left // months >= app.monthly_share
            else equal_share(app.monthly_price, left, months)
        )
        if share < app.monthly_share and app.parent_id is not None:
            await emit(
                uow,
                app.parent_id,
                "share_changed",
                {
                    "application_id": app.id,
                    "child_id": app.child_id,
                    "program_id": app.program_id,
                    "share": share,
                    "copay": app.monthly_price - share,
                },
                dedup_key=f"app:{app.id}:share:{year}",
            )
        app.monthly_share = share
        if share:
            await post(
                uow,
                certificate_id=cert_id,
                kind="reserve",
                key=f"reserve:{app.id}:{year}",
                reserved_delta=share * months,
                application_id=app.id,
            )
            app.reserved_left += share * months
            available[cert_id] = left - share * months
    await uow.session.flush()
    return len(rows)
