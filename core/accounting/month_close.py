"""Closing a month: debit every enrolled child's share for it, in set-based SQL.

A fixed number of statements whatever the number of enrolments: insert one entry per
application (its debit and the release of what the month did not use), move the
applications' reservations, move the certificates' totals. The notices (one per family)
are written after it, a chunk at a time (fan_out). A month closes once
(month_closes row, under the exclusive gate): a concurrent second run waits, then finds
it closed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core.accounting import close_posting, payments
from core.certificates.certificates import close_adults
from core.certificates.funding_queue import grant_from_queue
from core.errors import DomainError
from core.outbox.outbox import OUTBOX_COLS
from core.rules.calendar import month_bounds, month_display, month_label, month_of
from core.rules.enrolment import AppStatus
from core.rules.schedule import ALL_DAYS, ATTENDANCE, DAYS_IN_WEEK, HOLIDAYS, class_days
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import (
    Absence,
    Application,
    Certificate,
    Group,
    LedgerEntry,
    MonthClose,
    Municipality,
    Outbox,
    Program,
)
from core.storage.models.money import CLOSE_BATCHES

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CloseResult:
    month: int
    already_closed: bool
    debits: int
    debited: int
    releases: int


async def close_month(uow: UnitOfWork, month: int) -> CloseResult:
    """Debit the month. Refused before the month has ended in the region (no debit for a
    day not yet served), and while an earlier month with enrolments is still open (months
    close in order, so each is paid from what was reserved for it)."""
    if month >= month_of(uow.today):
        _, last = month_bounds(month)
        raise DomainError(
            "month_not_ended", month=month_display(month), date=last + timedelta(days=1)
        )
    # alone: no application, certificate or other close moves while the month is debited;
    # a second close of the same month waits here and then finds it closed
    await locks.gate(uow, exclusive=True)
    if await uow.session.get(MonthClose, month, populate_existing=True) is not None:
        return CloseResult(month, True, 0, 0, 0)
    missing = await unclosed_before(uow, month)
    if missing:
        raise DomainError(
            "month_previous_open", months=", ".join(month_display(m) for m in missing)
        )
    # the notices are written after the close, by the worker (fan_out): the close holds
    # the exclusive gate, so it does only what the money needs
    # nor does it move the certificates' rows: their figures are read with the month's
    # entries added (Certificate.total) until folded in (fold, by the worker after it)
    uow.session.add(MonthClose(month=month, closed_at=uow.now, notices_after=0, folded_after=0))
    await uow.session.flush()
    batch = f"close:{month_label(month)}"
    first_day, last_day = month_bounds(month)
    first_ord, last_ord = first_day.toordinal(), last_day.toordinal()
    served_from = case(
        (Application.start_day > first_ord, Application.start_day), else_=literal(first_ord)
    )
    served_to = case(
        (
            and_(Application.end_day.is_not(None), Application.end_day < last_ord),
            Application.end_day,
        ),
        else_=literal(last_ord),
    )
    served = and_(
        Application.start_day.is_not(None),
        Application.start_day <= last_ord,
        or_(Application.end_day.is_(None), Application.end_day >= first_ord),
        # ended before the first day came: nothing served
        or_(Application.end_day.is_(None), Application.end_day >= Application.start_day),
        Application.reserved_left > 0,
    )
    # the share of the month's class days within the studies (core.rules.schedule): one
    # branch per weekday mask the groups have (a handful: a mask's month total is then a
    # constant, and its count a term per weekday), the generic arithmetic for any other
    masks = sorted(set(await uow.session.scalars(select(Group.class_days).distinct())))
    # under a municipality's ``attendance`` rule the class days marked absent within the
    # studies are not paid for: counted per application in one grouped join (none marked:
    # every class day attended); under ``class_days`` nothing is subtracted
    # a mark counts only on a class day of the group's schedule as it is now (a schedule
    # re-imported after a mark leaves the mark of a day that is no longer a class day)
    weekday = (Absence.day - 1) % DAYS_IN_WEEK  # day ordinal 1 was a Monday
    on_class_day = case(
        *((weekday == w, (Group.class_days // (1 << w)) % 2) for w in range(DAYS_IN_WEEK))
    )
    holidays = [
        date(first_day.year, m, d).toordinal() for m, d in HOLIDAYS if m == first_day.month
    ]
    absences = (
        select(Absence.application_id.label("id"), func.count().label("n"))
        .join(Application, Application.id == Absence.application_id)
        .join(Group, Group.id == Application.group_id)
        .join(Program, Program.id == Application.program_id)
        .join(Municipality, Municipality.id == Program.municipality_id)
        .where(
            Municipality.debit_rule == ATTENDANCE,
            Absence.day >= first_ord,
            Absence.day <= last_ord,
            Absence.day >= Application.start_day,
            or_(Application.end_day.is_(None), Absence.day <= Application.end_day),
            on_class_day == 1,
            Absence.day.not_in(holidays) if holidays else literal(True),
        )
        .group_by(Absence.application_id)
        .subquery("absent")
    )
    absent = func.coalesce(absences.c.n, 0)
    prorated = _prorated(masks, served_from, served_to, first_day, last_day, absent)
    whole = and_(Application.start_day <= first_ord, served_to == last_ord, absent == 0)
    # what the month's days cost, computed once per application: neither dialect shares a
    # sub-expression between columns, and the debit, the release, the kind and the filter
    # below all need it (inlined, it would be evaluated a dozen times a row). MATERIALIZED
    # (PostgreSQL 12+, SQLite 3.35+) keeps the planner from inlining it back.
    due = (
        select(
            Application.id.label("id"),
            Application.certificate_id.label("certificate_id"),
            Application.reserved_left.label("left"),
            (Application.monthly_share * (Application.last_month - month)).label("keep"),
            # studies over the whole month need no counting; else the share of the
            # month's class days within the studies (none: nothing; all: the whole share,
            # as served ≤ the month's)
            case(
                (~served, 0),
                (whole, Application.monthly_share),
                else_=prorated,
            ).label("share"),
        )
        .join(Group, Group.id == Application.group_id)
        .outerjoin(absences, absences.c.id == Application.id)
        .where(
            Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
            Application.certificate_id.is_not(None),
            Application.first_month <= month,
            Application.last_month >= month,
        )
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    # the debit, and what the month's share did not use (days not served, kopecks of
    # rounding) going back to available; after the last month everything left goes back.
    # No second close can run (the gate is held and month_closes has the month).
    debit = case((due.c.share > due.c.left, due.c.left), else_=due.c.share)
    after = due.c.left - debit
    release = case((after > due.c.keep, after - due.c.keep), else_=0)
    rows = select(due.c.id, due.c.certificate_id, debit, release).where(
        or_(debit > 0, after > due.c.keep)
    )
    debited, n_debits, n_releases = await close_posting.post(uow, rows, month, batch)

    # programs that end with this month are finished
    await uow.session.execute(
        update(Application)
        .where(Application.status == AppStatus.ENROLLED.value, Application.last_month == month)
        .values(
            status=AppStatus.FINISHED.value,
            end_day=last_ord,
            contact_phone=None,  # kept only while the application is open
            updated_at=uow.now,
        )
        .execution_options(synchronize_session=False)
    )
    # a child who turned 18 has no certificate any more; a funded place frees for the queue
    if await close_adults(uow, uow.today):
        for municipality_id in list(await uow.session.scalars(select(Municipality.id))):
            await grant_from_queue(uow, municipality_id)
    closing = await uow.session.get(MonthClose, month)
    assert closing is not None
    closing.debited = debited
    closing.entries = n_debits
    await uow.session.flush()
    # each organisation's staff: what it is owed for the month (core.services.payments)
    await payments.notify_staff(uow, month)
    logger.info(
        "month %s closed: %d debits, %d kopecks, %d releases",
        month_label(month),
        n_debits,
        debited,
        n_releases,
    )
    return CloseResult(month, False, n_debits, debited, n_releases)


NOTICE_CHUNK = 5_000  # certificates per fan-out step


async def fan_out(uow: UnitOfWork, chunk: int = NOTICE_CHUNK) -> int:
    """Write the next chunk of a closed month's debit notices: one per family whose
    child's certificate was debited, for the next ``chunk`` debited certificates in id
    order (an index range over the month's entries, so each chunk costs the same).
    Returns how many entries the chunk covered (at least 1 when a month was worked
    on); 0 only when no month has notices left.

    A family whose children's certificates fall in two chunks gets one notice (the key
    is the family and the month); the renderer reads all the month's debits when it
    sends. Two workers do not take the same month (SKIP LOCKED on PostgreSQL; SQLite
    serialises writers)."""
    closing = await uow.session.scalar(
        select(MonthClose)
        .where(MonthClose.notices_after.is_not(None))
        .order_by(MonthClose.month)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if closing is None or closing.notices_after is None:
        return 0
    month, after = closing.month, closing.notices_after
    batch = f"close:{month_label(month)}"
    debited = and_(LedgerEntry.batch == batch, LedgerEntry.kind == "debit")
    upto, covered = await _chunk(uow, and_(debited, LedgerEntry.certificate_id > after), chunk)
    if upto is not None:
        families = (
            select(Application.parent_id.label("parent_id"))
            .join(LedgerEntry, LedgerEntry.application_id == Application.id)
            # a family that withdrew its consent is not written to (the provider is paid)
            .where(
                debited,
                LedgerEntry.certificate_id > after,
                LedgerEntry.certificate_id <= upto,
                Application.parent_id.is_not(None),
            )
            .group_by(Application.parent_id)
            .subquery()
        )
        key = literal("debits:") + cast(families.c.parent_id, String) + literal(f":{month}")
        notices = select(
            families.c.parent_id,
            literal("debits"),
            key,
            literal(month),
            literal("pending"),
            literal(0),
            literal(uow.now),
        ).where(~exists().where(Outbox.dedup_key == key))
        try:
            await uow.session.execute(insert(Outbox).from_select(OUTBOX_COLS, notices))
        except IntegrityError as exc:
            # a family merged into another (an account link) between this statement's
            # snapshot and its foreign-key check: its applications have moved to the other
            # family, which the statement run again finds (READ COMMITTED on PostgreSQL)
            raise RetryTransaction from exc
    closing.notices_after = upto if covered == chunk else None
    await uow.session.flush()
    return max(int(covered), 1)  # a month was worked on, even if it had no debit


async def _chunk(uow: UnitOfWork, entries: Any, chunk: int) -> tuple[int | None, int]:
    """The next ``chunk`` of a month's ``entries`` in certificate order (an index range):
    the last certificate id among them (None: none left) and how many they are."""
    window = (
        select(LedgerEntry.certificate_id.label("id"))
        .where(entries)
        .order_by(LedgerEntry.certificate_id)
        .limit(chunk)
        .subquery()
    )
    upto, covered = (
        await uow.session.execute(select(func.max(window.c.id), func.count()).select_from(window))
    ).one()
    return upto, int(covered)


FOLD_CHUNK = 5_000  # certificates per fold step


async def fold(uow: UnitOfWork, chunk: int = FOLD_CHUNK, *, wait: bool = False) -> int:
    """Fold the pending close entries of the certificates in the next id range a closed
    month moved (``chunk`` of its entries, an index range over them) into their rows, as
    their next writer would: the stored figures then include every close, and a read of
    them adds nothing. Returns how many entries the chunk covered (at least 1 when a
    month was worked on); 0 only when no month is left to fold.

    Nothing depends on when this runs: until it does, the figures are read with the
    month's entries added. It folds whatever is pending for each row (any later month
    too), so two workers on two months (SKIP LOCKED) or a family's write in between
    fold nothing twice: a row settled meanwhile is skipped, under its lock. ``wait``:
    a month a worker is folding is waited for, not skipped."""
    closing = await uow.session.scalar(
        select(MonthClose)
        .where(MonthClose.folded_after.is_not(None))
        .order_by(MonthClose.month)
        .limit(1)
        .with_for_update(skip_locked=not wait)
    )
    if closing is None or closing.folded_after is None:
        return 0
    month, after = closing.month, closing.folded_after
    moved = and_(
        LedgerEntry.batch == f"close:{month_label(month)}",
        LedgerEntry.certificate_id > after,
    )
    upto, covered = await _chunk(uow, moved, chunk)
    if upto is not None and not wait:
        # beside families' writes: the chunk's rows taken in id order first, as every
        # writer takes them (a fold waiting for a month holds the exclusive gate: none)
        chunk_ids = select(LedgerEntry.certificate_id).where(
            moved, LedgerEntry.certificate_id <= upto
        )
        await locks.certificates_in(uow, chunk_ids)
    if upto is not None:
        # each certificate of the range: its pending close entries summed (any month after
        # its settled_month), joined once; a row that another transaction settled after
        # this statement's snapshot (PostgreSQL re-reads the row it waited for) no longer
        # has the settled_month the sums were taken from, and is skipped
        row = aliased(Certificate)
        sums = (
            select(
                LedgerEntry.certificate_id.label("id"),
                row.settled_month.label("seen"),
                func.sum(LedgerEntry.total_delta).label("total"),
                func.sum(LedgerEntry.reserved_delta).label("reserved"),
                func.max(LedgerEntry.month).label("month"),
            )
            .join(row, row.id == LedgerEntry.certificate_id)
            .where(
                LedgerEntry.certificate_id > after,
                LedgerEntry.certificate_id <= upto,
                LedgerEntry.batch.like(CLOSE_BATCHES),
                LedgerEntry.month > row.settled_month,
            )
            .group_by(LedgerEntry.certificate_id, row.settled_month)
            .subquery()
        )
        await uow.session.execute(
            update(Certificate)
            .where(Certificate.id == sums.c.id, Certificate.settled_month == sums.c.seen)
            .values(
                stored_total=Certificate.stored_total + sums.c.total,
                stored_reserved=Certificate.stored_reserved + sums.c.reserved,
                settled_month=sums.c.month,
            )
            .execution_options(synchronize_session=False)
        )
    closing.folded_after = upto if covered == chunk else None
    await uow.session.flush()
    return max(int(covered), 1)


async def fold_all(uow: UnitOfWork) -> None:
    """Every closed month's entries folded into the certificates' rows in this
    transaction, as the worker would (a month the worker is folding waited for): under
    the exclusive gate, which no close or writer shares, nothing is pending after it, and
    a set-based pass over every certificate (a new year) may read the stored figures."""
    while await fold(uow, chunk=2**31 - 1, wait=True):
        pass


LOOK_BACK = 36  # months: nothing older is left open in practice


async def unclosed_before(uow: UnitOfWork, month: int) -> list[int]:
    """Months before ``month``, oldest first, in which an enrolment was served with money
    still reserved for it, and which have not been closed."""
    candidate = and_(
        Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
        Application.certificate_id.is_not(None),
        Application.start_day.is_not(None),
        Application.reserved_left > 0,
    )
    earliest = await uow.session.scalar(select(func.min(Application.first_month)).where(candidate))
    if earliest is None:
        return []
    closed = set(
        await uow.session.scalars(
            select(MonthClose.month).where(MonthClose.month >= earliest, MonthClose.month < month)
        )
    )
    missing = []
    for m in range(max(earliest, month - LOOK_BACK), month):
        if m in closed:
            continue
        first_day, last_day = month_bounds(m)
        served = await uow.session.scalar(
            select(Application.id)
            .where(
                candidate,
                Application.first_month <= m,
                Application.last_month >= m,
                Application.start_day <= last_day.toordinal(),
                or_(Application.end_day.is_(None), Application.end_day >= first_day.toordinal()),
            )
            .limit(1)
        )
        if served is not None:
            missing.append(m)
    return missing


def _prorated(masks: list[int], a: Any, b: Any, first: date, last: date, absent: Any = 0) -> Any:
    """SQL for monthly_share × (class days in [a, b] less ``absent``) ÷ class days of the
    month, rounded down (floor division on both dialects: SQLAlchemy renders // as integer
    division); never below nothing."""
    share = Application.monthly_share
    in_month = class_days_sql(Group.class_days, None, None, first, last)

    def paid(days: Any) -> Any:
        return case((days - absent > 0, days - absent), else_=0)

    generic = (share * paid(class_days_sql(Group.class_days, a, b, first, last))) // in_month
    whens = []
    for mask in masks:
        total = class_days(first, last, mask)
        if total <= 0 or not 0 < mask <= ALL_DAYS:
            continue  # not a stored mask (class_days is an effective one)
        whens.append(
            (Group.class_days == mask, (share * paid(_served(mask, a, b, first))) // total)
        )
    return case(*whens, else_=generic) if whens else generic


def _served(mask: int, a: Any, b: Any, first: date) -> Any:
    """SQL for the class days of ``mask`` in [a, b] (day ordinals in ``first``'s month):
    a term per weekday of the mask, or, for more than half the week, the days of the
    range less a term per weekday not in it; less the holidays on the mask's weekdays."""
    first_ord = first.toordinal()

    def weekdays(days: list[int]) -> Any:
        total: Any = literal(0)
        for weekday in days:
            origin = first_ord - DAYS_IN_WEEK + (weekday - first.weekday()) % DAYS_IN_WEEK
            total = total + ((b - origin) // DAYS_IN_WEEK - (a - 1 - origin) // DAYS_IN_WEEK)
        return total

    on = [w for w in range(DAYS_IN_WEEK) if mask >> w & 1]
    off = [w for w in range(DAYS_IN_WEEK) if not mask >> w & 1]
    served = weekdays(on) if len(on) <= len(off) else (b - a + 1) - weekdays(off)
    for month, day_of_month in HOLIDAYS:
        holiday = date(first.year, month, day_of_month)
        if month == first.month and mask >> holiday.weekday() & 1:
            at = holiday.toordinal()
            served = served - case((and_(a <= at, b >= at), 1), else_=0)
    return served


def class_days_sql(mask: Any, a: Any, b: Any, first: date, last: date) -> Any:
    """SQL for how many class days of a group (weekday ``mask``) lie in [a, b], two day
    ordinals inside the month [first, last] (both None: the whole month): per weekday, how
    many of it fall in the range, less the holidays in it (core.rules.schedule.class_days,
    in arithmetic a row evaluates without a join). Each weekday is counted from a day of
    the week before the month, so the divisions are of non-negative numbers and floor on
    both dialects."""
    first_ord, last_ord = first.toordinal(), last.toordinal()
    whole = a is None or b is None
    total: Any = literal(0)
    for weekday in range(DAYS_IN_WEEK):
        bit = (mask // (1 << weekday)) % 2
        origin = first_ord - DAYS_IN_WEEK + (weekday - first.weekday()) % DAYS_IN_WEEK
        if whole:
            days = (last_ord - origin) // DAYS_IN_WEEK - (first_ord - 1 - origin) // DAYS_IN_WEEK
            total = total + bit * days
        else:
            total = total + bit * ((b - origin) // DAYS_IN_WEEK - (a - 1 - origin) // DAYS_IN_WEEK)
    for month, day_of_month in HOLIDAYS:
        if month != first.month:
            continue
        holiday = date(first.year, month, day_of_month)
        bit = (mask // (1 << holiday.weekday())) % 2
        if whole:
            total = total - bit
        else:
            at = holiday.toordinal()
            total = total - bit * case((and_(a <= at, b >= at), 1), else_=0)
    return total
