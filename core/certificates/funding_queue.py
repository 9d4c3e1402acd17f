"""The funding queue: certificates funded in the order of the original requests while the
municipality's quota for the year lasts (``grant_from_queue``, run when a request comes,
when the МОЦ confirms one waiting, when the quota grows and when a year opens), the
queue's gap-free counter, and each municipality's funding period."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from core.ledger.ledger import post
from core.outbox.outbox import emit
from core.rules.calendar import Period, funding_months, funding_year_of, month_of
from core.rules.enrolment import CertStatus
from core.rules.money import prorated_nominal
from core.storage.db import RetryTransaction, UnitOfWork
from core.storage.models import Certificate, Child, Municipality, MunicipalityYear, Sequence

logger = logging.getLogger(__name__)


def status_payload(cert: Certificate, child_id: int | None) -> dict[str, object]:
    return {"certificate_id": cert.id, "child_id": child_id, "status": cert.status}


async def next_value(uow: UnitOfWork, name: str) -> int:
    """A gap-free counter; the UPDATE takes the row lock, so concurrent callers queue."""
    result = await uow.session.execute(
        update(Sequence).where(Sequence.name == name).values(value=Sequence.value + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        uow.session.add(Sequence(name=name, value=1))
        await uow.session.flush()
        return 1
    return int(
        (
            await uow.session.execute(select(Sequence.value).where(Sequence.name == name))
        ).scalar_one()
    )


# the order of funding requests: the queue's number, then (rows funded before it was kept)
# the time of the request
REQUEST_ORDER = (
    Certificate.queue_seq.is_(None),
    Certificate.queue_seq,
    Certificate.funding_requested_at,
    Certificate.id,
)


_PERIOD = select(Municipality.funding_period).where(
    Municipality.id == bindparam("municipality_id")
)


async def period_of(uow: UnitOfWork, municipality_id: int) -> Period:
    """The municipality's funding period (the school year unless it chose the calendar)."""
    value = await uow.session.scalar(_PERIOD, {"municipality_id": municipality_id})
    return Period(value or Period.SCHOOL)


async def grant_from_queue(uow: UnitOfWork, municipality_id: int) -> int:
    """Fund queued certificates, first requested first, while the year's quota lasts."""
    today = uow.today
    period = await period_of(uow, municipality_id)
    year = funding_year_of(today, period)
    settings = await uow.session.scalar(
        select(MunicipalityYear)
        .where(
            MunicipalityYear.municipality_id == municipality_id,
            MunicipalityYear.school_year == year,
        )
        .with_for_update()  # PostgreSQL: one granter per municipality at a time
    )
    if settings is None:
        return 0
    funded = await uow.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(
            Certificate.municipality_id == municipality_id,
            Certificate.status == CertStatus.FUNDED.value,
        )
    )
    room = settings.funded_quota - int(funded or 0)
    if room <= 0:
        return 0
    # step 4 of the lock order: other families' queued certificates, in queue order
    waiting = await uow.session.scalars(
        select(Certificate)
        .where(
            Certificate.municipality_id == municipality_id,
            Certificate.status == CertStatus.QUEUED.value,
        )
        .order_by(*REQUEST_ORDER)
        .limit(room)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    _, last_month = funding_months(year, period)
    months_left = last_month - month_of(today) + 1
    if not settings.prorate_current_month:
        months_left -= 1  # the municipality funds from the next month on
    amount = prorated_nominal(settings.nominal, months_left)
    granted = 0
    for cert in list(waiting):
        cert.status = CertStatus.FUNDED.value
        # queue_seq stays: it is the order of the request, which decides who keeps funding
        # when a later year's quota is smaller
        cert.funded_at = uow.now
        cert.funded_year = year
        await uow.session.flush()
        await post(
            uow,
            certificate_id=cert.id,
            kind="credit",
            key=f"credit:{cert.id}:{year}",
            total_delta=amount,
        )
        await uow.session.refresh(cert)
        parent_id = await uow.session.scalar(
            select(Child.parent_id).where(Child.id == cert.child_id)
        )
        if parent_id is not None:
            try:
                # that family is not locked (step 4 of the lock order): if an account
                # link merges it away meanwhile, its row is gone; run everything again
                async with uow.session.begin_nested():
                    payload = status_payload(cert, cert.child_id)
                    await emit(uow, parent_id, "certificate_status", payload)
                    await uow.session.flush()
            except IntegrityError:
                raise RetryTransaction from None
        granted += 1
    if granted:
        logger.info(
            "municipality %s: %d certificates funded from the queue", municipality_id, granted
        )
    return granted
