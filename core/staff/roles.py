"""Roles granted by the operator: coordinators of a municipality (announcements),
confirmers of a municipality (a МОЦ's staff who check a child's data against the documents)
and staff of a provider. Granted and revoked by the operator, each recorded in the audit
trail; a revocation stops the holder's pending work in the same transaction (their
announcements not yet gone out are cancelled), and every staff action checks the role in
its own transaction, so a screen still open on the holder's phone does nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.audit import audit
from core.broadcasts import broadcasts
from core.errors import DomainError
from core.family.parents import get_or_create, valid_platform
from core.storage.db import UnitOfWork
from core.storage.models import Identity, Municipality, Provider, Role

logger = logging.getLogger(__name__)
ROLES = ("coordinator", "confirmer", "provider", "operator")
MUNICIPAL_ROLES = frozenset({"coordinator", "confirmer"})
# the region's operator (the РМЦ's staff): told when a month closes by itself; no scope
UNSCOPED_ROLES = frozenset({"operator"})


def parse_identity(raw: str) -> tuple[str, str]:
    """A messenger's key and the person's id there: tg:123456, vk:123456, max:123456."""
    platform, _, external = raw.partition(":")
    if not valid_platform(platform) or not (external.isascii() and external.isdigit()):
        raise DomainError("identity_invalid")
    return platform, external


async def grant(
    uow: UnitOfWork,
    identity: str,
    role: str,
    *,
    municipality_code: str | None = None,
    provider_external_id: str | None = None,
    region_wide: bool = False,
    by: str = "operator",
) -> int:
    if role not in ROLES:
        raise DomainError("not_allowed")
    platform, external = parse_identity(identity)
    parent = await get_or_create(uow, platform, external)
    await grant_parent(
        uow,
        parent.id,
        role,
        municipality_code=municipality_code,
        provider_external_id=provider_external_id,
        region_wide=region_wide,
        by=by,
    )
    return parent.id


async def grant_parent(
    uow: UnitOfWork,
    parent_id: int,
    role: str,
    *,
    municipality_code: str | None = None,
    provider_external_id: str | None = None,
    region_wide: bool = False,
    by: str = "operator",
) -> None:
    muni_id, provider_id = await _scope(uow, role, municipality_code, provider_external_id)
    if muni_id is None and provider_id is None and role not in UNSCOPED_ROLES:
        raise DomainError(
            "municipality_not_found" if role in MUNICIPAL_ROLES else "provider_not_found"
        )
    existing = await uow.session.scalar(
        select(Role).where(
            Role.parent_id == parent_id,
            Role.role == role,
            Role.municipality_id.is_(muni_id)
            if muni_id is None
            else Role.municipality_id == muni_id,
            Role.provider_id.is_(None) if provider_id is None else Role.provider_id == provider_id,
        )
    )
    if existing is None:
        existing = Role(
            parent_id=parent_id,
            role=role,
            municipality_id=muni_id,
            provider_id=provider_id,
            region_wide=region_wide,
            granted_at=uow.now,
            granted_by=by,
        )
        uow.session.add(existing)
    existing.region_wide = region_wide
    await uow.session.flush()
    await audit.record(
        uow,
        by,
        "grant",
        municipality=muni_id,
        detail=_detail(parent_id, role, provider_id, region_wide),
    )
    logger.info("role %s granted to parent %s", role, parent_id)


def _detail(parent_id: int, role: str, provider_id: int | None, region_wide: bool) -> str:
    parts = [f"parent:{parent_id}", f"role:{role}"]
    if provider_id is not None:
        parts.append(f"provider:{provider_id}")
    if region_wide:
        parts.append("region-wide")
    return " ".join(parts)


async def _scope(
    uow: UnitOfWork, role: str, municipality_code: str | None, provider_external_id: str | None
) -> tuple[int | None, int | None]:
    """(municipality id, provider id) of a role's scope; None for what was not found."""
    if role not in ROLES:
        raise DomainError("not_allowed")
    if role in UNSCOPED_ROLES:
        return None, None
    if role in MUNICIPAL_ROLES:
        muni_id = await uow.session.scalar(
            select(Municipality.id).where(Municipality.code == (municipality_code or ""))
        )
        return muni_id, None
    provider_id = await uow.session.scalar(
        select(Provider.id).where(Provider.external_id == (provider_external_id or ""))
    )
    return None, provider_id


async def revoke(
    uow: UnitOfWork,
    identity: str,
    role: str,
    *,
    municipality_code: str | None = None,
    provider_external_id: str | None = None,
    by: str = "operator",
) -> Revoked:
    """Take ROLE from the family of IDENTITY: of one municipality or provider when given,
    else every role of that kind it holds. The holder's announcements that have not gone
    out and that no role left covers are cancelled, each recorded. None held is refused
    (``role_not_held``)."""
    platform, external = parse_identity(identity)
    parent_id = await uow.session.scalar(
        select(Identity.parent_id).where(
            Identity.platform == platform, Identity.external_id == external
        )
    )
    if role not in ROLES:
        raise DomainError("not_allowed")
    muni_id = provider_id = None
    scoped = municipality_code is not None or provider_external_id is not None
    if scoped and role not in UNSCOPED_ROLES:
        muni_id, provider_id = await _scope(uow, role, municipality_code, provider_external_id)
        if muni_id is None and provider_id is None:
            raise DomainError(
                "municipality_not_found" if role in MUNICIPAL_ROLES else "provider_not_found"
            )
    if parent_id is None:
        raise DomainError("role_not_held")
    query = delete(Role).where(Role.parent_id == parent_id, Role.role == role)
    if muni_id is not None:
        query = query.where(Role.municipality_id == muni_id)
    if provider_id is not None:
        query = query.where(Role.provider_id == provider_id)
    # the row locks of a staff action that holds the role (FOR SHARE) make this wait for
    # it; an action after this commits finds no role
    gone = list(
        (
            await uow.session.execute(
                query.returning(Role.municipality_id, Role.provider_id, Role.region_wide),
                execution_options={"synchronize_session": False},
            )
        ).all()
    )
    if not gone:
        raise DomainError("role_not_held")
    for muni, provider, wide in gone:
        await audit.record(
            uow, by, "revoke", municipality=muni, detail=_detail(parent_id, role, provider, wide)
        )
    stopped = 0
    if role == "coordinator":
        stopped = await broadcasts.stop_uncovered(uow, parent_id, by, "revoked")
    logger.info("role %s revoked from parent %s", role, parent_id)
    return Revoked(len(gone), stopped)


@dataclass(frozen=True, slots=True)
class Revoked:
    roles: int  # grants taken
    announcements: int  # announcements cancelled before they went out


@dataclass(frozen=True, slots=True)
class Holder:
    parent_id: int
    accounts: str
    role: str
    municipality: str | None
    provider: str | None
    region_wide: bool
    granted_at: datetime | None
    granted_by: str | None


async def holders(uow: UnitOfWork) -> list[Holder]:
    """Who holds what, since when, granted by whom: by role, then by holder."""
    rows = (
        await uow.session.execute(
            select(Role, Municipality.code, Provider.external_id)
            .outerjoin(Municipality, Municipality.id == Role.municipality_id)
            .outerjoin(Provider, Provider.id == Role.provider_id)
            .order_by(Role.role, Role.parent_id, Role.id)
        )
    ).all()
    ids = {r.parent_id for r, _, _ in rows}
    accounts: dict[int, list[str]] = {}
    if ids:
        for parent_id, platform, external in await uow.session.execute(
            select(Identity.parent_id, Identity.platform, Identity.external_id)
            .where(Identity.parent_id.in_(ids), Identity.child_id.is_(None))
            .order_by(Identity.id)
        ):
            accounts.setdefault(parent_id, []).append(f"{platform}:{external}")
    return [
        Holder(
            r.parent_id,
            " ".join(accounts.get(r.parent_id, [])),
            r.role,
            code,
            provider,
            r.region_wide,
            r.granted_at,
            r.granted_by,
        )
        for r, code, provider in rows
    ]


# who reads the figures (/stats): the region's operator, and a municipality's coordinator
# or confirmer — the region when their role is region-wide
REPORT_ROLES = ("operator", *sorted(MUNICIPAL_ROLES))


async def report_scope(uow: UnitOfWork, parent_id: int) -> int | None:
    """The municipality whose figures the person reads (None: the region); refused
    (``stats_not_allowed``) for anyone without an operator's, coordinator's or confirmer's
    role. Several municipalities and none region-wide: the first granted, as an
    announcement's author is scoped (core.broadcasts.coordinator_scope)."""
    rows = (
        await uow.session.execute(
            select(Role.role, Role.municipality_id, Role.region_wide)
            .where(Role.parent_id == parent_id, Role.role.in_(REPORT_ROLES))
            .order_by(Role.id)
        )
    ).all()
    if not rows:
        raise DomainError("stats_not_allowed")
    if any(role in UNSCOPED_ROLES or wide for role, _, wide in rows):
        return None
    for _, muni, _ in rows:
        if muni is not None:
            return int(muni)
    raise DomainError("stats_not_allowed")  # a municipal role always has one: never widen
