"""Roles granted by the operator: coordinators of a municipality (announcements),
confirmers of a municipality (a МОЦ's staff who check a child's data against the documents)
and staff of a provider."""

from __future__ import annotations

import logging

from sqlalchemy import select

from core.errors import DomainError
from core.services.parents import get_or_create, valid_platform
from core.storage.db import UnitOfWork
from core.storage.models import Municipality, Provider, Role

logger = logging.getLogger(__name__)
ROLES = ("coordinator", "confirmer", "provider")
MUNICIPAL_ROLES = frozenset({"coordinator", "confirmer"})


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
) -> None:
    if role not in ROLES:
        raise DomainError("not_allowed")
    muni_id = provider_id = None
    if role in MUNICIPAL_ROLES:
        muni_id = await uow.session.scalar(
            select(Municipality.id).where(Municipality.code == (municipality_code or ""))
        )
        if muni_id is None:
            raise DomainError("municipality_not_found")
    else:
        provider_id = await uow.session.scalar(
            select(Provider.id).where(Provider.external_id == (provider_external_id or ""))
        )
        if provider_id is None:
            raise DomainError("provider_not_found")
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
        )
        uow.session.add(existing)
    existing.region_wide = region_wide
    await uow.session.flush()
    logger.info("role %s granted to parent %s", role, parent_id)
