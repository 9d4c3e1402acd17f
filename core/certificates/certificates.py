"""Certificates: requested in the chat, confirmed once by the МОЦ against the documents,
then accounting; funded in order of the original requests while the quota lasts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    bindparam,
    func,
    select,
    update,
)

from core.certificates.funding_queue import (
    grant_from_queue,
    next_value,
    period_of,
    status_payload,
)
from core.errors import DomainError
from core.family.children import get_owned
from core.family.parents import require_consent
from core.outbox.outbox import emit
from core.rules.calendar import (
    Period,
    funding_months,
    funding_year_of,
    month_bounds,
    month_of,
)
from core.rules.enrolment import CertStatus
from core.rules.money import prorated_nominal
from core.rules.numbers import certificate_number
from core.rules.people import MAX_AGE, check_certificate_age, clean_full_name
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import (
    Certificate,
    Child,
    LedgerEntry,
    Municipality,
    MunicipalityYear,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Office:
    """The МОЦ of the child's municipality: where families show the documents once."""

    municipality: str
    address: str
    hours: str
    phone: str


@dataclass(frozen=True, slots=True)
class CertificateView:
    id: int
    number: str
    status: CertStatus
    total: int
    reserved: int
    nominal: int | None
    queue_position: int | None
    funding_requested: bool = False
    rejection_reason: str | None = None
    office: Office | None = None  # where to confirm the data, while that is due
    terms: FundingTerms | None = None  # a funded certificate's year: what came, until when

    @property
    def available(self) -> int:
        return self.total - self.reserved


@dataclass(frozen=True, slots=True)
class FundingTerms:
    """A funded certificate's funding year, as the family should understand its money.

    ``credited`` is what this year's credit brought. A certificate funded in the middle of
    the year gets the nominal for the months left (grant_from_queue): ``months`` of them
    from ``from_month`` (None when the credit was a full year's, or came from the region's
    register with an amount of its own). The money is valid to ``valid_until``, the last day
    of the funding year: when the next year opens (core.accounting.funding), what is neither
    spent nor reserved for an application that goes on expires; nothing carries over."""

    period: Period
    nominal: int | None
    credited: int | None
    months: int | None
    from_month: int | None
    valid_until: date

    @property
    def expires_on(self) -> date:
        """The day the next funding year opens and this year's remainder expires."""
        return self.valid_until + timedelta(days=1)


_FOR_CHILD = select(Certificate).where(Certificate.child_id == bindparam("child_id"))
_FOR_CHILD_LOCKED = _FOR_CHILD.with_for_update()


async def for_child(uow: UnitOfWork, child_id: int, *, lock: bool = False) -> Certificate | None:
    query = _FOR_CHILD_LOCKED if lock else _FOR_CHILD
    return await uow.session.scalar(query, {"child_id": child_id})


async def issue(
    uow: UnitOfWork,
    parent_id: int,
    child_id: int,
    applicant: str | None = None,
    *,
    by_child: bool = False,
) -> int:
    """Request the certificate: it waits for the МОЦ to check the documents (then it is an
    accounting certificate, учёта). After a rejection the family asks again on the same
    entry; otherwise a second request is refused. ``applicant``: the parent's full name,
    for the passport check at the desk, kept only while the request waits (none for a
    teen's own request). ``by_child``: the child of 14+ asked from their own account
    (004 §7): the МОЦ checks the child's own documents."""
    name = clean_full_name(applicant) if applicant is not None else None
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    child = await get_owned(uow, parent_id, child_id)
    existing = await for_child(uow, child_id, lock=True)
    if existing is not None:
        if existing.status != CertStatus.REJECTED:
            raise DomainError("certificate_exists")
        check_certificate_age(child.birth_date, uow.today)
        existing.status = CertStatus.AWAITING.value
        existing.rejection_reason = None
        existing.applicant_name = name
        existing.own_request = by_child
        await emit(uow, parent_id, "certificate_status", status_payload(existing, child.id))
        await uow.session.flush()
        return existing.id
    check_certificate_age(child.birth_date, uow.today)
    cert = Certificate(
        child_id=child.id,
        municipality_id=child.municipality_id,
        status=CertStatus.AWAITING.value,
        issued_at=uow.now,
        applicant_name=name,
        own_request=by_child,
    )
    uow.session.add(cert)
    await uow.session.flush()
    cert.number = certificate_number(child.municipality_id, cert.id)
    await emit(uow, parent_id, "certificate_status", status_payload(cert, child.id))
    await uow.session.flush()
    logger.info("certificate %s issued", cert.id)
    return cert.id


async def request_funding(uow: UnitOfWork, parent_id: int, child_id: int) -> CertStatus:
    """Queue the request; grant it at once when the quota has room. No other selection."""
    await locks.families(uow, parent_id)
    await require_consent(uow, parent_id)
    child = await get_owned(uow, parent_id, child_id)
    cert = await for_child(uow, child_id, lock=True)
    if cert is None:
        raise DomainError("certificate_not_found")
    if cert.status == CertStatus.CLOSED:
        raise DomainError("certificate_closed")
    if cert.status == CertStatus.FUNDED:
        raise DomainError("certificate_already_funded")
    if cert.status == CertStatus.QUEUED:
        raise DomainError("certificate_already_queued")
    if cert.status == CertStatus.REJECTED:
        raise DomainError("certificate_not_confirmed")
    check_certificate_age(child.birth_date, uow.today)
    if cert.status == CertStatus.AWAITING:
        # recorded now, so the queue keeps the order of the original requests; it joins
        # the queue when the МОЦ confirms the data
        if cert.queue_seq is not None:
            raise DomainError("certificate_already_queued")
        cert.funding_requested_at = uow.now
        cert.queue_seq = await next_value(uow, "funding_queue")
        await uow.session.flush()
        return CertStatus.AWAITING
    cert.status = CertStatus.QUEUED.value
    cert.funding_requested_at = uow.now
    cert.queue_seq = await next_value(uow, "funding_queue")
    await uow.session.flush()
    await grant_from_queue(uow, cert.municipality_id)
    await uow.session.refresh(cert)
    if cert.status == CertStatus.QUEUED:
        await emit(uow, parent_id, "certificate_status", status_payload(cert, child.id))
    return CertStatus(cert.status)


async def view(uow: UnitOfWork, parent_id: int, child_id: int) -> CertificateView | None:
    await get_owned(uow, parent_id, child_id)
    cert = await for_child(uow, child_id)
    if cert is None:
        return None
    shown = await _view(uow, cert)
    terms = await terms_of(uow, [cert])
    return replace(shown, terms=terms.get(cert.id))


async def terms_of(uow: UnitOfWork, certs: list[Certificate]) -> dict[int, FundingTerms]:
    """The funding year of each funded certificate: three queries whatever their number."""
    funded = [c for c in certs if c.status == CertStatus.FUNDED]
    if not funded:
        return {}
    munis = sorted({c.municipality_id for c in funded})
    periods = {
        m: Period(p or Period.SCHOOL)
        for m, p in await uow.session.execute(
            select(Municipality.id, Municipality.funding_period).where(Municipality.id.in_(munis))
        )
    }
    today = uow.today
    years = {m: funding_year_of(today, periods.get(m, Period.SCHOOL)) for m in munis}
    settings = {
        (row.municipality_id, row.school_year): row
        for row in await uow.session.scalars(
            select(MunicipalityYear).where(
                MunicipalityYear.municipality_id.in_(munis),
                MunicipalityYear.school_year.in_(sorted(set(years.values()))),
            )
        )
    }
    keys = {f"credit:{c.id}:{years[c.municipality_id]}": c.id for c in funded}
    credits = {
        keys[key]: int(amount)
        for key, amount in await uow.session.execute(
            select(LedgerEntry.key, LedgerEntry.total_delta).where(
                LedgerEntry.key.in_(sorted(keys))
            )
        )
    }
    found: dict[int, FundingTerms] = {}
    for cert in funded:
        period = periods.get(cert.municipality_id, Period.SCHOOL)
        row = settings.get((cert.municipality_id, years[cert.municipality_id]))
        found[cert.id] = funding_terms(
            uow,
            cert.funded_at,
            period,
            row.nominal if row is not None else None,
            row.prorate_current_month if row is not None else True,
            credits.get(cert.id),
        )
    return found


def funding_terms(
    uow: UnitOfWork,
    funded_at: datetime | None,
    period: Period,
    nominal: int | None,
    prorate_current_month: bool,
    credited: int | None,
) -> FundingTerms:
    """A funded certificate's terms from what was read of its year: the municipality's
    nominal and rule (None: no row for the year) and this year's credit."""
    first, last = funding_months(funding_year_of(uow.today, period), period)
    months = from_month = None
    if nominal and credited is not None and credited < nominal and funded_at:
        # the months grant_from_queue paid for: from the month of funding (or the next)
        local = funded_at.replace(tzinfo=UTC).astimezone(uow.zone).date()
        start = month_of(local) + (0 if prorate_current_month else 1)
        count = last - start + 1
        if first <= start <= last and prorated_nominal(nominal, count) == credited:
            months, from_month = count, start
    return FundingTerms(period, nominal, credited, months, from_month, month_bounds(last)[1])


async def _view(
    uow: UnitOfWork,
    cert: Certificate,
    *,
    nominal: bool = True,
    terms: FundingTerms | None = None,
) -> CertificateView:
    position = None
    if cert.status == CertStatus.QUEUED and cert.queue_seq is not None:
        position = int(
            await uow.session.scalar(
                select(func.count())
                .select_from(Certificate)
                .where(
                    Certificate.municipality_id == cert.municipality_id,
                    Certificate.status == CertStatus.QUEUED.value,
                    Certificate.queue_seq <= cert.queue_seq,
                )
            )
            or 0
        )
    amount = None
    if nominal and cert.status == CertStatus.FUNDED:
        amount = await uow.session.scalar(
            select(MunicipalityYear.nominal).where(
                MunicipalityYear.municipality_id == cert.municipality_id,
                MunicipalityYear.school_year
                == funding_year_of(uow.today, await period_of(uow, cert.municipality_id)),
            )
        )
    office = None
    if cert.status in (CertStatus.AWAITING, CertStatus.REJECTED):
        office = await office_of(uow, cert.municipality_id)
    return CertificateView(
        id=cert.id,
        number=cert.number or "",
        status=CertStatus(cert.status),
        total=cert.total,
        reserved=cert.reserved,
        nominal=amount,
        queue_position=position,
        funding_requested=cert.funding_requested_at is not None,
        rejection_reason=cert.rejection_reason,
        office=office,
        terms=terms,
    )


async def office_of(uow: UnitOfWork, municipality_id: int) -> Office | None:
    muni = await uow.session.get(Municipality, municipality_id)
    if muni is None:
        return None
    return Office(muni.name, muni.office_address, muni.office_hours, muni.office_phone)


async def close_adults(uow: UnitOfWork, day: date) -> int:
    """At 18 the certificate closes (its money was expired or stays in the ledger)."""
    try:
        cutoff = day.replace(year=day.year - MAX_AGE - 1)
    except ValueError:  # 29 February
        cutoff = date(day.year - MAX_AGE - 1, 2, 28)
    result = await uow.session.execute(
        update(Certificate)
        .where(
            Certificate.status != CertStatus.CLOSED.value,
            Certificate.child_id.in_(select(Child.id).where(Child.birth_date <= cutoff)),
        )
        .values(status=CertStatus.CLOSED.value, queue_seq=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
