"""A certificate's statement: what each program holds in reserve, and the whole history of
the ledger — credits, reserves, debits, releases, expiries — one calendar month (the
region's) at a time, with where the earlier and later months are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, func, or_, select

from core.certificates import certificates
from core.certificates.certificates import CertificateView
from core.errors import DomainError
from core.family import children
from core.rules.calendar import month_bounds, month_index
from core.rules.enrolment import AppStatus, CertStatus
from core.rules.schedule import class_days, served_days
from core.storage.db import UnitOfWork
from core.storage.models import (
    Absence,
    Application,
    Group,
    LedgerEntry,
    Municipality,
    Program,
)


@dataclass(frozen=True)
class Reserve:
    """Money one program holds: blocked at acceptance, debited month by month."""

    program: str
    amount: int  # still held
    monthly: int  # the month's share
    last_month: int  # the month index the reserve runs to


@dataclass(frozen=True)
class Entry:
    kind: str  # credit reserve release debit expire
    amount: int  # what the entry did, positive: credited, blocked, released, debited, burnt
    released: int  # a debit's row also returns what the month did not use
    program: str | None
    month: int | None  # a debit's month index
    at: datetime  # naive UTC


@dataclass(frozen=True)
class Attendance:
    """A program's classes in the month shown, up to today: attended and missed (as the
    provider's staff marked them; a class day nobody marked was attended)."""

    program: str
    rule: str  # the municipality's debit rule: what the month's debit counts
    attended: int
    absent: tuple[date, ...]
    of: int  # the month's class days in the group's schedule


@dataclass(frozen=True)
class Statement:
    child: str  # the child's first name
    certificate: CertificateView
    reserves: list[Reserve]
    month: int  # the month index shown (the region's calendar)
    entries: list[Entry]
    earlier: int | None  # the nearest earlier month with entries
    later: int | None  # the nearest later month with entries
    attendance: list[Attendance] = field(default_factory=list)  # the month's classes


FIRST_MONTH, LAST_MONTH = month_index(2000, 1), month_index(2100, 12)  # a month asked for
_RESERVES = (
    select(
        Program.name,
        Application.reserved_left,
        Application.monthly_share,
        Application.last_month,
    )
    .join(Program, Program.id == Application.program_id)
    .where(Application.certificate_id == bindparam("cert"), Application.reserved_left > 0)
    .order_by(Application.id)
)
_RESERVES_OF = (
    select(
        Application.certificate_id,
        Program.name,
        Application.reserved_left,
        Application.monthly_share,
        Application.last_month,
    )
    .join(Program, Program.id == Application.program_id)
    .where(
        Application.certificate_id.in_(bindparam("ids", expanding=True)),
        Application.reserved_left > 0,
    )
    .order_by(Application.id)
)
# an entry belongs to the month it is for: a month close's entries carry the month they
# pay for (January's debit, written on 1 February, is January's); any other entry to the
# region's month it was written in
_ENTRIES = (
    select(LedgerEntry, Program.name)
    .outerjoin(Application, Application.id == LedgerEntry.application_id)
    .outerjoin(Program, Program.id == Application.program_id)
    .where(
        LedgerEntry.certificate_id == bindparam("cert"),
        or_(
            LedgerEntry.month == bindparam("month"),
            and_(
                LedgerEntry.month.is_(None),
                LedgerEntry.created_at >= bindparam("start"),
                LedgerEntry.created_at < bindparam("end"),
            ),
        ),
    )
    .order_by(LedgerEntry.id)
)
_UNDATED = (LedgerEntry.certificate_id == bindparam("cert"), LedgerEntry.month.is_(None))
_DATED = (LedgerEntry.certificate_id == bindparam("cert"), LedgerEntry.month.is_not(None))
_BEFORE = select(func.max(LedgerEntry.created_at)).where(
    *_UNDATED, LedgerEntry.created_at < bindparam("at")
)
_BEFORE_MONTH = select(func.max(LedgerEntry.month)).where(
    *_DATED, LedgerEntry.month < bindparam("month")
)
_LATEST = select(func.max(LedgerEntry.created_at)).where(*_UNDATED)
_LATEST_MONTH = select(func.max(LedgerEntry.month)).where(*_DATED)
_FROM = select(func.min(LedgerEntry.created_at)).where(
    *_UNDATED, LedgerEntry.created_at >= bindparam("at")
)
_FROM_MONTH = select(func.min(LedgerEntry.month)).where(
    *_DATED, LedgerEntry.month > bindparam("month")
)


def _nearest(pick, *months: int | None) -> int | None:
    found = [m for m in months if m is not None]
    return pick(found) if found else None


def _entry(e: LedgerEntry, program: str | None) -> Entry:
    released = 0
    if e.kind == "credit":
        amount = e.total_delta
    elif e.kind in ("debit", "expire"):
        amount = -e.total_delta
        # a debit's row gives back to available what the month's share did not use
        released = max(0, e.total_delta - e.reserved_delta) if e.kind == "debit" else 0
    else:  # reserve (+), release (−)
        amount = abs(e.reserved_delta)
    return Entry(e.kind, amount, released, program, e.month, e.created_at)


async def reserves_of(uow: UnitOfWork, certificate_ids: list[int]) -> dict[int, list[Reserve]]:
    """What each program holds on these certificates, in one query (the balance screen)."""
    found: dict[int, list[Reserve]] = {c: [] for c in certificate_ids}
    if not certificate_ids:
        return found
    # plain columns: past the ORM session's work per statement (UnitOfWork.core)
    rows = await uow.core(_RESERVES_OF, {"ids": list(certificate_ids)})
    for cert, name, left, share, last in rows:
        if cert is not None:  # the query asks for these certificates only
            found[cert].append(Reserve(name, left, share, last))
    return found


async def statement(
    uow: UnitOfWork, parent_id: int, child_id: int, month: int | None = None
) -> Statement:
    """The family's child's certificate, month ``month`` (the latest month with entries when
    None). Refuses another family's child and a certificate without money."""
    if month is not None and not FIRST_MONTH <= month <= LAST_MONTH:
        raise DomainError("month_invalid")
    kid = await children.view(uow, parent_id, child_id)
    cert = await certificates.view(uow, parent_id, child_id)
    if cert is None or cert.status not in (CertStatus.FUNDED, CertStatus.CLOSED):
        raise DomainError("certificate_not_found")
    zone = uow.zone

    def local_month(at: datetime) -> int:
        local = at.replace(tzinfo=UTC).astimezone(zone)
        return month_index(local.year, local.month)

    def utc_start(index: int) -> datetime:
        first, _ = month_bounds(index)
        local = datetime(first.year, first.month, 1, tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    if month is None:
        latest = await uow.session.scalar(_LATEST, {"cert": cert.id})
        month = _nearest(
            max,
            local_month(latest) if latest is not None else None,
            await uow.session.scalar(_LATEST_MONTH, {"cert": cert.id}),
        )
        if month is None:
            month = month_index(uow.today.year, uow.today.month)
    start, end = utc_start(month), utc_start(month + 1)
    rows = await uow.session.execute(
        _ENTRIES, {"cert": cert.id, "month": month, "start": start, "end": end}
    )
    entries = [_entry(e, name) for e, name in rows]
    before = await uow.session.scalar(_BEFORE, {"cert": cert.id, "at": start})
    after = await uow.session.scalar(_FROM, {"cert": cert.id, "at": end})
    earlier = _nearest(
        max,
        local_month(before) if before is not None else None,
        await uow.session.scalar(_BEFORE_MONTH, {"cert": cert.id, "month": month}),
    )
    later = _nearest(
        min,
        local_month(after) if after is not None else None,
        await uow.session.scalar(_FROM_MONTH, {"cert": cert.id, "month": month}),
    )
    reserves = [
        Reserve(name, left, share, last)
        for name, left, share, last in await uow.session.execute(_RESERVES, {"cert": cert.id})
    ]
    return Statement(
        kid.name,
        cert,
        reserves,
        month,
        entries,
        earlier,
        later,
        await _attendance(uow, cert.id, month),
    )


async def _attendance(uow: UnitOfWork, certificate_id: int, month: int) -> list[Attendance]:
    """Each program the certificate paid for in ``month``: its class days up to today,
    attended and missed."""
    first, last = month_bounds(month)
    upto = min(last, uow.today)
    if upto < first:
        return []
    rows = (
        await uow.session.execute(
            select(
                Application.id,
                Program.name,
                Application.start_day,
                Application.end_day,
                Group.class_days,
                Municipality.debit_rule,
            )
            .join(Program, Program.id == Application.program_id)
            .join(Group, Group.id == Application.group_id)
            .join(Municipality, Municipality.id == Program.municipality_id)
            .where(
                Application.certificate_id == certificate_id,
                Application.status.in_([AppStatus.ENROLLED.value, AppStatus.FINISHED.value]),
                Application.start_day.is_not(None),
                Application.start_day <= upto.toordinal(),
                or_(Application.end_day.is_(None), Application.end_day >= first.toordinal()),
            )
            .order_by(Application.id)
        )
    ).all()
    missed: dict[int, set[date]] = {row[0]: set() for row in rows}
    if missed:
        for app_id, day in await uow.session.execute(
            select(Absence.application_id, Absence.day).where(
                Absence.application_id.in_(list(missed)),
                Absence.day >= first.toordinal(),
                Absence.day <= upto.toordinal(),
            )
        ):
            missed[app_id].add(date.fromordinal(day))
    out = []
    for app_id, program, start, end, mask, rule in rows:
        served = served_days(
            first,
            upto,
            mask,
            date.fromordinal(start or first.toordinal()),
            date.fromordinal(end) if end else None,
        )
        absent = tuple(d for d in served if d in missed[app_id])
        out.append(
            Attendance(
                program, rule, len(served) - len(absent), absent, class_days(first, last, mask)
            )
        )
    return out
