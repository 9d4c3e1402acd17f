"""A child of 14 or more may act for themselves (003 §2.8.1): the parent invites the child
with a one-time code, the child types it in their own chat account, and from then on that
account searches and applies for this child only. The family's notices (every
application, every debit) keep going to the parent, who sees and may cancel everything.
The code is the account-link code (core.register.linking): 12 digits, 15 minutes, one
use, the same limits on tries; it carries the child it invites.

A child of 14 to 17 may also start alone (004 §7: the certificate is given to the child
or to the parent; 003 §2.8.1: from 14 the child gives its number themselves): they register
themselves (their own data, СНИЛС required, their own consent to the processing of their
data) and become a family of one whose only account is the child's own. A parent joins
later with a code the child shows in the chat (``parent_code``, redeemed by
core.register.linking): the child's family then joins the parent's, and the child keeps
their own account."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select, update

from core.errors import DomainError
from core.family import children
from core.family.children import ChildInput, get_owned
from core.family.parents import CONSENT_VERSION, require_consent
from core.register import linking
from core.rules.people import age_on
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Child, Identity, LinkCode, Parent, Role

TEEN_AGE = 14
ADULT_AGE = 18


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


async def register_self(
    uow: UnitOfWork, parent_id: int, platform: str, external_id: str, data: ChildInput
) -> int:
    """A person of 14 to 17 registers themselves from a new account: the account's family
    becomes theirs (a family of one), with their consent, and the account acts for them.
    Younger: a parent registers them; a child registered already (by a parent): refused,
    the parent invites them instead. Returns the child's id."""
    await locks.families(uow, parent_id)
    parent = await uow.session.get(Parent, parent_id, populate_existing=True)
    if parent is None:
        raise DomainError("parent_not_found")
    if not data.snils:
        raise DomainError("teen_self_snils")
    own = (
        await uow.session.execute(
            select(Identity.id, Identity.child_id).where(
                Identity.parent_id == parent_id,
                Identity.platform == platform,
                Identity.external_id == external_id,
            )
        )
    ).first()
    count = await uow.session.scalar(
        select(func.count()).select_from(Identity).where(Identity.parent_id == parent_id)
    )
    kids = await uow.session.scalar(
        select(func.count()).select_from(Child).where(Child.parent_id == parent_id)
    )
    roles = await uow.session.scalar(
        select(func.count()).select_from(Role).where(Role.parent_id == parent_id)
    )
    if own is None or own[1] is not None or count != 1 or kids or roles:
        # an account with a family of its own (children, other messengers, a role)
        raise DomainError("teen_self_not_new")
    age = age_on(data.birth_date, uow.today)
    if age < TEEN_AGE:
        raise DomainError("teen_self_too_young", age=TEEN_AGE)
    if age >= ADULT_AGE:
        raise DomainError("teen_self_adult", min=TEEN_AGE, max=ADULT_AGE - 1)
    # their own consent: the data are theirs, given by themselves
    parent.consent_at = uow.now
    parent.consent_version = CONSENT_VERSION
    parent.consent_withdrawn_at = None
    await uow.session.flush()
    try:
        child_id = await children.add(uow, parent_id, data)
    except DomainError as exc:
        if exc.code == "child_registered_elsewhere":
            raise DomainError("teen_self_registered") from exc
        raise
    await uow.session.execute(
        update(Identity)
        .where(Identity.id == own[0])
        .values(child_id=child_id)
        .execution_options(synchronize_session=False)
    )
    return child_id


async def family_children_accounts(uow: UnitOfWork, parent_id: int) -> list[str]:
    """The children's own accounts of the family as "platform:id"."""
    rows = await uow.session.execute(
        select(Identity.platform, Identity.external_id).where(
            Identity.parent_id == parent_id, Identity.child_id.is_not(None)
        )
    )
    return [f"{platform}:{external}" for platform, external in rows]


async def alone(uow: UnitOfWork, parent_id: int) -> bool:
    """The family has no parent's account: a child of 14+ registered themselves."""
    found = await uow.session.scalar(
        select(Identity.id).where(Identity.parent_id == parent_id, Identity.child_id.is_(None))
    )
    return found is None


async def parent_code(uow: UnitOfWork, parent_id: int, child_id: int) -> str:
    """A code the child shows to their parent, who types it with /link in their own
    account: the child's family joins the parent's (core.register.linking). Only a child
    who registered alone has one; once a parent joined, the parent invites."""
    await locks.families(uow, parent_id)
    await get_owned(uow, parent_id, child_id)
    if not await alone(uow, parent_id):
        raise DomainError("teen_has_parent")
    return await linking.create_code(uow, parent_id)
