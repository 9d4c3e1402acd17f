"""Applications: quote, apply, cancel, leaving. Money moves through the ledger; seats through
conditional updates, so nothing oversells under concurrency. The provider's decisions (and
the reservation at acceptance) are in core.services.decisions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError
from core.notify.outbox import emit
from core.rules.calendar import Period, month_of
from core.rules.catalog import BUDGET_REGISTERS, Register
from core.rules.enrolment import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    ApplyFacts,
    AppStatus,
    CertStatus,
    check_apply,
    check_transition,
)
from core.rules.money import Quote, quote
from core.rules.people import age_on
from core.services import campaign, follows
from core.services.certificates import for_child, period_of
from core.services.children import get_owned
from core.services.ledger import post
from core.services.parents import require_consent
from core.storage import locks
from core.storage.db import Database, UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Group,
    MonthClose,
    Municipality,
    MunicipalityYear,
    Program,
    Provider,
)

logger = logging.getLogger(__name__)
ACTIVE = [s.value for s in ACTIVE_STATUSES]
OPEN = [s.value for s in OPEN_STATUSES]
REASON_MAX = 500
HOLD_HOURS = 24  # default: how long a freed seat is held for the first in the waiting list
OFFER_LAPSED = "offer_lapsed"  # the reason of a held seat not taken in time


@dataclass(frozen=True, slots=True)
class ApplyQuote:
    child_id: int
    group_id: int
    program_id: int
    register: Register
    art_school: bool
    first_month: int
    last_month: int
    money: Quote  # monthly_share 0 for budget registers and art schools
    available: int
    school_year: int = 0
    next_year: bool = False  # for the coming school year (the summer campaign)
    later_year: bool = False  # paid from a funding year not yet open (blocked when it opens)
    nominal_known: bool = True  # next year's nominal set (else today's balance was used)
    later_months: int = 0  # paid from the next calendar year's nominal, reserved 1 January
    full: bool = False  # no free seat (or others wait for one): applying joins the list
    waiting: int = 0  # how many wait in the group's list already
    offered: bool = False  # the seat is held for this family (taking an offered seat)
    child_name: str = ""


# built once: the checks run on every quote and application (an opening-day storm's hot
# path), and building a statement costs more than running it
_GROUP = (
    select(Group, Program, Provider)
    .join(Program, Program.id == Group.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .where(Group.id == bindparam("group_id"), Program.active.is_(True))
)
_CHILD_OPEN = (
    select(
        Application.id,
        Application.program_id,
        Application.register,
        Application.status,
        Provider.art_school,
    )
    .join(Program, Program.id == Application.program_id)
    .join(Provider, Provider.id == Program.provider_id)
    .where(Application.child_id == bindparam("child_id"), Application.status.in_(OPEN))
)


async def _facts(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    *,
    lock: bool,
    offer: int | None = None,
) -> tuple[ApplyQuote, Certificate | None]:
    """The quote and the rules' verdict. ``offer``: the family's own offered (or waiting)
    application for this program, not counted as a second one."""
    child = await get_owned(uow, parent_id, child_id)
    # PostgreSQL: the certificate row lock serialises one child's applications, so the
    # balance, the budget count and the duplicate check below are read fresh
    cert = await for_child(uow, child_id, lock=lock)
    row = (await uow.session.execute(_GROUP, {"group_id": group_id})).first()
    if row is None:
        raise DomainError("group_not_found")
    group, program, provider = row
    today = uow.today
    period = await period_of(uow, child.municipality_id)
    when = await campaign.target(
        uow, child.municipality_id, program.start_month, program.end_month, period
    )
    first, last, months = when.first_month, when.last_month, when.months
    # the child's open applications, read once: a second one to this program, and what
    # the budget registers' limits count (art schools count for nothing)
    budget_registers = {r.value for r in BUDGET_REGISTERS}
    same = 0
    budget_active: dict[str, int] = {}
    for app_id, app_program, register_, status, art in (
        await uow.session.execute(_CHILD_OPEN, {"child_id": child_id})
    ).all():
        if app_program == program.id and app_id != offer:
            same += 1
        if status in ACTIVE and register_ in budget_registers and not art:
            budget_active[register_] = budget_active.get(register_, 0) + 1
    year = when.settings
    register = Register(program.register)
    check_apply(
        ApplyFacts(
            child_age=age_on(child.birth_date, today),
            age_min=program.age_min,
            age_max=program.age_max,
            register=register,
            art_school=provider.art_school,
            certificate_status=CertStatus(cert.status) if cert else None,
            has_active_same_program=bool(same),
            active_budget_programs=sum(budget_active.values()),
            budget_limit=year.budget_programs_limit if year else None,
            months_left=months,
            year_set=year is not None,
            active_same_register=budget_active.get(register.value, 0),
            register_limit=register_limit(year, register),
        )
    )
    available = cert.total - cert.reserved if cert else 0
    nominal_known = True
    later = campaign.is_next_year(first, month_of(today), period)
    if later and cert is not None:
        # months in a funding year not yet open (the summer campaign; a January start in
        # a calendar-year municipality): that year's nominal when the municipality has
        # set it, less what the child's accepted applications for it will take; until
        # then, the balance of today (the quote says which)
        coming = (
            year
            if period == Period.SCHOOL
            else await campaign.settings_of(uow, child.municipality_id, first // 12)
        )
        nominal = coming.nominal if coming is not None else 0
        nominal_known = nominal > 0
        if nominal_known:
            available = nominal - await campaign.held_next_year(uow, cert.id, first)
    # a calendar-year municipality pays up to December from this year's money; the months
    # after are reserved from the next nominal on 1 January (campaign.carry_into)
    paid = campaign.money_months(first, last, period)
    if register == Register.CERTIFIED and not provider.art_school:
        money = quote(program.price, paid, available)
        if money.monthly_share == 0 and program.price > 0:
            raise DomainError("certificate_exhausted", available=available)
    else:
        money = Quote(program.price, months, 0)
    return (
        ApplyQuote(
            child_id=child_id,
            group_id=group_id,
            program_id=program.id,
            register=register,
            art_school=provider.art_school,
            first_month=first,
            last_month=last,
            money=money,
            available=available,
            school_year=when.school_year,
            next_year=when.next_year,
            later_year=later,
            nominal_known=nominal_known,
            later_months=months - paid if money.monthly_share else 0,
            full=offer is None and (group.taken >= group.seats or group.waiting > 0),
            waiting=group.waiting,
            offered=offer is not None,
            child_name=child.name,
        ),
        cert,
    )


def register_limit(year: MunicipalityYear | None, register: Register) -> int | None:
    if year is None:
        return None
    return {
        Register.SIGNIFICANT: year.limit_significant,
        Register.PREPROFESSIONAL: year.limit_preprofessional,
        Register.OTHER: year.limit_other,
    }.get(register)


async def quote_application(
    uow: UnitOfWork, parent_id: int, child_id: int, group_id: int, *, offer: int | None = None
) -> ApplyQuote:
    """What the application would take at acceptance and cost; raises the refusal the apply
    would raise. ``offer``: taking the seat held for this application of the family."""
    await require_consent(uow, parent_id)
    q, _ = await _facts(uow, parent_id, child_id, group_id, lock=False, offer=offer)
    return q


async def apply(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    *,
    expected_share: int | None = None,
) -> int:
    """Submit: the seat is held, the money not yet; or, the group being full, join its
    waiting list (waiting_place says which). Returns the application's id.
    ``expected_share`` is the monthly share the parent saw and confirmed; if the balance
    changed since, the parent must see the new figures first (quote_changed). The family
    may apply to several clubs, each quoted against what is available now; the money is
    blocked at acceptance.

    The opening-day storm: every check reads without locking a shared row; the group's
    row is locked only by the seat claim, the last step before the insert and the
    commit, so it is held for a few short statements. Claims of one group queue on that
    row in the order they reach it, and the application's id is drawn while it is held:
    seats go in order of arrival, and the waiting list is in that order too."""
    family = await locks.family_row(uow, parent_id)
    if family is None:
        raise DomainError("parent_not_found")
    if family.consent_at is None:
        raise DomainError("consent_required")
    q, cert = await _facts(uow, parent_id, child_id, group_id, lock=True)
    if expected_share is not None and expected_share != q.money.monthly_share:
        raise DomainError("quote_changed", share=q.money.monthly_share)
    seated = await _claim(uow, group_id)
    app = Application(
        child_id=child_id,
        parent_id=parent_id,
        certificate_id=cert.id if cert else None,
        program_id=q.program_id,
        group_id=group_id,
        status=(AppStatus.SUBMITTED if seated else AppStatus.WAITING).value,
        register=q.register.value,
        monthly_price=q.money.monthly_price,
        monthly_share=q.money.monthly_share,
        first_month=q.first_month,
        last_month=q.last_month,
        reserved_left=0,
        created_at=uow.now,
        updated_at=uow.now,
    )
    # the check above, under the family's lock, already refused a second application;
    # the unique index is the last guard (the refusal rolls the whole transaction back)
    uow.session.add(app)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise DomainError("already_applied") from exc
    if seated:
        await _program_seats(uow, q.program_id, -1)
    # nothing is blocked yet: the money is reserved when the provider accepts (the
    # contract), against what is available then (core.services.decisions)
    await _notify(uow, app)
    logger.info("application %s %s (group %s)", app.id, app.status, group_id)
    return app.id


_SEAT = (
    update(Group)
    .where(Group.id == bindparam("group_id"), Group.taken < Group.seats, Group.waiting == 0)
    .values(taken=Group.taken + 1)
    .execution_options(synchronize_session=False)
)
_LIST_PLACE = (
    update(Group)
    .where(Group.id == bindparam("group_id"), or_(Group.taken >= Group.seats, Group.waiting > 0))
    .values(waiting=Group.waiting + 1)
    .execution_options(synchronize_session=False)
)


async def _claim(uow: UnitOfWork, group_id: int) -> bool:
    """Take a free seat, or a place in the waiting list: True for a seat. A seat is free
    only while nobody waits (a freed seat goes to the first waiting). Each statement
    locks the group's row; the second, if the group changed between them, gives way to
    the first again (a seat freed with nobody waiting)."""
    while True:
        seat = await uow.session.execute(_SEAT, {"group_id": group_id})
        if seat.rowcount == 1:  # type: ignore[attr-defined]
            return True
        queued = await uow.session.execute(_LIST_PLACE, {"group_id": group_id})
        if queued.rowcount == 1:  # type: ignore[attr-defined]
            return False
        if await uow.session.get(Group, group_id) is None:
            raise DomainError("group_not_found")


_AHEAD = (
    select(func.count())
    .select_from(Application)
    .where(
        Application.group_id == bindparam("group_id"),
        Application.status == AppStatus.WAITING.value,
        Application.id < bindparam("app_id"),
    )
)


@dataclass(frozen=True, slots=True)
class Waiting:
    place: int  # 1: the next freed seat is held for this application
    hold_hours: int  # how long it will be held


async def waiting_place(uow: UnitOfWork, app_id: int) -> Waiting | None:
    """The application's place in its group's waiting list; None when not waiting."""
    app = await uow.session.get(Application, app_id)
    if app is None or app.status != AppStatus.WAITING.value:
        return None
    ahead = await uow.session.scalar(_AHEAD, {"group_id": app.group_id, "app_id": app.id})
    return Waiting(int(ahead or 0) + 1, await hold_hours(uow, app.program_id))


async def take(
    uow: UnitOfWork, parent_id: int, app_id: int, *, expected_share: int | None = None
) -> None:
    """Take the seat held for the family: the offered application is submitted to the
    provider, checked and quoted as a new one would be (the money is blocked at
    acceptance). A hold that has run out is refused; the seat went to the next."""
    app = await _owned_app(uow, parent_id, app_id)
    if app.status != AppStatus.OFFERED.value:
        raise DomainError("offer_gone")
    if app.hold_until is not None and app.hold_until <= uow.now:
        raise DomainError("offer_gone")
    if app.child_id is None:
        raise DomainError("application_not_found")
    q, cert = await _facts(uow, parent_id, app.child_id, app.group_id, lock=True, offer=app.id)
    if expected_share is not None and expected_share != q.money.monthly_share:
        raise DomainError("quote_changed", share=q.money.monthly_share)
    app.status = AppStatus.SUBMITTED.value
    app.hold_until = None
    app.certificate_id = cert.id if cert else None
    app.register = q.register.value
    app.monthly_price = q.money.monthly_price
    app.monthly_share = q.money.monthly_share
    app.first_month, app.last_month = q.first_month, q.last_month
    app.created_at = app.updated_at = uow.now  # the provider's answer is due from now
    await uow.session.flush()
    await _notify(uow, app)


@dataclass(frozen=True, slots=True)
class Offer:
    application_id: int
    child_id: int
    group_id: int


async def offered(uow: UnitOfWork, parent_id: int, app_id: int) -> Offer:
    """The family's offered application (for the quote before taking the seat)."""
    app = await uow.session.get(Application, app_id)
    if app is None or app.parent_id != parent_id or app.status != AppStatus.OFFERED.value:
        raise DomainError("offer_gone")
    if app.child_id is None:
        raise DomainError("offer_gone")
    return Offer(app.id, app.child_id, app.group_id)


_FREE_SEATS = (
    update(Program)
    .where(Program.id == bindparam("program_id"))
    .values(free_seats=Program.free_seats + bindparam("delta"))
    .execution_options(synchronize_session=False)
)


async def _program_seats(uow: UnitOfWork, program_id: int, delta: int) -> None:
    await uow.session.execute(_FREE_SEATS, {"program_id": program_id, "delta": delta})


async def _notify(uow: UnitOfWork, app: Application) -> None:
    await emit(
        uow,
        app.parent_id,
        "application_status",
        {
            "application_id": app.id,
            "child_id": app.child_id,
            "program_id": app.program_id,
            "status": app.status,
            "reason": app.reason,
        },
        dedup_key=f"app:{app.id}:{app.status}",
    )


async def _owned_app(uow: UnitOfWork, parent_id: int, app_id: int) -> Application:
    await locks.families(uow, parent_id)
    return await _locked(uow, app_id, parent_id)


async def _locked(uow: UnitOfWork, app_id: int, parent_id: int | None) -> Application:
    """The application, its certificate and itself locked (steps 3 and 5 of the order)."""
    cert_id = await uow.session.scalar(
        select(Application.certificate_id).where(Application.id == app_id)
    )
    if cert_id is not None:
        await locks.certificates(uow, [cert_id])
    found = await locks.applications(uow, [app_id])
    if not found or found[0].parent_id != parent_id:
        raise DomainError("application_not_found")
    return found[0]


async def cancel(uow: UnitOfWork, parent_id: int, app_id: int) -> None:
    app = await _owned_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), AppStatus.CANCELLED, "parent")
    await end_application(uow, app.id, AppStatus.CANCELLED)


async def leave(uow: UnitOfWork, parent_id: int, app_id: int) -> None:
    app = await _owned_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), AppStatus.FINISHED, "parent")
    await end_application(uow, app.id, AppStatus.FINISHED)


async def end_application(
    uow: UnitOfWork, app_id: int, status: AppStatus, *, reason: str | None = None
) -> None:
    """Cancel, reject, expire or finish: free the seat (to the first of the waiting list,
    held for them), release the months not yet served; a waiting application only leaves
    the list.

    A finished (left) application keeps the current month reserved: the month close debits
    the days served and releases the rest. Everything else is released now. The caller
    holds the family's lock; the status is checked again here, so an application that
    ended meanwhile (a cancel racing a withdrawal) never frees its seat twice.
    """
    found = await locks.applications(uow, [app_id])
    if not found:
        raise DomainError("application_not_found")
    app = found[0]
    was = AppStatus(app.status)
    if was not in OPEN_STATUSES:
        raise DomainError("application_bad_status", status=app.status)
    today = uow.today
    release = app.reserved_left
    if status == AppStatus.FINISHED:
        current = month_of(today)
        served_to = min(app.last_month, current)
        closed = await uow.session.scalar(
            select(func.count())
            .select_from(MonthClose)
            .where(MonthClose.month >= app.first_month, MonthClose.month <= served_to)
        )
        # months served but not yet closed stay reserved for their debit
        open_months = max(0, served_to - app.first_month + 1 - int(closed or 0))
        release = max(0, app.reserved_left - open_months * app.monthly_share)
        app.end_day = today.toordinal()
        app.last_month = min(app.last_month, current)
    await _release(uow, app, release, status.value)
    app.status = status.value
    app.reason = reason
    app.hold_until = None
    app.updated_at = uow.now
    await uow.session.flush()
    # the family hears of its own application first, then the seat moves on
    await _notify(uow, app)
    if was == AppStatus.WAITING:
        await uow.session.execute(
            update(Group)
            .where(Group.id == app.group_id, Group.waiting > 0)
            .values(waiting=Group.waiting - 1)
            .execution_options(synchronize_session=False)
        )
    else:
        await _pass_seat(uow, app.group_id, app.program_id)


async def _pass_seat(uow: UnitOfWork, group_id: int, program_id: int) -> None:
    """A seat of the group freed: held for the first of its waiting list (told, with a
    press to take it), or free for anyone when nobody waits."""
    while True:
        first = await uow.session.scalar(
            select(Application.id)
            .where(
                Application.group_id == group_id,
                Application.status == AppStatus.WAITING.value,
            )
            .order_by(Application.id)
            .limit(1)
        )
        if first is None:
            break
        nxt = (await locks.applications(uow, [first]))[0]
        if nxt.status != AppStatus.WAITING.value:
            continue  # it left the list meanwhile: the next one
        hold = await hold_hours(uow, program_id)
        nxt.status = AppStatus.OFFERED.value
        nxt.hold_until = uow.now + timedelta(hours=hold)
        nxt.updated_at = uow.now
        await uow.session.execute(
            update(Group)
            .where(Group.id == group_id, Group.waiting > 0)
            .values(waiting=Group.waiting - 1)
            .execution_options(synchronize_session=False)
        )
        await uow.session.flush()
        if nxt.parent_id is not None:
            await emit(
                uow,
                nxt.parent_id,
                "seat_offered",
                {
                    "application_id": nxt.id,
                    "child_id": nxt.child_id,
                    "program_id": nxt.program_id,
                    "hold_until": nxt.hold_until.isoformat(),
                },
                dedup_key=f"offer:{nxt.id}",
            )
        return
    await uow.session.execute(
        update(Group)
        .where(Group.id == group_id, Group.taken > 0)
        .values(taken=Group.taken - 1)
        .execution_options(synchronize_session=False)
    )
    await _program_seats(uow, program_id, +1)
    await follows.seat_freed(uow, program_id, group_id)


async def hold_hours(uow: UnitOfWork, program_id: int) -> int:
    """The program's municipality's setting."""
    hours = await uow.session.scalar(
        select(Municipality.seat_hold_hours)
        .join(Program, Program.municipality_id == Municipality.id)
        .where(Program.id == program_id)
    )
    return int(hours or HOLD_HOURS)


async def expire_offer(uow: UnitOfWork, app_id: int, at: datetime | None = None) -> bool:
    """One held seat not taken in time (by ``at``, now by default): it passes to the next
    in the list (in the lock order: the family, then the application)."""
    parent_id = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    await locks.families(uow, parent_id)
    found = await locks.applications(uow, [app_id])
    if not found or found[0].status != AppStatus.OFFERED.value:
        return False
    if found[0].hold_until is not None and found[0].hold_until > (at or uow.now):
        return False
    await end_application(uow, app_id, AppStatus.EXPIRED, reason=OFFER_LAPSED)
    return True


async def expire_offers(db: Database, *, batch: int = 500) -> int:
    """Every held seat not taken in time passes on, each in its own short transaction.
    Returns how many."""
    passed = 0
    while True:
        async with db.reader() as uow:
            ids = list(
                await uow.session.scalars(
                    select(Application.id)
                    .where(
                        Application.status == AppStatus.OFFERED.value,
                        Application.hold_until <= uow.now,
                    )
                    .order_by(Application.id)
                    .limit(batch)
                )
            )
        for app_id in ids:
            if await db.run(expire_offer, app_id):
                passed += 1
        if len(ids) < batch:
            return passed


async def _release(uow: UnitOfWork, app: Application, amount: int, why: str) -> None:
    """Give back part of an application's reservation (once per application and reason)."""
    if amount <= 0 or app.certificate_id is None:
        return
    await post(
        uow,
        certificate_id=app.certificate_id,
        kind="release",
        key=f"release:{app.id}:{why}",
        reserved_delta=-amount,
        application_id=app.id,
    )
    app.reserved_left -= amount
