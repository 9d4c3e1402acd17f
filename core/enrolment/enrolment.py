"""Applications: quote, apply, cancel, leaving. Money moves through the ledger; seats through
conditional updates, so nothing oversells under concurrency. The provider's decisions (and
the reservation at acceptance) are in core.enrolment.decisions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from core.enrolment import waiting_list
from core.enrolment.leaving import tell_provider
from core.enrolment.quotes import ApplyQuote, facts
from core.errors import DomainError
from core.ledger.ledger import post
from core.outbox.outbox import emit
from core.rules.calendar import month_of
from core.rules.enrolment import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    AppStatus,
    check_transition,
)
from core.rules.money import Terms
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.fast import hot
from core.storage.models import (
    Application,
    Group,
    MonthClose,
    Program,
)

logger = logging.getLogger(__name__)
ACTIVE = [s.value for s in ACTIVE_STATUSES]
OPEN = [s.value for s in OPEN_STATUSES]
# an application's reason when the family's data go, as the provider is told it
LEFT_BECAUSE = {"consent": "withdrawn", "child_removed": "removed"}


@dataclass(frozen=True, slots=True)
class Applied:
    id: int
    waiting: waiting_list.Waiting | None  # the place in the waiting list, when it is one


async def apply(uow: UnitOfWork, *args: Any, **kwargs: Any) -> int:
    """``submit`` (same arguments), the application's id only: a seat or a place in the
    waiting list (waiting_list.waiting_place says which)."""
    return (await submit(uow, *args, **kwargs)).id


async def submit(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    group_id: int,
    *,
    expected: Terms | None = None,
    phone: str | None = None,
    notify: bool = True,
) -> Applied:
    """Submit, and say whether it took a seat or a place in the waiting list (which).
    ``expected``: the terms the family saw and confirmed (the monthly price and the
    certificate's share, so the co-pay too); if the price or the balance moved either
    since, the family must see the new figures first (quote_changed). The family
    may apply to several clubs, each quoted against what is available now; the money is
    blocked at acceptance. ``phone``: the parent's, for the provider (core.rules.people
    parse_phone), when the family chose to give it. ``notify``: the family is told by a
    notice; False when the parent applied (the reply told them: one notice per event).

    The opening-day storm: every check reads without locking a shared row; the group's
    row is locked only by the seat claim, the last step before the insert and the
    commit, so it is held for a few short statements. Claims of one group queue on that
    row in the order they reach it, and the application's id is drawn while it is held:
    seats go in order of arrival, and the waiting list is in that order too (so the
    waiting count the claim returns is this application's place in it)."""
    # the ledger gate and the family's row are locked by the statement that reads the
    # child (steps 1 and 2 of the lock order)
    q, cert = await facts(uow, parent_id, child_id, group_id, lock=True, consent=True)
    _as_seen(q, expected)
    row = {
        "child_id": child_id,
        "parent_id": parent_id,
        "certificate_id": cert.id if cert else None,
        "program_id": q.program_id,
        "group_id": group_id,
        "register": q.register.value,
        "monthly_price": q.money.monthly_price,
        "monthly_share": q.money.monthly_share,
        "first_month": q.first_month,
        "last_month": q.last_month,
        "reserved_left": 0,
        "contact_phone": phone,
        "created_at": uow.now,
        "updated_at": uow.now,
    }
    # the check above, under the family's lock, already refused a second application;
    # the unique index is the last guard (the refusal rolls the whole transaction back)
    try:
        if uow.dialect == "postgresql":
            values = {f"new_{k}": v for k, v in row.items()} | {"group_id": group_id}
            app_id, waiting = (await uow.core(_CLAIM_AND_INSERT, values)).one()
            status = AppStatus.WAITING if waiting else AppStatus.SUBMITTED
        else:
            waiting = await waiting_list.claim(uow, group_id)
            status = AppStatus.WAITING if waiting else AppStatus.SUBMITTED
            app_id = (await uow.core(_INSERT, row | {"status": status.value})).scalar_one()
            if not waiting:
                await waiting_list.program_seats(uow, q.program_id, -1)
    except IntegrityError as exc:
        raise DomainError("already_applied") from exc
    # nothing is blocked yet: the money is reserved when the provider accepts (the
    # contract), against what is available then (core.enrolment.decisions)
    if notify:
        await _tell(uow, parent_id, app_id, child_id, q.program_id, status.value, None)
    logger.info("application %s %s (group %s)", app_id, status.value, group_id)
    place = waiting_list.Waiting(waiting, q.hold_hours) if waiting else None
    return Applied(app_id, place)


_INSERT = insert(Application).returning(Application.id)


def _claim_and_insert() -> Select[tuple[int, int]]:
    """PostgreSQL: the seat claim, the application and the program's free seats in one
    statement (a round trip and a statement of the database's each, where there were
    three; SQLite runs the three). The same steps in the same order: the claim locks the
    group's row (waiting_list.claim's statement), the insert reads the claim's row, so
    its id is drawn after the lock (in the order claims reach the row: seats and the
    waiting list go by it), and the program's count reads the insert's, so it is moved
    last, for a seat only (lock order step 6, groups then programs)."""
    claim = waiting_list.CLAIM.returning(Group.waiting).cte("claim")
    waiting = claim.c.waiting
    status = case((waiting == 0, AppStatus.SUBMITTED.value), else_=AppStatus.WAITING.value).label(
        "status"
    )
    columns = [c for c in Application.__table__.c if c.name in _INSERTED]
    # parameters named apart from every column: a parameter named as a column of a
    # table updated here would be taken as a value to set there
    values = [
        status if c.name == "status" else bindparam(f"new_{c.name}", type_=c.type) for c in columns
    ]
    inserted = (
        insert(Application)
        .from_select([c.name for c in columns], select(*values).select_from(claim))
        .returning(Application.id, Application.program_id, Application.status)
        .cte("inserted")
    )
    seats = (
        update(Program)
        .where(
            Program.id == inserted.c.program_id,
            inserted.c.status == AppStatus.SUBMITTED.value,
        )
        .values(free_seats=Program.free_seats - 1)
        .cte("seats")
    )
    # a row each: joined on true
    return select(inserted.c.id, waiting).join_from(inserted, claim, true()).add_cte(seats)


_INSERTED = {
    "child_id",
    "parent_id",
    "certificate_id",
    "program_id",
    "group_id",
    "status",
    "register",
    "monthly_price",
    "monthly_share",
    "first_month",
    "last_month",
    "reserved_left",
    "contact_phone",
    "created_at",
    "updated_at",
}
_CLAIM_AND_INSERT = _claim_and_insert()


def _as_seen(q: ApplyQuote, expected: Terms | None) -> None:
    """Refuse terms other than those the family confirmed: a share (the balance) or a
    price (so the co-pay) that moved since the quote was shown (None: not checked)."""
    if expected is not None and expected != q.money.terms:
        raise DomainError(
            "quote_changed", price=q.money.monthly_price, share=q.money.monthly_share
        )


async def take(
    uow: UnitOfWork,
    parent_id: int,
    app_id: int,
    *,
    expected: Terms | None = None,
    notify: bool = True,
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
    q, cert = await facts(uow, parent_id, app.child_id, app.group_id, lock=True, offer=app.id)
    _as_seen(q, expected)
    app.status = AppStatus.SUBMITTED.value
    app.hold_until = None
    app.certificate_id = cert.id if cert else None
    app.register = q.register.value
    app.monthly_price = q.money.monthly_price
    app.monthly_share = q.money.monthly_share
    app.first_month, app.last_month = q.first_month, q.last_month
    app.created_at = app.updated_at = uow.now  # the provider's answer is due from now
    await uow.session.flush()
    if notify:  # as submit's
        await _notify(uow, app)


async def _notify(uow: UnitOfWork, app: Application) -> None:
    await _tell(uow, app.parent_id, app.id, app.child_id, app.program_id, app.status, app.reason)


async def _tell(
    uow: UnitOfWork,
    parent_id: int | None,
    app_id: int,
    child_id: int | None,
    program_id: int,
    status: str,
    reason: str | None,
) -> None:
    if parent_id is None:  # the family's data were erased: nobody to tell
        return
    await emit(
        uow,
        parent_id,
        "application_status",
        {
            "application_id": app_id,
            "child_id": child_id,
            "program_id": program_id,
            "status": status,
            "reason": reason,
        },
        dedup_key=f"app:{app_id}:{status}",
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
    await end_application(uow, app.id, AppStatus.CANCELLED, by_family=True)


async def leave(uow: UnitOfWork, parent_id: int, app_id: int) -> None:
    app = await _owned_app(uow, parent_id, app_id)
    check_transition(AppStatus(app.status), AppStatus.FINISHED, "parent")
    await end_application(uow, app.id, AppStatus.FINISHED, by_family=True)


async def end_application(
    uow: UnitOfWork,
    app_id: int,
    status: AppStatus,
    *,
    reason: str | None = None,
    last_day: date | None = None,
    by_family: bool = False,
) -> None:
    """Cancel, reject, expire or finish: free the seat (to the first of the waiting list,
    held for them), release the months not yet served, erase the phone the family gave
    with it; a waiting application only leaves the list. ``by_family``: the family's
    choice (leaving, cancelling, a withdrawal, a removal), which the provider's staff are
    told of.

    A finished (left) application keeps the months served and not closed reserved: their
    closes debit the group's class days served and release the rest. Everything else is
    released now. The caller holds the family's lock; the status is checked again here,
    so an application that ended meanwhile (a cancel racing a withdrawal) never frees its
    seat twice.
    """
    found = await locks.applications(uow, [app_id])
    if not found:
        raise DomainError("application_not_found")
    app = found[0]
    was = AppStatus(app.status)
    if was not in OPEN_STATUSES:
        raise DomainError("application_bad_status", status=app.status)
    today = last_day or uow.today
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
    # the phone was given for the contract: the application ended, so it goes
    app.contact_phone = None
    app.updated_at = uow.now
    await uow.session.flush()
    # the family hears of its own application first, the provider of a child who left,
    # then the seat moves on
    await _notify(uow, app)
    if by_family:
        why = LEFT_BECAUSE.get(reason or "") or (
            "left" if status == AppStatus.FINISHED else "cancelled"
        )
        await tell_provider(uow, app, was, why)
    if was == AppStatus.WAITING:
        await uow.session.execute(
            update(Group)
            .where(Group.id == app.group_id, Group.waiting > 0)
            .values(waiting=Group.waiting - 1)
            .execution_options(synchronize_session=False)
        )
    else:
        await waiting_list.pass_seat(uow, app.group_id, app.program_id)


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
    await end_application(uow, app_id, AppStatus.EXPIRED, reason=waiting_list.OFFER_LAPSED)
    return True


# run by the short way on PostgreSQL (core/storage/fast.py): the opening-day storm's
for _hot in (_CLAIM_AND_INSERT,):
    hot(_hot)
