"""Requests to link a certificate of the region's register that holds no СНИЛС: the
number and the birth date are all the family could show, and providers see both, so a
МОЦ's confirmer approves the link after seeing the documents, as for a new registration
(issue 24 item 2). Approved, the child and the certificate appear in the family; refused,
the entry waits for its family as before and the family reads why."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from core.audit import audit
from core.certificates.confirmations import _scope
from core.errors import DomainError
from core.outbox.outbox import emit
from core.register.register import link_entry
from core.rules.text import clean_reason
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, Municipality, Parent, RegisterEntry

logger = logging.getLogger(__name__)

PAGE = 5


@dataclass(frozen=True, slots=True)
class LinkRequest:
    id: int  # the certificate's
    number: str
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    municipality: str
    requested_at: datetime

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


def _query(wide: bool, munis: list[int]):
    query = (
        select(RegisterEntry, Certificate.number, Certificate.municipality_id, Municipality.name)
        .join(Certificate, Certificate.id == RegisterEntry.certificate_id)
        .join(Municipality, Municipality.id == Certificate.municipality_id)
        .where(RegisterEntry.requested_by.is_not(None), Certificate.child_id.is_(None))
    )
    return query if wide else query.where(Certificate.municipality_id.in_(munis))


def _view(entry: RegisterEntry, number: str | None, _: int, municipality: str) -> LinkRequest:
    return LinkRequest(
        id=entry.certificate_id,
        number=number or "",
        surname=entry.surname,
        name=entry.name,
        patronymic=entry.patronymic,
        birth_date=entry.birth_date,
        municipality=municipality,
        requested_at=entry.requested_at or datetime.min,
    )


async def pending(
    uow: UnitOfWork, staff_id: int, *, page: int = 0
) -> tuple[list[LinkRequest], int]:
    wide, munis = await _scope(uow, staff_id)
    query = _query(wide, munis)
    total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await uow.session.execute(
        query.order_by(RegisterEntry.requested_at, RegisterEntry.certificate_id)
        .offset(page * PAGE)
        .limit(PAGE)
    )
    return [_view(*row) for row in rows], int(total or 0)


async def pending_one(uow: UnitOfWork, staff_id: int, cert_id: int) -> LinkRequest:
    wide, munis = await _scope(uow, staff_id)
    row = (await uow.session.execute(_query(wide, munis).where(Certificate.id == cert_id))).first()
    if row is None:
        raise DomainError("certificate_not_awaiting")
    return _view(*row)


async def _locked(uow: UnitOfWork, staff_id: int, cert_id: int) -> tuple[RegisterEntry, int]:
    """In the lock order: the asking family, then the certificate, then the confirmer's
    role (held FOR SHARE: a revocation waits for this decision); read fresh."""
    await _scope(uow, staff_id)  # anyone else is refused before any lock
    family = await uow.session.scalar(
        select(RegisterEntry.requested_by).where(RegisterEntry.certificate_id == cert_id)
    )
    if family is None:
        raise DomainError("certificate_not_awaiting")
    await locks.families(uow, family)
    await locks.certificates(uow, [cert_id])
    wide, munis = await _scope(uow, staff_id, hold=True)
    entry = await uow.session.get(RegisterEntry, cert_id, populate_existing=True)
    cert = await uow.session.get(Certificate, cert_id, populate_existing=True)
    if entry is None or cert is None or entry.requested_by != family or cert.child_id is not None:
        raise DomainError("certificate_not_awaiting")
    if not wide and cert.municipality_id not in munis:
        raise DomainError("certificate_not_awaiting")
    return entry, family


async def approve(uow: UnitOfWork, staff_id: int, cert_id: int) -> int | None:
    """The documents match: the entry becomes the family's child. None when the family
    is gone meanwhile (withdrew, or joined another account): the request lapses."""
    entry, family = await _locked(uow, staff_id, cert_id)
    if await uow.session.get(Parent, family, populate_existing=True) is None:
        entry.requested_by, entry.requested_at = None, None
        await uow.session.flush()
        return None
    child_id = await link_entry(uow, family, entry)
    cert = await uow.session.get(Certificate, cert_id)
    if cert is not None:
        cert.confirmed_by = staff_id
    await uow.session.flush()
    await audit.record(
        uow, staff_id, "link-number", child_id=child_id, certificate_id=cert_id, outcome="approved"
    )
    logger.info("link request for certificate %s approved", cert_id)
    return child_id


async def refuse(uow: UnitOfWork, staff_id: int, cert_id: int, reason: str) -> None:
    why = clean_reason(reason)
    entry, family = await _locked(uow, staff_id, cert_id)
    entry.requested_by, entry.requested_at = None, None
    await uow.session.flush()
    await audit.record(uow, staff_id, "link-number", certificate_id=cert_id, outcome="refused")
    if await uow.session.get(Parent, family) is not None:
        await emit(
            uow,
            family,
            "certificate_status",
            {"certificate_id": cert_id, "child_id": None, "status": "link_refused", "reason": why},
        )
    logger.info("link request for certificate %s refused", cert_id)
