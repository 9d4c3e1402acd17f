"""Disputes: a family says a stranger registered their child (issue 28).

A registration of a child another family holds is refused (``child_registered_elsewhere``):
a certificate is one child's for life. When the family says the other registration is not
theirs to make — a stranger, not the second parent — it files a dispute from that refusal:
the child as the family typed it. The МОЦ's confirmers of the child's municipality see the
disputes, oldest first, and a card (the child and the certificate in the register, how
many accounts each family has, the family's own words — nothing else of the other family),
and after seeing both families' documents at the desk they resolve it in the chat:

- move: the child, its certificate (number, status, money, ledger) and its applications
  and enrolments go to the family that filed, as they are; what tied them to the other
  family goes — the phone it gave with an application, the child's own account (14+) it
  linked and its unused invitations, the child's pending corrections it asked for, and its
  follows of programs when no child is left to it; both families are told;
- reject: nothing moves; the family that filed reads why.

What the family typed is erased once the dispute is decided (the decision, its ids and
the trail stay).

Refused with a clear message when the move would break a rule: the filing family already
has this child, or withdrew its consent, or is the family that holds the child (the
accounts were joined meanwhile). The audit trail keeps who, which child and certificate,
and the two families' ids — never a name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, func, or_, select, update

from core.audit import audit
from core.certificates.confirmations import _scope
from core.errors import DomainError
from core.family.children import ChildInput, validate
from core.family.parents import require_consent
from core.family.teens import accounts as own_accounts
from core.outbox.outbox import emit
from core.register import register
from core.rules.enrolment import OPEN_STATUSES
from core.rules.identity import Person, same_child
from core.rules.text import clean_reason
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Correction,
    Dispute,
    Follow,
    Identity,
    LinkCode,
    Municipality,
)

logger = logging.getLogger(__name__)

PAGE = 10
OPEN = "open"
MOVED = "moved"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DisputeRow:
    """A line of the confirmer's list: the child as the family typed it."""

    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    requested_at: datetime

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


@dataclass(frozen=True, slots=True)
class DisputeCard:
    """What the confirmer needs at the desk: the family's words, the child and the
    certificate in the register, and how many accounts stand on each side."""

    id: int
    typed: DisputeRow
    typed_snils: str | None
    child_full_name: str
    child_birth_date: date
    child_snils: str | None
    municipality: str
    number: str | None  # None: the child has no certificate
    certificate_status: str | None
    holder_accounts: int  # the family that holds the child
    filer_accounts: int  # the family that filed
    claims: int  # open disputes on this child, this one included
    applications: int  # the child's open applications and enrolments


async def _holder(uow: UnitOfWork, person: Person) -> Child | None:
    """The registered child the person is (as core.register.register decides it)."""
    near = [
        and_(
            Child.birth_date == person.birth_date, Child.municipality_id == person.municipality_id
        )
    ]
    if person.snils:
        near.append(Child.snils == person.snils)
    for other in await uow.session.scalars(select(Child).where(or_(*near)).order_by(Child.id)):
        if same_child(person, Person.of(other)):
            return other
    return None


async def file(uow: UnitOfWork, parent_id: int, data: ChildInput) -> int:
    """The family's dispute about the child it typed, which another family holds."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    clean = validate(data, uow.today)
    person = Person.of(clean)
    await register.lock_person(uow, person)
    child = await _holder(uow, person)
    if child is not None:
        # the child's row held (FOR KEY SHARE, as the dispute's foreign key would) and read
        # again: its family may have removed it, or a dispute moved it, since it was found
        # (PostgreSQL; on SQLite writers run one at a time)
        holder = await uow.session.scalar(
            select(Child.parent_id).where(Child.id == child.id).with_for_update(key_share=True)
        )
        if holder is None:
            child = None
        elif holder != child.parent_id:
            await uow.session.refresh(child)
    if child is None:
        raise DomainError("dispute_no_match")  # not (or no longer) registered: add the child
    if child.parent_id == parent_id:
        raise DomainError("child_already_registered")
    already = await uow.session.scalar(
        select(Dispute.id).where(
            Dispute.parent_id == parent_id, Dispute.child_id == child.id, Dispute.status == OPEN
        )
    )
    if already is not None:
        raise DomainError("dispute_already_open")
    row = Dispute(
        parent_id=parent_id,
        child_id=child.id,
        from_parent_id=child.parent_id,
        surname=clean.surname,
        name=clean.name,
        patronymic=clean.patronymic,
        birth_date=clean.birth_date,
        snils=clean.snils,
        status=OPEN,
        created_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    logger.info("parent %s filed dispute %s on child %s", parent_id, row.id, child.id)
    return row.id


def _query(wide: bool, munis: list[int]):
    # a dispute whose child left the family it was filed against (moved on another
    # dispute, or the accounts were joined) is no longer this dispute: not listed
    query = (
        select(Dispute)
        .join(Child, Child.id == Dispute.child_id)
        .where(Dispute.status == OPEN, Child.parent_id == Dispute.from_parent_id)
    )
    return query if wide else query.where(Child.municipality_id.in_(munis))


def _row(d: Dispute) -> DisputeRow:
    """(Of an open dispute: what the family typed is there until it is decided.)"""
    born = d.birth_date or date.min
    return DisputeRow(d.id, d.surname or "", d.name or "", d.patronymic, born, d.created_at)


async def pending(
    uow: UnitOfWork, staff_id: int, *, page: int = 0
) -> tuple[list[DisputeRow], int]:
    """One page (PAGE) of the open disputes in the confirmer's scope, oldest first."""
    wide, munis = await _scope(uow, staff_id)
    query = _query(wide, munis)
    total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await uow.session.scalars(
        query.order_by(Dispute.created_at, Dispute.id).offset(page * PAGE).limit(PAGE)
    )
    return [_row(d) for d in rows], int(total or 0)


async def _accounts(uow: UnitOfWork, parent_id: int) -> int:
    found = await uow.session.scalar(
        select(func.count(Identity.id)).where(
            Identity.parent_id == parent_id, Identity.child_id.is_(None)
        )
    )
    return int(found or 0)


async def card(uow: UnitOfWork, staff_id: int, dispute_id: int) -> DisputeCard:
    wide, munis = await _scope(uow, staff_id)
    d = await uow.session.scalar(_query(wide, munis).where(Dispute.id == dispute_id))
    if d is None:
        raise DomainError("dispute_not_open")
    child = await uow.session.get(Child, d.child_id)
    assert child is not None  # joined above
    cert = await uow.session.scalar(select(Certificate).where(Certificate.child_id == child.id))
    municipality = await uow.session.scalar(
        select(Municipality.name).where(Municipality.id == child.municipality_id)
    )
    claims = await uow.session.scalar(
        select(func.count(Dispute.id)).where(Dispute.child_id == child.id, Dispute.status == OPEN)
    )
    apps = await uow.session.scalar(
        select(func.count(Application.id)).where(
            Application.child_id == child.id, Application.status.in_(OPEN_STATUSES)
        )
    )
    return DisputeCard(
        id=d.id,
        typed=_row(d),
        typed_snils=d.snils,
        child_full_name=" ".join(p for p in (child.surname, child.name, child.patronymic) if p),
        child_birth_date=child.birth_date,
        child_snils=child.snils,
        municipality=municipality or "—",
        number=cert.number if cert is not None else None,
        certificate_status=cert.status if cert is not None else None,
        holder_accounts=await _accounts(uow, child.parent_id),
        filer_accounts=await _accounts(uow, d.parent_id),
        claims=int(claims or 0),
        applications=int(apps or 0),
    )


async def _locked(
    uow: UnitOfWork, staff_id: int, dispute_id: int
) -> tuple[Dispute, Child, int | None]:
    """In the lock order: both families, the child's certificate, then the confirmer's
    role; read fresh. A dispute decided, or whose child left the family it was filed
    against meanwhile, is not open."""
    await _scope(uow, staff_id)  # anyone else is refused before any lock
    ids = (
        await uow.session.execute(
            select(Dispute.parent_id, Dispute.from_parent_id).where(Dispute.id == dispute_id)
        )
    ).first()
    if ids is None:
        raise DomainError("dispute_not_open")
    await locks.families(uow, *ids)
    cert_id = await uow.session.scalar(
        select(Certificate.id)
        .join(Dispute, Dispute.child_id == Certificate.child_id)
        .where(Dispute.id == dispute_id)
    )
    if cert_id is not None:
        await locks.certificates(uow, [cert_id])
    wide, munis = await _scope(uow, staff_id, hold=True)
    row = await uow.session.get(Dispute, dispute_id, populate_existing=True)
    if row is None or row.status != OPEN:
        raise DomainError("dispute_not_open")
    child = await uow.session.get(Child, row.child_id, populate_existing=True)
    if child is None or child.parent_id != row.from_parent_id:
        raise DomainError("dispute_not_open")
    if not wide and child.municipality_id not in munis:
        raise DomainError("dispute_not_open")
    return row, child, cert_id


async def move(uow: UnitOfWork, staff_id: int, dispute_id: int) -> list[str]:
    """The documents show the child is the filing family's: the child, its certificate
    and its applications move to it as they are. Returns the child's own accounts the
    other family had linked, now gone (their dialog states go too)."""
    row, child, cert_id = await _locked(uow, staff_id, dispute_id)
    to, wrong = row.parent_id, row.from_parent_id
    if to == wrong:
        raise DomainError("dispute_same_family")
    try:
        await require_consent(uow, to)
    except DomainError:
        raise DomainError("dispute_family_gone") from None
    # the filing family holds this child already (registered again meanwhile)
    theirs = await uow.session.scalars(
        select(Child).where(Child.parent_id == to, Child.id != child.id)
    )
    me = Person.of(child)
    if any(same_child(me, Person.of(other)) for other in theirs):
        raise DomainError("dispute_child_in_family")
    child.parent_id = to
    await uow.session.flush()
    s = uow.session
    gone = await own_accounts(uow, child.id)
    # what the other family gave or linked goes with it, the ledger and enrolments stay
    await s.execute(
        update(Application)
        .where(Application.child_id == child.id)
        .values(parent_id=to, contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    await s.execute(delete(Identity).where(Identity.child_id == child.id))
    await s.execute(delete(LinkCode).where(LinkCode.child_id == child.id))
    await s.execute(
        delete(Correction).where(Correction.child_id == child.id, Correction.status == "pending")
    )
    left = await s.scalar(select(func.count(Child.id)).where(Child.parent_id == wrong))
    if not left:
        await s.execute(delete(Follow).where(Follow.parent_id == wrong))
    await _decide(uow, row, staff_id, MOVED, None)
    await audit.record(
        uow,
        staff_id,
        "dispute",
        child_id=child.id,
        certificate_id=cert_id,
        outcome=MOVED,
        detail=f"dispute:{row.id} from:{wrong} to:{to}",
    )
    await emit(uow, to, "dispute", {"outcome": "moved", "child_id": child.id})
    await emit(uow, wrong, "dispute", {"outcome": "removed", "child_id": child.id})
    logger.info("dispute %s: child %s moved from %s to %s", row.id, child.id, wrong, to)
    return gone


async def reject(uow: UnitOfWork, staff_id: int, dispute_id: int, reason: str) -> None:
    """The documents do not show it: nothing moves; the filing family reads why."""
    why = clean_reason(reason)
    row, child, cert_id = await _locked(uow, staff_id, dispute_id)
    await _decide(uow, row, staff_id, REJECTED, why)
    await audit.record(  # the reason is not kept here: it may quote a document
        uow,
        staff_id,
        "dispute",
        child_id=child.id,
        certificate_id=cert_id,
        outcome=REJECTED,
        detail=f"dispute:{row.id} from:{row.from_parent_id} to:{row.parent_id}",
    )
    await emit(uow, row.parent_id, "dispute", {"outcome": "rejected", "reason": why})
    logger.info("dispute %s rejected", row.id)


async def _decide(
    uow: UnitOfWork, row: Dispute, staff_id: int, status: str, refusal: str | None
) -> None:
    row.status = status
    row.decided_at = uow.now
    row.decided_by = staff_id
    row.refusal = refusal
    # what the family typed about its child served the decision: it is not kept after it
    row.surname = row.name = row.patronymic = row.snils = None
    row.birth_date = None
    await uow.session.flush()


async def waiting_in(uow: UnitOfWork, staff_id: int) -> int:
    """How many open disputes the confirmer's scope holds."""
    wide, munis = await _scope(uow, staff_id)
    total = await uow.session.scalar(
        select(func.count()).select_from(_query(wide, munis).subquery())
    )
    return int(total or 0)
