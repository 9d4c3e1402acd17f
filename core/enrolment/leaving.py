"""What ends when a family withdraws its consent or removes a child, read before it
confirms: each club (a studying child leaves today, anything else is cancelled), what the
month close will still debit for it and what goes back to available, and each
certificate (a funded one gives its place in the quota to the next in the queue). The
figures are the ones the operation produces: enrolment.end_application keeps the months
served and not closed reserved, and the close debits them by the group's class days up
to today (core.rules.schedule), releasing the rest.

And the provider's staff are told when a child leaves by the family's choice (leaving,
a cancelled application, a withdrawal, a removal): ``tell_provider``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.outbox.outbox import emit
from core.rules.calendar import month_bounds, month_of
from core.rules.enrolment import OPEN_STATUSES, AppStatus, CertStatus
from core.rules.schedule import debit
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Group,
    MonthClose,
    Program,
    Role,
)

# the applications a provider's staff see (core.catalogue.provider_views): those whose
# end they are told of
TOLD = frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.ENROLLED})


@dataclass(frozen=True, slots=True)
class Ending:
    child: str
    program: str
    studying: bool  # leaves today; otherwise the application is cancelled
    told: bool  # the provider's staff are told (tell_provider)
    debited: int  # what the closes of the months served will still debit, kopecks
    returned: int  # what goes back to the certificate's available


@dataclass(frozen=True, slots=True)
class CertificateEnding:
    child: str
    number: str
    funded: bool  # its place in the municipality's quota goes to the next in the queue
    queued: bool  # its place in the funding queue is given up
    left: int  # the money on it once the clubs above are settled, kopecks


@dataclass(frozen=True, slots=True)
class Leaving:
    endings: tuple[Ending, ...]
    certificates: tuple[CertificateEnding, ...]


async def leaving(uow: UnitOfWork, parent_id: int, child_id: int | None = None) -> Leaving:
    """What ends for the family's children (or the one child), as of today."""
    kids = select(Child).where(Child.parent_id == parent_id).order_by(Child.id)
    if child_id is not None:
        kids = kids.where(Child.id == child_id)
    children = {c.id: c.name for c in await uow.session.scalars(kids)}
    if not children:
        return Leaving((), ())
    today = uow.today
    current = month_of(today)
    closed = set(await uow.session.scalars(select(MonthClose.month)))
    rows = await uow.session.execute(
        select(Application, Program.name, Group.class_days)
        .join(Program, Program.id == Application.program_id)
        .join(Group, Group.id == Application.group_id)
        .where(
            Application.child_id.in_(children),
            Application.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(Application.id)
    )
    endings = []
    settled: dict[int, int] = {}  # certificate -> what its clubs still debit
    for app, program, mask in rows:
        studying = app.status == AppStatus.ENROLLED.value
        due = 0
        if studying and app.start_day is not None and app.certificate_id is not None:
            start = date.fromordinal(app.start_day)
            for month in range(app.first_month, min(app.last_month, current) + 1):
                if month in closed:
                    continue
                first, last = month_bounds(month)
                due += debit(app.monthly_share, first, last, mask, start, today)
            due = min(due, app.reserved_left)
        if app.certificate_id is not None:
            settled[app.certificate_id] = settled.get(app.certificate_id, 0) + due
        assert app.child_id is not None
        endings.append(
            Ending(
                children[app.child_id],
                program,
                studying,
                AppStatus(app.status) in TOLD,
                due,
                app.reserved_left - due,
            )
        )
    certs = await uow.session.scalars(
        select(Certificate).where(Certificate.child_id.in_(children)).order_by(Certificate.id)
    )
    certificates = [
        CertificateEnding(
            children[c.child_id],
            c.number or "—",
            c.status == CertStatus.FUNDED.value,
            c.status == CertStatus.QUEUED.value,
            c.total - settled.get(c.id, 0),
        )
        for c in certs
        if c.child_id is not None and c.status != CertStatus.CLOSED.value
    ]
    return Leaving(tuple(endings), tuple(certificates))


async def tell_provider(uow: UnitOfWork, app: Application, was: AppStatus, why: str) -> None:
    """A notice to each staff member of the application's provider: the child left (or
    the application was cancelled) by the family's choice. ``why``: left, cancelled,
    withdrawn, removed. After a withdrawal or a removal the child's name is not sent (its
    data are being erased): the notice names the certificate's number and the day of the
    application, which the contract has."""
    if was not in TOLD:
        return
    staff = list(
        await uow.session.scalars(
            select(Role.parent_id)
            .join(Program, Program.provider_id == Role.provider_id)
            .where(Program.id == app.program_id, Role.role == "provider")
            .order_by(Role.parent_id)
        )
    )
    if not staff:
        return
    number = (
        await uow.session.scalar(
            select(Certificate.number).where(Certificate.id == app.certificate_id)
        )
        if app.certificate_id is not None
        else None
    )
    erased = why in ("withdrawn", "removed")
    payload = {
        "application_id": app.id,
        "program_id": app.program_id,
        "group_id": app.group_id,
        "child_id": None if erased else app.child_id,
        "number": number,
        "applied": app.created_at.replace(tzinfo=UTC).astimezone(uow.zone).date().isoformat(),
        "why": why,
        "was": was.value,
        "last_day": uow.today.isoformat() if was == AppStatus.ENROLLED else None,
    }
    try:
        # a staff member's account merged away meanwhile (an account link): run again
        async with uow.session.begin_nested():
            for person in dict.fromkeys(staff):
                await emit(uow, person, "child_left", payload, dedup_key=f"left:{app.id}:{person}")
            await uow.session.flush()
    except IntegrityError:
        raise RetryTransaction from None
