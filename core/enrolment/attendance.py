"""Attendance (табель): the provider's staff mark which enrolled children missed a class.

Everyone is present by default: only an absence is stored (a row per enrolment and class
day, with who marked it), and each mark and unmark is in the audit trail. A class day of an
open month (after the last closed one: months close in order) up to today may be edited,
and the sheet offers exactly those days (since the group's first studies); once its month
is closed the month was debited and the day is refused in words. The mark takes the ledger gate
shared, as every writing use case does, and the month close takes it exclusive: an edit
either lands before the close (and counts under the ``attendance`` debit rule) or finds
the month closed. Only the staff of the group's organisation may read or mark it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select

from core.audit import audit
from core.enrolment.decisions import _first_open_day, _provider_app
from core.errors import DomainError
from core.rules.calendar import month_bounds, month_display, month_of
from core.rules.enrolment import AppStatus
from core.rules.schedule import CLASS_DAYS, is_class_day
from core.storage.db import UnitOfWork
from core.storage.models import (
    Absence,
    Application,
    Child,
    Group,
    MonthClose,
    Municipality,
    Program,
    Role,
)

STUDIED = (AppStatus.ENROLLED.value, AppStatus.FINISHED.value)


@dataclass(frozen=True, slots=True)
class AttendanceGroup:
    group_id: int
    program: str
    group: str
    children: int  # studying in it now or on a day still open


@dataclass(frozen=True, slots=True)
class Pupil:
    application_id: int
    child: str  # surname and name as the application's child has them ("" once erased)
    absent: bool


@dataclass(frozen=True, slots=True)
class Sheet:
    """One group's class day: who studied then, and who was marked absent."""

    group_id: int
    program: str
    group: str
    day: date | None  # None: no class day of an open month up to today
    earlier: date | None  # the previous class day that may be edited
    later: date | None  # the next one, up to today
    pupils: list[Pupil]
    rule: str  # the municipality's debit rule (core.rules.schedule)


def _studied_on(day: int) -> ColumnElement[bool]:
    return and_(
        Application.status.in_(STUDIED),
        Application.start_day.is_not(None),
        Application.start_day <= day,
        or_(Application.end_day.is_(None), Application.end_day >= day),
    )


async def groups(uow: UnitOfWork, staff_id: int) -> list[AttendanceGroup]:
    """The groups of the staff member's organisations with a child studying on a day that
    may still be marked (from the first open day to today)."""
    since = await _first_open_day(uow)
    rows = await uow.session.execute(
        select(Group.id, Program.name, Group.name, func.count(Application.id))
        .join(Program, Program.id == Group.program_id)
        .join(
            Role,
            and_(
                Role.provider_id == Program.provider_id,
                Role.parent_id == staff_id,
                Role.role == "provider",
            ),
        )
        .join(Application, Application.group_id == Group.id)
        .where(
            Application.status.in_(STUDIED),
            Application.start_day.is_not(None),
            Application.start_day <= uow.today.toordinal(),
            or_(Application.end_day.is_(None), Application.end_day >= since.toordinal()),
        )
        .group_by(Group.id, Program.name, Group.name)
        .order_by(Program.name, Group.name, Group.id)
    )
    return [AttendanceGroup(g, p, n, int(c)) for g, p, n, c in rows]


async def _group(uow: UnitOfWork, staff_id: int, group_id: int) -> tuple[str, str, int, str]:
    """The group's program, name, weekdays and its municipality's debit rule, if it is
    one of the staff member's organisations' (any other: not found, not disclosed)."""
    row = (
        await uow.session.execute(
            select(Program.name, Group.name, Group.class_days, Municipality.debit_rule)
            .join(Program, Program.id == Group.program_id)
            .join(Municipality, Municipality.id == Program.municipality_id)
            .join(
                Role,
                and_(
                    Role.provider_id == Program.provider_id,
                    Role.parent_id == staff_id,
                    Role.role == "provider",
                ),
            )
            .where(Group.id == group_id)
            .limit(1)
        )
    ).first()
    if row is None:
        raise DomainError("attendance_group_not_found")
    return row[0], row[1], int(row[2]), row[3] or CLASS_DAYS


def _days(first: date, last: date, mask: int) -> list[date]:
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if is_class_day(first + timedelta(days=n), mask)
    ]


async def sheet(uow: UnitOfWork, staff_id: int, group_id: int, day: date | None) -> Sheet:
    """The group's children on ``day`` (None: today, or the latest class day before it),
    a class day of an open month not after today; any other day is refused."""
    program, name, mask, rule = await _group(uow, staff_id, group_id)
    # the days ``mark`` takes: of a month not closed (months close in order, so those after
    # the last closed one), not after today; and none before the group's first studies
    began = await uow.session.scalar(
        select(func.min(Application.start_day)).where(
            Application.group_id == group_id, Application.status.in_(STUDIED)
        )
    )
    first = max(await _first_open_day(uow), date.fromordinal(began)) if began else None
    days = _days(first, uow.today, mask) if first is not None and first <= uow.today else []
    if day is None:
        day = days[-1] if days else None
    elif day not in days:
        raise DomainError("attendance_day_invalid", **_window(uow, days))
    if day is None:
        return Sheet(group_id, program, name, None, None, None, [], rule)
    at = days.index(day)
    ordinal = day.toordinal()
    absent = select(Absence.id).where(
        Absence.application_id == Application.id, Absence.day == ordinal
    )
    rows = await uow.session.execute(
        select(Application.id, Child.surname, Child.name, absent.exists())
        .outerjoin(Child, Child.id == Application.child_id)
        .where(Application.group_id == group_id, _studied_on(ordinal))
        .order_by(Child.surname, Child.name, Application.id)
    )
    pupils = [
        Pupil(app_id, " ".join(p for p in (surname, first_name) if p), bool(missed))
        for app_id, surname, first_name, missed in rows
    ]
    return Sheet(
        group_id,
        program,
        name,
        day,
        days[at - 1] if at > 0 else None,
        days[at + 1] if at + 1 < len(days) else None,
        pupils,
        rule,
    )


def _window(uow: UnitOfWork, days: list[date]) -> dict[str, object]:
    return {"earliest": days[0] if days else uow.today, "today": uow.today}


async def mark(
    uow: UnitOfWork, staff_id: int, application_id: int, day: date, absent: bool
) -> None:
    """Marks the child absent on ``day`` (or present again: the mark removed). Pressing
    twice is pressing once. Refused for a month already closed, a day that is not a class
    day of the group within the child's studies, a day to come, or an application that is
    not the staff member's organisation's."""
    # the gate (shared), the family, the application, the staff member's role FOR SHARE:
    # a month close (exclusive gate) runs wholly before or after this
    app = await _provider_app(uow, staff_id, application_id)
    month = month_of(day)
    if await uow.session.get(MonthClose, month, populate_existing=True) is not None:
        raise DomainError("attendance_month_closed", month=month_display(month))
    mask = await uow.session.scalar(select(Group.class_days).where(Group.id == app.group_id))
    ordinal = day.toordinal()
    studied = (
        app.status in STUDIED
        and app.start_day is not None
        and app.start_day <= ordinal
        and (app.end_day is None or ordinal <= app.end_day)
    )
    if day > uow.today or not studied or not is_class_day(day, int(mask or 0)):
        raise DomainError(
            "attendance_day_invalid", earliest=month_bounds(month)[0], today=uow.today
        )
    found = await uow.session.scalar(
        select(Absence.id).where(Absence.application_id == app.id, Absence.day == ordinal)
    )
    if absent == (found is not None):
        return  # already so: a second press, or two staff members at once
    if absent:
        uow.session.add(
            Absence(application_id=app.id, day=ordinal, marked_by=staff_id, marked_at=uow.now)
        )
    else:
        await uow.session.execute(delete(Absence).where(Absence.id == found))
    await uow.session.flush()
    await audit.record(
        uow,
        staff_id,
        "attendance-absent" if absent else "attendance-present",
        child_id=app.child_id,
        application_id=app.id,
        certificate_id=app.certificate_id,
        detail=f"day:{day.isoformat()}",
    )


async def absent_days(
    uow: UnitOfWork, application_ids: list[int], first: date, last: date
) -> dict[int, frozenset[date]]:
    """The days each application was marked absent in [first, last]."""
    found: dict[int, set[date]] = {a: set() for a in application_ids}
    if not application_ids:
        return {}
    rows = await uow.session.execute(
        select(Absence.application_id, Absence.day).where(
            Absence.application_id.in_(application_ids),
            Absence.day >= first.toordinal(),
            Absence.day <= last.toordinal(),
        )
    )
    for app_id, day in rows:
        found[app_id].add(date.fromordinal(day))
    return {a: frozenset(d) for a, d in found.items()}
