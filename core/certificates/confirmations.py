"""The МОЦ's confirmers: a child's data are checked once, by a person with the documents in
hand (birth certificate, СНИЛС, the parent's passport), before the certificate is active.
A child of 14+ who asked themselves (``own_request``) comes with their own documents
(passport, СНИЛС): no parent's passport.

A confirmer sees the certificates awaiting confirmation in their municipality (or the whole
region), in the order they were requested, with the child's full details; confirms, or
rejects with a reason the family reads. A confirmed certificate is an accounting one; if
the family asked for funding meanwhile, it joins the funding queue in the order of that
original request.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select, true

from core.audit import audit
from core.certificates.funding_queue import grant_from_queue
from core.errors import DomainError
from core.outbox.outbox import emit
from core.rules.enrolment import CertStatus
from core.rules.text import clean_reason
from core.storage import locks
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Certificate, Child, Municipality, Role

logger = logging.getLogger(__name__)

PAGE = 10
# the order of the original requests
ORDER = (Certificate.issued_at, Certificate.id)


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    number: str
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    snils: str | None
    municipality: str
    requested_at: datetime
    funding_requested: bool
    version: str = ""  # of the data shown (data_version): what a confirmation confirms
    applicant: str | None = None  # the parent's full name, for the passport check
    # the child of 14+ asked themselves: their own documents, no parent's passport
    own_request: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


async def _scope(uow: UnitOfWork, staff_id: int, *, hold: bool = False) -> tuple[bool, list[int]]:
    """(region-wide, municipalities) of a confirmer; refused for anyone else. ``hold``:
    the role rows stay locked (FOR SHARE) to the end of the transaction, so a revocation
    waits for this action, and an action after a revocation finds no role."""
    query = select(Role.region_wide, Role.municipality_id).where(
        Role.parent_id == staff_id, Role.role == "confirmer"
    )
    if hold:
        query = query.with_for_update(read=True)
    rows = (await uow.session.execute(query)).all()
    if not rows:
        raise DomainError("not_allowed")
    return any(wide for wide, _ in rows), [m for _, m in rows if m is not None]


def _covered(region_wide: bool, municipalities: list[int]) -> ColumnElement[bool]:
    return true() if region_wide else Certificate.municipality_id.in_(municipalities)


async def is_confirmer(uow: UnitOfWork, staff_id: int) -> bool:
    found = await uow.session.scalar(
        select(Role.id).where(Role.parent_id == staff_id, Role.role == "confirmer").limit(1)
    )
    return found is not None


def _pending_query():
    return (
        select(Certificate, Child, Municipality.name)
        .join(Child, Child.id == Certificate.child_id)
        .join(Municipality, Municipality.id == Certificate.municipality_id)
        .where(Certificate.status == CertStatus.AWAITING.value)
    )


def data_version(child: Child) -> str:
    """A short digest of the child's data as shown to the confirmer: a confirmation of
    data the family changed since the card was opened is refused, not applied to the new
    data nobody checked."""
    shown = "|".join(
        str(v or "")
        for v in (child.surname, child.name, child.patronymic, child.birth_date, child.snils)
    )
    return hashlib.sha256(shown.encode()).hexdigest()[:12]


def _view(cert: Certificate, child: Child, municipality: str) -> Pending:
    return Pending(
        id=cert.id,
        number=cert.number or "",
        surname=child.surname,
        name=child.name,
        patronymic=child.patronymic,
        birth_date=child.birth_date,
        snils=child.snils,
        municipality=municipality,
        requested_at=cert.issued_at,
        funding_requested=cert.funding_requested_at is not None,
        version=data_version(child),
        applicant=cert.applicant_name,
        own_request=bool(cert.own_request),
    )


async def pending(uow: UnitOfWork, staff_id: int, *, page: int = 0) -> tuple[list[Pending], int]:
    """One page of the queue, oldest request first, and how many wait in all."""
    wide, munis = await _scope(uow, staff_id)
    scope = _covered(wide, munis)
    total = await uow.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.status == CertStatus.AWAITING.value, Certificate.child_id.is_not(None))
        .where(scope)
    )
    rows = await uow.session.execute(
        _pending_query().where(scope).order_by(*ORDER).offset(page * PAGE).limit(PAGE)
    )
    return [_view(c, ch, m) for c, ch, m in rows], int(total or 0)


async def pending_one(uow: UnitOfWork, staff_id: int, cert_id: int) -> Pending:
    wide, munis = await _scope(uow, staff_id)
    row = (
        await uow.session.execute(
            _pending_query().where(Certificate.id == cert_id, _covered(wide, munis))
        )
    ).first()
    if row is None:
        # confirmed by a colleague meanwhile, or not this confirmer's municipality
        raise DomainError("certificate_not_awaiting")
    return _view(*row)


async def _locked_awaiting(uow: UnitOfWork, staff_id: int, cert_id: int) -> Certificate:
    """In the lock order: the child's family, then the certificate, read fresh; then the
    confirmer's role rows, held to the end (a revocation waits for this action)."""
    await _scope(uow, staff_id)
    family = await uow.session.scalar(
        select(Child.parent_id)
        .join(Certificate, Certificate.child_id == Child.id)
        .where(Certificate.id == cert_id)
    )
    if family is None:
        raise DomainError("certificate_not_awaiting")
    await locks.families(uow, family)
    await locks.certificates(uow, [cert_id])
    cert = await uow.session.get(Certificate, cert_id, populate_existing=True)
    wide, munis = await _scope(uow, staff_id, hold=True)
    if cert is None or cert.status != CertStatus.AWAITING or cert.child_id is None:
        raise DomainError("certificate_not_awaiting")
    if not wide and cert.municipality_id not in munis:
        raise DomainError("certificate_not_awaiting")
    owner = await uow.session.scalar(select(Child.parent_id).where(Child.id == cert.child_id))
    if owner != family:
        raise RetryTransaction  # the family was merged into another meanwhile
    return cert


async def confirm(
    uow: UnitOfWork, staff_id: int, cert_id: int, seen: str | None = None
) -> CertStatus:
    """The documents match: the certificate is active (accounting), and a funding request
    made meanwhile joins the queue in the order it was made. ``seen``: the version of the
    data the confirmer checked (refused if the family changed them since)."""
    cert = await _locked_awaiting(uow, staff_id, cert_id)
    if seen is not None:
        child = await uow.session.get(Child, cert.child_id, populate_existing=True)
        if child is None or data_version(child) != seen:
            raise DomainError("certificate_data_changed")
    child_id = cert.child_id
    status = await activate(uow, cert, staff_id)
    await audit.record(
        uow, staff_id, "confirm", child_id=child_id, certificate_id=cert_id, outcome=status.value
    )
    return status


async def activate(uow: UnitOfWork, cert: Certificate, staff_id: int | None) -> CertStatus:
    """Confirmed: by a confirmer, or by the operator for a certificate already confirmed
    elsewhere (the region's register). The caller holds the family's and its locks."""
    family = await uow.session.scalar(select(Child.parent_id).where(Child.id == cert.child_id))
    cert.confirmed_at = uow.now
    cert.confirmed_by = staff_id
    cert.rejection_reason = None
    cert.applicant_name = None  # the passport was seen: the name is no longer needed
    queued = cert.funding_requested_at is not None
    cert.status = (CertStatus.QUEUED if queued else CertStatus.ACCOUNTING).value
    await uow.session.flush()
    if queued:
        await grant_from_queue(uow, cert.municipality_id)
        await uow.session.refresh(cert)
    if cert.status != CertStatus.FUNDED and family is not None:  # funded: the queue's own
        await emit(
            uow,
            family,
            "certificate_status",
            {"certificate_id": cert.id, "child_id": cert.child_id, "status": cert.status},
        )
    logger.info("certificate %s confirmed", cert.id)
    return CertStatus(cert.status)


async def reject(uow: UnitOfWork, staff_id: int, cert_id: int, reason: str) -> None:
    """The data do not match the documents: the family reads the reason, fixes the data
    and asks again. A funding request made meanwhile is dropped with it."""
    reason = clean_reason(reason)
    cert = await _locked_awaiting(uow, staff_id, cert_id)
    family = await uow.session.scalar(select(Child.parent_id).where(Child.id == cert.child_id))
    cert.status = CertStatus.REJECTED.value
    cert.rejection_reason = reason
    cert.funding_requested_at = None
    cert.applicant_name = None  # asked again with the next request
    cert.queue_seq = None
    await uow.session.flush()
    # the reason is the confirmer's free text (it may quote the child's data): not kept here
    await audit.record(uow, staff_id, "reject", child_id=cert.child_id, certificate_id=cert.id)
    if family is None:  # a certificate of no family (its data erased): nobody to tell
        return
    await emit(
        uow,
        family,
        "certificate_status",
        {
            "certificate_id": cert.id,
            "child_id": cert.child_id,
            "status": CertStatus.REJECTED.value,
            "reason": reason,
        },
    )
    logger.info("certificate %s rejected by a confirmer", cert.id)


async def waiting_in(uow: UnitOfWork, staff_id: int) -> int:
    """How many wait for this confirmer (the menu's badge)."""
    wide, munis = await _scope(uow, staff_id)
    return int(
        await uow.session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(
                Certificate.status == CertStatus.AWAITING.value,
                Certificate.child_id.is_not(None),
                _covered(wide, munis),
            )
        )
        or 0
    )
