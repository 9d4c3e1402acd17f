"""Corrections of a confirmed child's data (004 §5.6: the certificate is personal).

Once a МОЦ's confirmer has checked the child's data against the documents (or the region's
register had them), the family no longer changes who the child is by itself: it asks for a
correction of the names (a typo) or adds a СНИЛС that was missing, says why, and a
confirmer approves or refuses it after seeing the documents. Until then the old data
stand. The birth date and a recorded СНИЛС are never corrected: with another one it is
another child, who is registered separately. The certificate (number, money, ledger) is
never touched: it stays with the same child row, which stays the same person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core.audit import audit
from core.certificates.confirmations import _scope
from core.errors import DomainError
from core.family.children import ChildInput, get_owned, is_confirmed, validate
from core.family.parents import require_consent
from core.outbox.outbox import emit
from core.register import register
from core.rules.identity import Person
from core.rules.text import clean_reason
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Certificate, Child, Correction, Municipality

logger = logging.getLogger(__name__)

PAGE = 5
PENDING = "pending"
APPROVED = "approved"
REFUSED = "refused"
# what a correction may change; birth date and municipality are never part of one
NAMES = ("surname", "name", "patronymic")


@dataclass(frozen=True, slots=True)
class CorrectionView:
    id: int
    child_id: int
    number: str
    municipality: str
    birth_date: date
    old_surname: str
    old_name: str
    old_patronymic: str | None
    old_snils: str | None
    surname: str
    name: str
    patronymic: str | None
    snils: str | None
    reason: str
    requested_at: datetime

    @property
    def old_full_name(self) -> str:
        return " ".join(p for p in (self.old_surname, self.old_name, self.old_patronymic) if p)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


def _check_same_child(child: Child, birth_date: date, snils: str | None) -> None:
    if birth_date != child.birth_date or (child.snils is not None and snils != child.snils):
        raise DomainError("correction_other_child")


async def request(
    uow: UnitOfWork, parent_id: int, child_id: int, data: ChildInput, reason: str
) -> int:
    """The family's request; a newer one replaces a request still pending."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    child = await get_owned(uow, parent_id, child_id)
    if not await is_confirmed(uow, child_id):
        raise DomainError("correction_not_needed")
    clean = validate(data, uow.today)
    _check_same_child(child, clean.birth_date, clean.snils)
    if all(getattr(child, f) == getattr(clean, f) for f in NAMES) and child.snils == clean.snils:
        raise DomainError("correction_nothing")
    why = clean_reason(reason, "correction_reason_required")
    if clean.snils != child.snils:
        # a СНИЛС added: not one of a child registered already
        person = Person.of(clean)
        await register.lock_person(uow, person)
        await register.check_not_registered(uow, parent_id, person, editing=child_id)
    await uow.session.execute(
        delete(Correction).where(Correction.child_id == child_id, Correction.status == PENDING)
    )
    row = Correction(
        child_id=child_id,
        surname=clean.surname,
        name=clean.name,
        patronymic=clean.patronymic,
        snils=clean.snils,
        reason=why,
        status=PENDING,
        created_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    logger.info("parent %s asked to correct child %s (correction %s)", parent_id, child_id, row.id)
    return row.id


async def pending_for_child(uow: UnitOfWork, parent_id: int, child_id: int) -> bool:
    await get_owned(uow, parent_id, child_id)
    found = await uow.session.scalar(
        select(Correction.id).where(Correction.child_id == child_id, Correction.status == PENDING)
    )
    return found is not None


def _query(wide: bool, munis: list[int]):
    query = (
        select(Correction, Child, Certificate.number, Municipality.name)
        .join(Child, Child.id == Correction.child_id)
        .join(Certificate, Certificate.child_id == Child.id)
        .join(Municipality, Municipality.id == Child.municipality_id)
        .where(Correction.status == PENDING)
    )
    return query if wide else query.where(Child.municipality_id.in_(munis))


def _view(c: Correction, child: Child, number: str | None, municipality: str) -> CorrectionView:
    return CorrectionView(
        id=c.id,
        child_id=child.id,
        number=number or "",
        municipality=municipality,
        birth_date=child.birth_date,
        old_surname=child.surname,
        old_name=child.name,
        old_patronymic=child.patronymic,
        old_snils=child.snils,
        surname=c.surname,
        name=c.name,
        patronymic=c.patronymic,
        snils=c.snils,
        reason=c.reason,
        requested_at=c.created_at,
    )


async def pending(
    uow: UnitOfWork, staff_id: int, *, page: int = 0
) -> tuple[list[CorrectionView], int]:
    """One page of the corrections waiting in the confirmer's scope, oldest first."""
    wide, munis = await _scope(uow, staff_id)
    query = _query(wide, munis)
    total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await uow.session.execute(
        query.order_by(Correction.created_at, Correction.id).offset(page * PAGE).limit(PAGE)
    )
    return [_view(*row) for row in rows], int(total or 0)


async def pending_one(uow: UnitOfWork, staff_id: int, correction_id: int) -> CorrectionView:
    wide, munis = await _scope(uow, staff_id)
    row = (
        await uow.session.execute(_query(wide, munis).where(Correction.id == correction_id))
    ).first()
    if row is None:
        raise DomainError("correction_not_pending")
    return _view(*row)


async def _locked(
    uow: UnitOfWork, staff_id: int, correction_id: int
) -> tuple[Correction, Child, int]:
    """In the lock order: the child's family, then its certificate, then the confirmer's
    role; read fresh."""
    await _scope(uow, staff_id)  # anyone else is refused before any lock
    family = await uow.session.scalar(
        select(Child.parent_id)
        .join(Correction, Correction.child_id == Child.id)
        .where(Correction.id == correction_id)
    )
    if family is None:
        raise DomainError("correction_not_pending")
    await locks.families(uow, family)
    cert_id = await uow.session.scalar(
        select(Certificate.id)
        .join(Correction, Correction.child_id == Certificate.child_id)
        .where(Correction.id == correction_id)
    )
    if cert_id is not None:
        await locks.certificates(uow, [cert_id])
    # the role held (FOR SHARE) after the family's and certificate's locks, as every staff
    # act: a revocation waits for this decision, and a decision after it finds no role
    wide, munis = await _scope(uow, staff_id, hold=True)
    row = await uow.session.get(Correction, correction_id, populate_existing=True)
    if row is None or row.status != PENDING or cert_id is None:
        raise DomainError("correction_not_pending")
    child = await uow.session.get(Child, row.child_id, populate_existing=True)
    if child is None:
        raise DomainError("correction_not_pending")
    if child.parent_id != family:
        raise RetryTransaction  # the family was merged into another meanwhile
    if not wide and child.municipality_id not in munis:
        raise DomainError("correction_not_pending")
    return row, child, cert_id


async def approve(uow: UnitOfWork, staff_id: int, correction_id: int) -> None:
    """The documents show the new names: the child's data are corrected; the certificate,
    its number and its money stay the child's as they are."""
    row, child, cert_id = await _locked(uow, staff_id, correction_id)
    _check_same_child(child, child.birth_date, row.snils)
    if row.snils != child.snils:
        person = Person(
            surname=row.surname,
            name=row.name,
            patronymic=row.patronymic,
            birth_date=child.birth_date,
            snils=row.snils,
            municipality_id=child.municipality_id,
        )
        await register.lock_person(uow, person)
        await register.check_not_registered(uow, child.parent_id, person, editing=child.id)
    try:
        async with uow.session.begin_nested():
            child.surname, child.name, child.patronymic = row.surname, row.name, row.patronymic
            child.snils = row.snils
            await uow.session.flush()
    except IntegrityError as exc:
        raise DomainError("child_registered_elsewhere") from exc
    await _decide(uow, row, staff_id, APPROVED, None)
    await audit.record(
        uow,
        staff_id,
        "correct",
        child_id=child.id,
        certificate_id=cert_id,
        outcome="approved",
        detail=f"correction:{row.id}",
    )
    await emit(
        uow,
        child.parent_id,
        "certificate_status",
        {"certificate_id": cert_id, "child_id": child.id, "status": "corrected"},
    )
    logger.info("correction %s approved", row.id)


async def refuse(uow: UnitOfWork, staff_id: int, correction_id: int, reason: str) -> None:
    """The documents do not show it: the data stand, the family reads why."""
    why = clean_reason(reason)
    row, child, cert_id = await _locked(uow, staff_id, correction_id)
    await _decide(uow, row, staff_id, REFUSED, why)
    await audit.record(  # the reason is not kept here: it may quote a document
        uow,
        staff_id,
        "correct",
        child_id=child.id,
        certificate_id=cert_id,
        outcome="refused",
        detail=f"correction:{row.id}",
    )
    await emit(
        uow,
        child.parent_id,
        "certificate_status",
        {
            "certificate_id": cert_id,
            "child_id": child.id,
            "status": "correction_refused",
            "reason": why,
        },
    )
    logger.info("correction %s refused", row.id)


async def _decide(
    uow: UnitOfWork, row: Correction, staff_id: int, status: str, refusal: str | None
) -> None:
    row.status = status
    row.decided_at = uow.now
    row.decided_by = staff_id
    row.refusal = refusal
    await uow.session.flush()


async def waiting_in(uow: UnitOfWork, staff_id: int) -> int:
    wide, munis = await _scope(uow, staff_id)
    total = await uow.session.scalar(
        select(func.count()).select_from(_query(wide, munis).subquery())
    )
    return int(total or 0)
