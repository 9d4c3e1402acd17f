"""A provider's decisions on an application, and applications nobody answers.

A provider's acceptance holds the seat and offers the family the contract; the money is
blocked when the contract is concluded (core.services.concluding), not when the family
applies: the family saw the quote before applying and may have applied to several clubs,
so at the contract the reservation is taken against what is available then. Enrolment
needs the contract concluded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core.audit import audit
from core.enrolment import contracts
from core.enrolment.enrolment import _locked, _notify, _release, end_application
from core.errors import DomainError
from core.rules.calendar import month_bounds, month_of
from core.rules.enrolment import AppStatus, check_transition
from core.rules.schedule import ALL_DAYS, is_class_day, next_class_day
from core.rules.text import clean_reason
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Application, Group, MonthClose, Program, Role

logger = logging.getLogger(__name__)

DEFAULT_EXPIRY_DAYS = 10


@dataclass(frozen=True, slots=True)
class Decision:
    """What a provider's press did. ``done`` False: the certificate no longer covers the
    quote; ``needed`` and ``available`` say by how much."""

    done: bool = True
    needed: int = 0
    available: int = 0


async def provider_decide(
    uow: UnitOfWork, parent_id: int, app_id: int, target: AppStatus, reason: str | None = None
) -> Decision:
    """A provider's staff accepts, rejects (with a reason), enrols or finishes."""
    app = await _provider_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), target, "provider")
    decision = Decision()
    if target == AppStatus.REJECTED:
        await end_application(uow, app.id, target, reason=clean_reason(reason or ""))
    elif target == AppStatus.FINISHED:
        await end_application(uow, app.id, target)
    elif target == AppStatus.ENROLLED:
        await _enrol(uow, app, None)
    elif target == AppStatus.ACCEPTED:
        decision = await _accept(uow, app)
    await audit.record(
        uow,
        parent_id,
        ACTIONS[target],
        child_id=app.child_id,
        application_id=app.id,
        certificate_id=app.certificate_id,
        outcome="ok" if decision.done else "not-covered",
    )
    return decision


# what a provider's decision is called in the audit trail
ACTIONS = {
    AppStatus.ACCEPTED: "accept",
    AppStatus.ENROLLED: "enrol",
    AppStatus.REJECTED: "reject-application",
    AppStatus.FINISHED: "end-studies",
}


async def provider_finish(uow: UnitOfWork, parent_id: int, app_id: int, last_day: date) -> None:
    """The provider ends an enrolled child's studies (отчисление): ``last_day`` is the last
    day served, debited at its month's close, the rest released now. It may not be before
    the studies began, after today, or in a month already closed (that month was debited
    whole: a correction is the МОЦ's, outside the chat)."""
    app = await _provider_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), AppStatus.FINISHED, "provider")
    began = date.fromordinal(app.start_day) if app.start_day else uow.today
    # a child enrolled from a day still to come may leave before it (nothing is served)
    earliest = max(min(began, uow.today), await _first_open_day(uow))
    if not earliest <= last_day <= uow.today:
        raise DomainError("end_date_invalid", earliest=earliest, today=uow.today)
    await end_application(uow, app.id, AppStatus.FINISHED, last_day=last_day)
    await audit.record(
        uow,
        parent_id,
        "end-studies",
        child_id=app.child_id,
        application_id=app.id,
        certificate_id=app.certificate_id,
        detail=f"last-day:{last_day.isoformat()}",
    )


async def _provider_app(uow: UnitOfWork, parent_id: int, app_id: int) -> Application:
    """The application, locked in the lock order, if it is to one of the person's
    providers; any other is "not found" (not disclosed)."""
    family = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    if family is None:
        raise DomainError("application_not_found")
    await locks.families(uow, family)
    try:
        app = await _locked(uow, app_id, family)
    except DomainError:
        # the application changed family (an account link) between the read and the lock
        raise RetryTransaction from None
    provider_id = await uow.session.scalar(
        select(Program.provider_id).where(Program.id == app.program_id)
    )
    # held (FOR SHARE) to the end: a revocation waits for this action, and an action
    # after a revocation finds no role
    role = await uow.session.scalar(
        select(Role.id)
        .where(
            Role.parent_id == parent_id, Role.role == "provider", Role.provider_id == provider_id
        )
        .with_for_update(read=True)
    )
    if role is None:
        raise DomainError("application_not_found")
    return app


async def _first_open_day(uow: UnitOfWork) -> date:
    """The first day of the month after the last closed one."""
    last = await uow.session.scalar(select(func.max(MonthClose.month)))
    return month_bounds(last + 1)[0] if last is not None else date.min


async def _accept(uow: UnitOfWork, app: Application) -> Decision:
    """Hold the seat and offer the family the contract (core.services.contracts): the
    money is blocked when the contract is concluded (core.services.concluding), against
    what is available then."""
    first = max(app.first_month, month_of(uow.today))
    if first > app.last_month:
        raise DomainError("program_finished")
    app.first_month = first
    app.status = AppStatus.ACCEPTED.value
    app.updated_at = uow.now
    await uow.session.flush()
    await contracts.offer(uow, app)
    # the family's notice of the acceptance is the offer, with a button to read it
    await _notify(uow, app)
    return Decision()


async def provider_enrol(
    uow: UnitOfWork, parent_id: int, app_id: int, first_day: date | None = None
) -> date:
    """A provider's staff enrols an accepted child from ``first_day`` (None: the group's
    next class day). Returns the first day of studies."""
    app = await _provider_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), AppStatus.ENROLLED, "provider")
    first = await _enrol(uow, app, first_day)
    await audit.record(
        uow,
        parent_id,
        "enrol",
        child_id=app.child_id,
        application_id=app.id,
        certificate_id=app.certificate_id,
        detail=f"first-day:{first.isoformat()}",
    )
    return first


@dataclass(frozen=True, slots=True)
class FirstDays:
    """The days a child may start on: the earliest and latest allowed, and the group's
    next class days from the default on (the first is the default)."""

    earliest: date
    latest: date
    choices: tuple[date, ...]


async def first_days(uow: UnitOfWork, parent_id: int, app_id: int, count: int = 4) -> FirstDays:
    """What the provider may choose as the first day of studies (a read: no lock)."""
    app = await uow.session.scalar(
        select(Application)
        .join(Program, Program.id == Application.program_id)
        .join(
            Role,
            (Role.provider_id == Program.provider_id)
            & (Role.parent_id == parent_id)
            & (Role.role == "provider"),
        )
        .where(Application.id == app_id)
    )
    if app is None:
        raise DomainError("application_not_found")
    earliest, latest, mask = await _start_window(uow, app)
    choices: list[date] = []
    day = await _default_start(uow, app, earliest, latest, mask)
    while day is not None and len(choices) < count:
        choices.append(day)
        day = next_class_day(day + timedelta(days=1), mask, latest)
    return FirstDays(earliest, latest, tuple(choices))


async def _start_window(uow: UnitOfWork, app: Application) -> tuple[date, date, int]:
    """The first day of studies is not before the application, nor before the months it
    reserved, nor in a closed month; not after the program's last month."""
    applied = app.created_at.replace(tzinfo=UTC).astimezone(uow.zone).date()  # the region's
    earliest = max(applied, month_bounds(app.first_month)[0], await _first_open_day(uow))
    latest = month_bounds(app.last_month)[1]
    mask = await uow.session.scalar(select(Group.class_days).where(Group.id == app.group_id))
    return earliest, latest, int(mask or ALL_DAYS)


async def _default_start(
    uow: UnitOfWork, app: Application, earliest: date, latest: date, mask: int
) -> date | None:
    """The group's next class day from today (or from the earliest allowed day)."""
    return next_class_day(max(uow.today, earliest), mask, latest)


async def _enrol(uow: UnitOfWork, app: Application, first_day: date | None) -> date:
    """Service starts on ``first_day``, a class day of the group: months reserved before
    its month are released; its month is debited by the class days from it on."""
    await contracts.require_concluded(uow, app.id)
    earliest, latest, mask = await _start_window(uow, app)
    if first_day is None:
        first_day = await _default_start(uow, app, earliest, latest, mask)
        if first_day is None:
            raise DomainError("program_finished")
    if not earliest <= first_day <= latest:
        raise DomainError("start_date_invalid", earliest=earliest, latest=latest)
    if not is_class_day(first_day, mask):
        raise DomainError("start_not_class_day", date=first_day)
    start = month_of(first_day)
    if start > app.first_month:
        unused = min(start, app.last_month + 1) - app.first_month
        await _release(uow, app, min(app.reserved_left, unused * app.monthly_share), "enrol")
        app.first_month = start
    app.start_day = first_day.toordinal()
    app.status = AppStatus.ENROLLED.value
    app.updated_at = uow.now
    await uow.session.flush()
    await _notify(uow, app)
    return first_day


async def expire_application(uow: UnitOfWork, app_id: int, cutoff: datetime) -> bool:
    """Close one application still unanswered and submitted at or before ``cutoff``."""
    family = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    await locks.families(uow, family)
    found = await locks.applications(uow, [app_id])
    if not found:
        return False
    app = found[0]
    if app.parent_id != family:
        raise RetryTransaction  # moved to another family (an account link) meanwhile
    # answered or cancelled meanwhile: nothing to do
    if app.status != AppStatus.SUBMITTED or app.created_at > cutoff:
        return False
    await end_application(uow, app.id, AppStatus.EXPIRED)
    return True
