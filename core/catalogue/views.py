"""Read models for the chat: a parent's applications, balances, a provider's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select

from core.catalogue.catalogue import SearchQuery, search
from core.certificates.certificates import Office
from core.enrolment import attendance
from core.errors import DomainError
from core.rules.calendar import month_bounds
from core.rules.catalogue import Direction
from core.rules.enrolment import ACTIVE_STATUSES, AppStatus
from core.rules.people import age_on
from core.rules.schedule import ATTENDANCE, basis
from core.storage.db import UnitOfWork, one_of
from core.storage.fast import hot
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Group,
    LedgerEntry,
    Municipality,
    Program,
    Provider,
    Role,
)


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: int
    child_id: int | None
    child_name: str
    program_id: int
    program: str
    provider: str
    group: str
    schedule: str
    status: AppStatus
    monthly_price: int
    monthly_share: int
    reserved_left: int
    reason: str | None
    created_at: datetime
    hold_until: datetime | None = None  # an offered seat: held until then

    @property
    def monthly_copay(self) -> int:
        return self.monthly_price - self.monthly_share


def _app_query():
    return (
        select(Application, Child.name, Program.name, Provider.name, Group.name, Group.schedule)
        .outerjoin(Child, Child.id == Application.child_id)
        .join(Program, Program.id == Application.program_id)
        .join(Provider, Provider.id == Program.provider_id)
        .join(Group, Group.id == Application.group_id)
    )


def _app_view(row) -> ApplicationView:
    app, child, program, provider, group, schedule = row
    return ApplicationView(
        id=app.id,
        child_id=app.child_id,
        child_name=child or "",
        program_id=app.program_id,
        program=program,
        provider=provider,
        group=group,
        schedule=schedule,
        status=AppStatus(app.status),
        monthly_price=app.monthly_price,
        monthly_share=app.monthly_share,
        reserved_left=app.reserved_left,
        reason=app.reason,
        created_at=app.created_at,
        hold_until=app.hold_until,
    )


# the family's applications: the answer to every application (the list shown after
# it), built once, as plain columns in ApplicationView's order: an ORM entity costs more
# than the statement
_FAMILY_VIEW = (
    select(
        Application.id,
        Application.child_id,
        func.coalesce(Child.name, "").label("child_name"),
        Application.program_id,
        Program.name.label("program"),
        Provider.name.label("provider"),
        Group.name.label("group"),
        Group.schedule,
        Application.status,
        Application.monthly_price,
        Application.monthly_share,
        Application.reserved_left,
        Application.reason,
        Application.created_at,
        Application.hold_until,
    )
    .outerjoin(Child, Child.id == Application.child_id)
    .join(Program, Program.id == Application.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .join(Group, Group.id == Application.group_id)
)
_FAMILY_APPS = (
    _FAMILY_VIEW.where(Application.parent_id == bindparam("parent_id"))
    .order_by(Application.id.desc())
    .limit(bindparam("limit"))
)
_FAMILY_ACTIVE_APPS = (
    _FAMILY_VIEW.where(
        Application.parent_id == bindparam("parent_id"),
        one_of(Application.status, [s.value for s in ACTIVE_STATUSES]),
    )
    .order_by(Application.id.desc())
    .limit(bindparam("limit"))
)


async def parent_applications(
    uow: UnitOfWork, parent_id: int, *, active_only: bool = False, limit: int = 30
) -> list[ApplicationView]:
    query = _FAMILY_ACTIVE_APPS if active_only else _FAMILY_APPS
    rows = await uow.core(query, {"parent_id": parent_id, "limit": limit})
    return [_family_view(*r) for r in rows]


def _family_view(
    app_id: int,
    child_id: int | None,
    child_name: str,
    program_id: int,
    program: str,
    provider: str,
    group: str,
    schedule: str,
    status: str,
    *money_and_times: Any,
) -> ApplicationView:
    return ApplicationView(
        app_id,
        child_id,
        child_name,
        program_id,
        program,
        provider,
        group,
        schedule,
        AppStatus(status),
        *money_and_times,
    )


async def parent_application(uow: UnitOfWork, parent_id: int, app_id: int) -> ApplicationView:
    row = (await uow.session.execute(_app_query().where(Application.id == app_id))).first()
    if row is None or row[0].parent_id != parent_id:
        raise DomainError("application_not_found")
    return _app_view(row)


async def family_offices(uow: UnitOfWork, parent_id: int) -> list[Office]:
    """The МОЦ of each municipality the family's children live in (for help and where to
    confirm a child's data)."""
    rows = await uow.session.execute(
        select(Municipality)
        .where(
            Municipality.id.in_(select(Child.municipality_id).where(Child.parent_id == parent_id))
        )
        .order_by(Municipality.name)
    )
    return [
        Office(m.name, m.office_address, m.office_hours, m.office_phone) for m in rows.scalars()
    ]


async def provider_ids(uow: UnitOfWork, parent_id: int) -> list[int]:
    return list(
        await uow.session.scalars(
            select(Role.provider_id).where(
                Role.parent_id == parent_id,
                Role.role == "provider",
                Role.provider_id.is_not(None),
            )
        )
    )


# what the family asked for and has not had reserved yet: applications the provider has
# not answered, a waiting list's place, a held seat (nothing reserved on any of them)
ASKED = [AppStatus.SUBMITTED.value, AppStatus.WAITING.value, AppStatus.OFFERED.value]


@dataclass(frozen=True, slots=True)
class DebitLine:
    """One child's debit of a month, for the family's notice."""

    child: str
    program: str
    amount: int
    total: int  # the certificate's total left
    available: int  # and what is available of it
    needs: int  # what its applications not yet reserved need from the next month on
    rule: str  # the municipality's debit rule (core.rules.schedule)
    counted: int  # the class days (or, by attendance, the classes attended) paid for
    of: int  # the month's class days in the group's schedule


async def month_debits(uow: UnitOfWork, parent_id: int, month: int) -> list[DebitLine]:
    """For a debit notice: each debit of the family's children in ``month`` and what it
    was based on."""
    asked = Application.__table__.alias("asked")
    first = case((asked.c.first_month > month, asked.c.first_month), else_=month + 1)
    needs = (
        select(
            func.coalesce(
                func.sum(
                    case(
                        (
                            asked.c.last_month >= first,
                            asked.c.monthly_share * (asked.c.last_month - first + 1),
                        ),
                        else_=0,
                    )
                ),
                0,
            )
        )
        .where(
            asked.c.certificate_id == Certificate.id,
            asked.c.status.in_(ASKED),
            asked.c.reserved_left == 0,
        )
        .scalar_subquery()
    )
    rows = await uow.session.execute(
        select(
            Child.name,
            Program.name,
            LedgerEntry.total_delta,
            Certificate.total,
            Certificate.reserved,
            needs,
            Application.id,
            Application.start_day,
            Application.end_day,
            Group.class_days,
            Municipality.debit_rule,
        )
        .join(Application, Application.id == LedgerEntry.application_id)
        .join(Program, Program.id == Application.program_id)
        .join(Group, Group.id == Application.group_id)
        .join(Municipality, Municipality.id == Program.municipality_id)
        .join(Certificate, Certificate.id == LedgerEntry.certificate_id)
        .outerjoin(Child, Child.id == Certificate.child_id)
        .where(
            Application.parent_id == parent_id,
            LedgerEntry.kind == "debit",
            LedgerEntry.month == month,
        )
        .order_by(LedgerEntry.id)
    )
    found = rows.all()
    month_first, month_last = month_bounds(month)
    absent = await attendance.absent_days(
        uow, [row[6] for row in found if row[10] == ATTENDANCE], month_first, month_last
    )
    out = []
    for c, p, d, t, r, n, app_id, start, end, mask, rule in found:
        counted, of = basis(
            month_first,
            month_last,
            mask,
            date.fromordinal(start) if start else month_first,
            date.fromordinal(end) if end else None,
            absent.get(app_id, frozenset()),
            rule,
        )
        out.append(DebitLine(c or "", p, -d, t, t - r, int(n or 0), rule, counted, of))
    return out


@dataclass(frozen=True, slots=True)
class NextStep:
    """What a family needs after a provider's answer: where and when, what to bring, and
    for a refusal the programs like it that have seats."""

    provider: str
    address: str
    group: str
    schedule: str | None
    certificate: str | None  # its number
    paid: bool  # the certificate pays a share (not a budget program)
    similar: list[tuple[int, str, int]]  # (program id, name, free seats)


async def next_step(uow: UnitOfWork, app_id: int, *, similar: int = 0) -> NextStep | None:
    """For an application notice; ``similar``: how many programs of the same direction and
    municipality with free seats, for the child's age, to suggest (a refusal)."""
    row = (
        await uow.session.execute(
            select(
                Provider.name,
                Program.address,
                Group.name,
                Group.schedule,
                Certificate.number,
                Program.direction,
                Program.municipality_id,
                Child.birth_date,
                Application.monthly_share,
                Application.program_id,
            )
            .select_from(Application)
            .join(Program, Program.id == Application.program_id)
            .join(Provider, Provider.id == Program.provider_id)
            .join(Group, Group.id == Application.group_id)
            .outerjoin(Certificate, Certificate.id == Application.certificate_id)
            .outerjoin(Child, Child.id == Application.child_id)
            .where(Application.id == app_id)
        )
    ).first()
    if row is None:
        return None
    provider, address, group, schedule, number, direction, muni, born, share, program = row
    found: list[tuple[int, str, int]] = []
    if similar:
        page = await search(
            uow,
            SearchQuery(
                direction=Direction(direction),
                municipality_id=muni,
                age=age_on(born, uow.today) if born is not None else None,
                free_seats_only=True,
                page_size=similar + 1,
            ),
        )
        found = [(r.id, r.name, r.free_seats) for r in page.items if r.id != program][:similar]
    return NextStep(provider, address, group, schedule, number, share > 0, found)


# run by the short way on PostgreSQL (core/storage/fast.py): the opening-day storm's
for _hot in (_FAMILY_APPS, _FAMILY_ACTIVE_APPS):
    hot(_hot)
