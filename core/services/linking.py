"""Linking a parent's Telegram and VK: a one-time code shown in one, typed in the other.

After linking both identities belong to one parent: the same children, certificates and
applications in both messengers.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from core.errors import DomainError
from core.storage.db import UnitOfWork
from core.storage.models import Application, Child, Identity, LinkCode, Outbox, Parent, Role

logger = logging.getLogger(__name__)
CODE_TTL = timedelta(minutes=15)
CODE_DIGITS = 6


async def create_code(uow: UnitOfWork, parent_id: int) -> str:
    await uow.session.execute(delete(LinkCode).where(LinkCode.parent_id == parent_id))
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if await uow.session.get(LinkCode, code) is None:
            break
    uow.session.add(LinkCode(code=code, parent_id=parent_id, expires_at=uow.now + CODE_TTL))
    await uow.session.flush()
    return code


async def redeem(uow: UnitOfWork, parent_id: int, platform: str, raw: str) -> int:
    """Move this platform's identity (and whatever it added) to the code's parent.

    Returns the parent id the identity now belongs to.
    """
    code = "".join(ch for ch in raw if ch.isdigit())
    link = await uow.session.get(LinkCode, code) if len(code) == CODE_DIGITS else None
    if link is None or link.expires_at < uow.now:
        raise DomainError("link_code_invalid")
    target = link.parent_id
    await uow.session.delete(link)
    if target == parent_id:
        raise DomainError("link_same_account")
    source_platforms = set(
        await uow.session.scalars(select(Identity.platform).where(Identity.parent_id == target))
    )
    if platform in source_platforms:
        raise DomainError("link_platform_taken")
    # what the joining account already has moves over; it stays one family
    for model in (Identity, Child, Application, Role, Outbox):
        await uow.session.execute(
            update(model)
            .where(model.parent_id == parent_id)
            .values(parent_id=target)
            .execution_options(synchronize_session=False)
        )
    source = await uow.session.get(Parent, parent_id)
    target_parent = await uow.session.get(Parent, target)
    if source is not None and target_parent is not None:
        if target_parent.consent_at is None and source.consent_at is not None:
            target_parent.consent_at = source.consent_at
            target_parent.consent_version = source.consent_version
        await uow.session.delete(source)
    await uow.session.flush()
    logger.info("parent %s joined parent %s (%s)", parent_id, target, platform)
    return target
