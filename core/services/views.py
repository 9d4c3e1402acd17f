"""Read models for the chat: a parent's applications, balances, a provider's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select

from core.errors import DomainError
from core.rules.enrolment import ACTIVE_STATUSES, AppStatus
from core.services.certificates import Office
from core.storage.db import UnitOfWork
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


@dataclass(frozen=True, slots=True)
class Movement:
    kind: str
    amount: int  # change of total (debits negative)
    month: int | None
    program: str | None
    at: datetime


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


# the family's applications: the answer to every application, built once
_FAMILY_APPS = (
    _app_query()
    .where(Application.parent_id == bindparam("parent_id"))
    .order_by(Application.id.desc())
    .limit(bindparam("limit"))
)
_FAMILY_ACTIVE_APPS = (
    _app_query()
    .where(
        Application.parent_id == bindparam("parent_id"),
        Application.status.in_([s.value for s in ACTIVE_STATUSES]),
    )
    .order_by(Application.id.desc())
    .limit(bindparam("limit"))
)


async def parent_applications(
    uow: UnitOfWork, parent_id: int, *, active_only: bool = False, limit: int = 30
) -> list[ApplicationView]:
    query = _FAMILY_ACTIVE_APPS if active_only else _FAMILY_APPS
    rows = await uow.session.execute(query, {"parent_id": parent_id, "limit": limit})
    return [_app_view(r) for r in rows]


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


async def provider_queue(
    uow: UnitOfWork, parent_id: int, *, limit: int = 30
) -> list[ApplicationView]:
    """Applications waiting for the provider's staff: submitted, then accepted."""
    providers = await provider_ids(uow, parent_id)
    if not providers:
        return []
    rows = await uow.session.execute(
        _app_query()
        .where(
            Program.provider_id.in_(providers),
            Application.status.in_([AppStatus.SUBMITTED.value, AppStatus.ACCEPTED.value]),
        )
        .order_by(Application.id)
        .limit(limit)
    )
    return [_app_view(r) for r in rows]


async def provider_application(uow: UnitOfWork, parent_id: int, app_id: int) -> ApplicationView:
    providers = await provider_ids(uow, parent_id)
    row = (
        await uow.session.execute(
            _app_query().where(Application.id == app_id, Program.provider_id.in_(providers))
        )
    ).first()
    if row is None:
        raise DomainError("application_not_found")
    return _app_view(row)


async def movements(uow: UnitOfWork, certificate_id: int, limit: int = 5) -> list[Movement]:
    """The last changes of the balance a family cares about: credits, debits, expiry."""
    rows = await uow.session.execute(
        select(LedgerEntry, Program.name)
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(Program, Program.id == Application.program_id)
        .where(
            LedgerEntry.certificate_id == certificate_id,
            LedgerEntry.kind.in_(["credit", "debit", "expire"]),
        )
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return [Movement(e.kind, e.total_delta, e.month, name, e.created_at) for e, name in rows]


def _recent_movements():
    ranked = (
        select(
            LedgerEntry.id.label("id"),
            func.row_number()
            .over(partition_by=LedgerEntry.certificate_id, order_by=LedgerEntry.id.desc())
            .label("n"),
        )
        .where(
            LedgerEntry.certificate_id.in_(bindparam("ids", expanding=True)),
            LedgerEntry.kind.in_(["credit", "debit", "expire"]),
        )
        .subquery()
    )
    return (
        select(
            LedgerEntry.certificate_id,
            LedgerEntry.kind,
            LedgerEntry.total_delta,
            LedgerEntry.month,
            LedgerEntry.created_at,
            Program.name,
        )
        .join(ranked, ranked.c.id == LedgerEntry.id)
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(Program, Program.id == Application.program_id)
        .where(ranked.c.n <= bindparam("limit"))
        .order_by(LedgerEntry.id.desc())
    )


# built once (building it costs more than running it): a Core select of the columns shown
_RECENT_MOVEMENTS = _recent_movements()


async def recent_movements(
    uow: UnitOfWork, certificate_ids: list[int], limit: int = 5
) -> dict[int, list[Movement]]:
    """movements() of several certificates in one query (the last ``limit`` of each)."""
    if not certificate_ids:
        return {}
    rows = await uow.session.execute(
        _RECENT_MOVEMENTS, {"ids": list(certificate_ids), "limit": limit}
    )
    found: dict[int, list[Movement]] = {c: [] for c in certificate_ids}
    for cert, kind, delta, month, at, name in rows:
        found[cert].append(Movement(kind, delta, month, name, at))
    return found


async def month_debits(
    uow: UnitOfWork, parent_id: int, month: int
) -> list[tuple[str, str, int, int, int]]:
    """For a debit notice: (child, program, amount, total left, available left)."""
    rows = await uow.session.execute(
        select(
            Child.name,
            Program.name,
            LedgerEntry.total_delta,
            Certificate.total,
            Certificate.reserved,
        )
        .join(Application, Application.id == LedgerEntry.application_id)
        .join(Program, Program.id == Application.program_id)
        .join(Certificate, Certificate.id == LedgerEntry.certificate_id)
        .outerjoin(Child, Child.id == Certificate.child_id)
        .where(
            Application.parent_id == parent_id,
            LedgerEntry.kind == "debit",
            LedgerEntry.month == month,
        )
        .order_by(LedgerEntry.id)
    )
    return [(c or "", p, -d, t, t - r) for c, p, d, t, r in rows]
