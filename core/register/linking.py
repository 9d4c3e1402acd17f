"""Joining a family's messenger accounts: a one-time code shown in one, typed in another.

What makes the code hopeless to guess: 12 digits (10^12 codes), alive 15 minutes, one
live code per family, and at most FAILURES_ALLOWED failed tries per account per hour; with
a thousand live codes at once, an account's five tries an hour hit one with probability
5·10^-9. Every failure (a wrong, stale or used code, a code of the same account, two
accounts of one messenger) gets one and the same answer, and a live code that was tried
and refused is used up, so the answer says nothing about which codes exist. The database
keeps only a hash of each code.

An account holding a staff role (granted by the operator to that account) is never
joined: it gets no code to show, and typing one is refused before the code is looked at
(``link_staff``), so a role never moves into another family nor reaches another person's
account; a code shown before a role was granted fails like any other.

Merging: the account that types the code (the source) joins the family that showed it
(the target). A family has at most one account per messenger, so the two must not share
a messenger; everything of the source's (accounts, children, applications, roles,
follows, notices, announcements) moves to the target and the source's row is deleted.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from datetime import timedelta

from sqlalchemy import String, and_, cast, delete, func, literal, select, update

from core.errors import DomainError
from core.outbox.outbox import emit
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Broadcast,
    Child,
    Dispute,
    Follow,
    Identity,
    LinkCode,
    LinkFailure,
    Outbox,
    Parent,
    Review,
    Role,
)

logger = logging.getLogger(__name__)
CODE_TTL = timedelta(minutes=15)
CODE_DIGITS = 12
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(hours=1)


def _hash(code: str) -> str:
    return hashlib.sha256(f"pfdo-link|{code}".encode()).hexdigest()


def normalise(raw: str) -> str:
    """The digits a person typed, whatever the separators or the digit forms."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if ch in "0123456789")


def display(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


async def create_code(uow: UnitOfWork, parent_id: int) -> str:
    """A new code for the family (the previous one stops working). Returns it grouped by
    four digits, as it is shown."""
    await locks.families(uow, parent_id)
    if await uow.session.get(Parent, parent_id, populate_existing=True) is None:
        raise DomainError("parent_not_found")
    if await holds_role(uow, parent_id):
        raise DomainError("link_staff")
    await uow.session.execute(delete(LinkCode).where(LinkCode.parent_id == parent_id))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    uow.session.add(LinkCode(code=_hash(code), parent_id=parent_id, expires_at=uow.now + CODE_TTL))
    await uow.session.flush()
    return display(code)


async def redeem(uow: UnitOfWork, parent_id: int, platform: str, raw: str) -> int | None:
    """The family the typing account now belongs to, or None when refused.

    A refusal is not an exception: the failed try is recorded (and a live code used up)
    in this transaction, which the caller commits before telling the person.
    """
    code = normalise(raw)
    key = _hash(code) if len(code) == CODE_DIGITS else None
    link = await uow.session.get(LinkCode, key) if key else None
    target = link.parent_id if link is not None and link.expires_at >= uow.now else None
    teen = link.child_id if link is not None else None
    await locks.families(uow, parent_id, target)
    if await uow.session.get(Parent, parent_id, populate_existing=True) is None:
        raise DomainError("parent_not_found")
    if await holds_role(uow, parent_id):
        # said before the code is touched: the answer tells nothing about the code
        raise DomainError("link_staff")
    if key is not None and link is not None:
        # tried once: used up, whatever comes next (a concurrent try finds it gone)
        claimed = await uow.session.execute(delete(LinkCode).where(LinkCode.code == key))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            target = None
    if await tries_exhausted(uow, parent_id):
        logger.warning("parent %s: link tries exhausted", parent_id)
        await _failed(uow, parent_id)
        return None
    if target is None or target == parent_id:
        await _failed(uow, parent_id)
        return None
    if await uow.session.get(Parent, target, populate_existing=True) is None:
        await _failed(uow, parent_id)  # that family joined another meanwhile
        return None
    if teen is None and await holds_role(uow, target):
        await _failed(uow, parent_id)  # a role granted since the code was shown
        return None
    if teen is not None:
        return await _join_teen(uow, parent_id, platform, target, teen)
    if await _child_alone(uow, target):
        return await _join_parent(uow, parent_id, platform, target)
    mine = set(
        await uow.session.scalars(select(Identity.platform).where(Identity.parent_id == parent_id))
    )
    theirs = set(
        await uow.session.scalars(
            # a child's own account (14+) is not the family's account on that messenger
            select(Identity.platform).where(
                Identity.parent_id == target, Identity.child_id.is_(None)
            )
        )
    )
    if platform not in mine or mine & theirs:
        await _failed(uow, parent_id)
        return None
    await _merge(uow, parent_id, target)
    logger.info("parent %s joined parent %s (%s)", parent_id, target, platform)
    return target


async def holds_role(uow: UnitOfWork, parent_id: int) -> bool:
    found = await uow.session.scalar(select(Role.id).where(Role.parent_id == parent_id).limit(1))
    return found is not None


async def tries_exhausted(uow: UnitOfWork, parent_id: int) -> bool:
    """FAILURES_ALLOWED refused tries in the last hour: any secret a person types to join
    something (an account code, a certificate number with a birth date) counts here."""
    recent = await uow.session.scalar(
        select(func.count())
        .select_from(LinkFailure)
        .where(LinkFailure.parent_id == parent_id, LinkFailure.at > uow.now - FAILURE_WINDOW)
    )
    return int(recent or 0) >= FAILURES_ALLOWED


async def _join_teen(
    uow: UnitOfWork, parent_id: int, platform: str, target: int, child_id: int
) -> int | None:
    """A child of 14 or more typed the parent's invitation in their own, new account: it
    joins the family as that child's account. An account that already has anything of its
    own (children, applications, roles, other messengers) is refused like any failure."""
    s = uow.session
    mine = list(
        (
            await s.execute(
                select(Identity.platform, Identity.external_id).where(
                    Identity.parent_id == parent_id
                )
            )
        ).all()
    )
    owns = [
        await s.scalar(select(func.count()).select_from(m).where(m.parent_id == parent_id))
        for m in (Child, Application, Role)
    ]
    child = await s.get(Child, child_id)
    if len(mine) != 1 or mine[0][0] != platform or any(owns):
        await _failed(uow, parent_id)
        return None
    if child is None or child.parent_id != target:
        await _failed(uow, parent_id)
        return None
    await _merge(uow, parent_id, target)
    await s.execute(
        update(Identity)
        .where(Identity.platform == platform, Identity.external_id == mine[0][1])
        .values(child_id=child_id)
        .execution_options(synchronize_session=False)
    )
    await emit(uow, target, "teen_linked", {"child_id": child_id})
    logger.info("a child's own account joined parent %s (%s)", target, platform)
    return target


async def _child_alone(uow: UnitOfWork, family: int) -> bool:
    """A family whose accounts are all a child's own: a child of 14+ registered alone."""
    rows = (
        await uow.session.execute(select(Identity.child_id).where(Identity.parent_id == family))
    ).all()
    return bool(rows) and all(child is not None for (child,) in rows)


async def _join_parent(uow: UnitOfWork, parent_id: int, platform: str, target: int) -> int | None:
    """A parent typed the code a child who registered alone showed them: the child's
    family joins the parent's (the parent keeps their family, consent and settings; the
    child keeps their own account and sees only themselves). The typing account must be a
    parent's own (not a child's account); a staff family is refused before, like any failure."""
    s = uow.session
    typing = await s.scalar(
        select(Identity.id).where(
            Identity.parent_id == parent_id,
            Identity.platform == platform,
            Identity.child_id.is_(None),
        )
    )
    if typing is None:
        await _failed(uow, parent_id)
        return None
    joining = list(
        await s.scalars(
            select(Identity.child_id).where(Identity.parent_id == target).order_by(Identity.id)
        )
    )
    await _merge(uow, target, parent_id)
    for child_id in dict.fromkeys(joining):
        await emit(uow, parent_id, "teen_linked", {"child_id": child_id})
    logger.info("a child's family joined parent %s (%s)", parent_id, platform)
    return parent_id


async def _failed(uow: UnitOfWork, parent_id: int) -> None:
    await record_failure(uow, parent_id)


async def record_failure(uow: UnitOfWork, parent_id: int) -> None:
    uow.session.add(LinkFailure(parent_id=parent_id, at=uow.now))
    await uow.session.flush()


async def _merge(uow: UnitOfWork, source: int, target: int) -> None:
    s = uow.session
    # what the target already has stays; the source's duplicate goes
    await s.execute(
        delete(Follow).where(
            Follow.parent_id == source,
            Follow.program_id.in_(select(Follow.program_id).where(Follow.parent_id == target)),
        )
    )
    for role in (await s.scalars(select(Role).where(Role.parent_id == source))).all():
        same = await s.scalar(
            select(Role.id).where(
                Role.parent_id == target,
                Role.role == role.role,
                Role.municipality_id.is_(None)
                if role.municipality_id is None
                else Role.municipality_id == role.municipality_id,
                Role.provider_id.is_(None)
                if role.provider_id is None
                else Role.provider_id == role.provider_id,
            )
        )
        if same is not None:
            await s.delete(role)
    await s.flush()

    # one debit notice per family and month (it reads all the month's debits when sent):
    # a pending one of the source gives way to a pending one of the target; one the
    # target has none for is keyed to the target, so a later fan-out adds no second
    def months_of_target(*statuses: str):
        found = select(Outbox.ref).where(Outbox.parent_id == target, Outbox.kind == "debits")
        return found.where(Outbox.status.in_(statuses)) if statuses else found

    source_debits = and_(Outbox.parent_id == source, Outbox.kind == "debits")
    await s.execute(
        delete(Outbox).where(
            source_debits,
            Outbox.status == "pending",
            Outbox.ref.in_(months_of_target("pending")),
        )
    )
    await s.execute(
        update(Outbox)
        .where(source_debits, Outbox.ref.not_in(months_of_target()))
        .values(dedup_key=literal(f"debits:{target}:") + cast(Outbox.ref, String))
        .execution_options(synchronize_session=False)
    )
    # the families' disputes (filed, or about a child the source held) and reviews follow
    # their family: a dispute between the two families is then one family's, which its
    # resolution refuses as such (dispute_same_family)
    await s.execute(
        update(Dispute)
        .where(Dispute.from_parent_id == source)
        .values(from_parent_id=target)
        .execution_options(synchronize_session=False)
    )
    for model in (Identity, Child, Application, Role, Outbox, Follow, Dispute, Review):
        await s.execute(
            update(model)
            .where(model.parent_id == source)
            .values(parent_id=target)
            .execution_options(synchronize_session=False)
        )
    await s.execute(
        update(Broadcast)
        .where(Broadcast.author_id == source)
        .values(author_id=target)
        .execution_options(synchronize_session=False)
    )
    await s.execute(delete(LinkCode).where(LinkCode.parent_id == source))
    await s.execute(delete(LinkFailure).where(LinkFailure.parent_id == source))
    source_parent = await s.get(Parent, source, populate_existing=True)
    target_parent = await s.get(Parent, target, populate_existing=True)
    assert source_parent is not None and target_parent is not None
    if target_parent.consent_at is None and source_parent.consent_at is not None:
        target_parent.consent_at = source_parent.consent_at
        target_parent.consent_version = source_parent.consent_version
    await s.delete(source_parent)
    await s.flush()
