"""The certificates' use cases: issue, funding, linking a number, balances."""

from __future__ import annotations

import hmac
import logging
import unicodedata
from datetime import date

from sqlalchemy import select

from core import port
from core.certificates import balance, certificates, statement
from core.family import children
from core.family.parents import require_consent
from core.register import linking, register
from core.register.register_rows import normalise_number
from core.rules.enrolment import CertStatus
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, RegisterEntry
from core.usecases.base import Area

logger = logging.getLogger(__name__)


class Certificates(Area):
    async def child_card(self, parent_id: int, child_id: int) -> port.ChildCard:
        return await self.db.read(_child_card, parent_id, child_id)

    async def issue(
        self,
        parent_id: int,
        child_id: int,
        applicant: str | None = None,
        *,
        by_child: bool = False,
    ) -> int:
        return await self.db.run(
            certificates.issue, parent_id, child_id, applicant, by_child=by_child
        )

    async def request_funding(self, parent_id: int, child_id: int) -> CertStatus:
        return await self.db.run(certificates.request_funding, parent_id, child_id)

    async def link_by_number(
        self, parent_id: int, number: str, born: date, snils: str | None = None
    ) -> port.LinkOutcome:
        return await self.db.run(link_by_number, parent_id, number, born, snils)

    async def balance(self, parent_id: int, only: int | None = None) -> port.Balance:
        return await self.db.read(balance.family, parent_id, only)

    async def statement(
        self, parent_id: int, child_id: int, month: int | None = None
    ) -> port.Statement:
        return await self.db.read(statement.statement, parent_id, child_id, month)


async def _child_card(uow: UnitOfWork, parent_id: int, child_id: int) -> port.ChildCard:
    kid = await children.view(uow, parent_id, child_id)
    return port.ChildCard(kid, await certificates.view(uow, parent_id, child_id))


async def link_by_number(
    uow: UnitOfWork, parent_id: int, number: str, born: date, snils: str | None = None
) -> register.LinkOutcome:
    """A family that already holds a number from the regional navigator links it: the
    child, the certificate and its balance appear without typing them again.

    The number and the birth date are not proof (every provider's staff see both): the
    register's СНИЛС must match too. Where the register has no СНИЛС for the child, the
    link is a request a МОЦ's confirmer approves after seeing the documents, like a new
    registration (core.certificates.link_requests). Every refusal (no such number, another
    birth date or СНИЛС, a number linked or requested by another family already) is the
    same answer, recorded as a failed try: five an hour per account, and five an hour per
    number whatever the account, and the caller commits it. A use case: it spans the
    family (consent) and the register (its entries, its import's rule for a number)."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    key = normalise_number(number)
    if await linking.tries_exhausted(uow, parent_id) or await register.number_tries_exhausted(
        uow, key
    ):
        logger.warning("parent %s: certificate link tries exhausted", parent_id)
        await register.link_failed(uow, parent_id, key)
        return register.LinkOutcome()
    cert_id = await uow.session.scalar(
        select(Certificate.id).where(Certificate.number == key, Certificate.child_id.is_(None))
    )
    if cert_id is not None:
        await locks.certificates(uow, [cert_id])
    entry = (
        await uow.session.get(RegisterEntry, cert_id, populate_existing=True)
        if cert_id is not None
        else None
    )
    if entry is None or entry.birth_date != born:
        await register.link_failed(uow, parent_id, key)
        return register.LinkOutcome()
    typed = "".join(ch for ch in unicodedata.normalize("NFKC", snils or "") if ch.isdigit())
    if entry.snils is not None:
        if not hmac.compare_digest(typed, entry.snils):
            await register.link_failed(uow, parent_id, key)
            return register.LinkOutcome()
        child_id = await register.link_entry(uow, parent_id, entry)
        logger.info("parent %s linked certificate %s", parent_id, entry.certificate_id)
        return register.LinkOutcome(child_id=child_id)
    if entry.requested_by not in (None, parent_id):
        await register.link_failed(uow, parent_id, key)  # another family asked first
        return register.LinkOutcome()
    entry.requested_by, entry.requested_at = parent_id, entry.requested_at or uow.now
    await uow.session.flush()
    logger.info("parent %s asked to link certificate %s", parent_id, entry.certificate_id)
    return register.LinkOutcome(requested=True)
