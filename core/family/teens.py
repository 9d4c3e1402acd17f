"""A child of 14 or more may act for themselves (003 §2.8.1): the parent invites the child
with a one-time code, the child types it in their own chat account, and from then on that
account searches and applies for this child only. The family's notices (every
application, every debit) keep going to the parent, who sees and may cancel everything.
The code is the account-link code (core.register.linking): 12 digits, 15 minutes, one
use, the same limits on tries; it carries the child it invites."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select

from core.errors import DomainError
from core.family.children import get_owned
from core.family.parents import require_consent
from core.register import linking
from core.rules.people import age_on
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Identity, LinkCode

TEEN_AGE = 14


async def invite(uow: UnitOfWork, parent_id: int, child_id: int) -> str:
    """A new invitation for the child (an earlier one stops working); shown grouped."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    child = await get_owned(uow, parent_id, child_id)
    if age_on(child.birth_date, uow.today) < TEEN_AGE:
        raise DomainError("teen_too_young", age=TEEN_AGE)
    await uow.session.execute(delete(LinkCode).where(LinkCode.child_id == child_id))
    code = f"{secrets.randbelow(10**linking.CODE_DIGITS):0{linking.CODE_DIGITS}d}"
    uow.session.add(
        LinkCode(
            code=linking._hash(code),
            parent_id=parent_id,
            child_id=child_id,
            expires_at=uow.now + linking.CODE_TTL,
        )
    )
    await uow.session.flush()
    return linking.display(code)


async def accounts(uow: UnitOfWork, child_id: int) -> list[str]:
    """The child's own accounts as "platform:id" (their dialog states are keyed so)."""
    rows = await uow.session.execute(
        select(Identity.platform, Identity.external_id).where(Identity.child_id == child_id)
    )
    return [f"{platform}:{external}" for platform, external in rows]
