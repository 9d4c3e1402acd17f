"""A funding year's money, for the municipalities of one funding period: what was left
expires, the nominal is credited within the year's quota (certificates funded before keep
funding in the order of their request; the rest wait, told), the queue moves. Set-based:
a fixed number of statements whatever the region's size. Opened by core.accounting.new_year
on 1 September (school year) or 1 January (calendar year)."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Insert,
    String,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

from core.certificates.funding_queue import REQUEST_ORDER, grant_from_queue, next_value
from core.ledger.ledger import apply_batches
from core.outbox.outbox import OUTBOX_COLS, emit
from core.rules.calendar import Period
from core.rules.enrolment import ACTIVE_STATUSES, CertStatus
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    LedgerEntry,
    Municipality,
    MunicipalityYear,
    Outbox,
)

ACTIVE = [s.value for s in ACTIVE_STATUSES]


LEDGER_COLS = [
    LedgerEntry.key,
    LedgerEntry.certificate_id,
    LedgerEntry.application_id,
    LedgerEntry.kind,
    LedgerEntry.total_delta,
    LedgerEntry.reserved_delta,
    LedgerEntry.batch,
    LedgerEntry.created_at,
]


def release_entries(
    uow: UnitOfWork, suffix: str, batch: str, *where: ColumnElement[bool]
) -> Insert:
    """The ledger's releases of what the applications matching ``where`` still hold: one
    entry each, keyed ``release:<application>:<suffix>``, its reserve back to available.
    The caller zeroes the applications' ``reserved_left`` after it."""
    return insert(LedgerEntry).from_select(
        LEDGER_COLS,
        select(
            literal("release:") + cast(Application.id, String) + literal(f":{suffix}"),
            Application.certificate_id,
            Application.id,
            literal("release"),
            literal(0),
            -Application.reserved_left,
            literal(batch),
            literal(uow.now),
        ).where(*where),
    )


async def release_leftovers(uow: UnitOfWork, year: int, batch: str, munis) -> None:
    """Every month before January is closed: what running applications still hold is last
    year's (days not served, kopecks of rounding). It goes back, and expires with the rest
    of last year's money; the new year's months are reserved afresh."""
    running = (
        Application.certificate_id.in_(
            select(Certificate.id).where(Certificate.municipality_id.in_(munis))
        ),
        Application.reserved_left > 0,
    )
    await uow.session.execute(release_entries(uow, f"cal{year}", batch, *running))
    await uow.session.execute(
        update(Application)
        .where(*running)
        .values(reserved_left=0)
        .execution_options(synchronize_session=False)
    )


def municipalities(period: Period):
    return select(Municipality.id).where(Municipality.funding_period == period.value)


async def money(
    uow: UnitOfWork, year: int, batch: str, period: Period
) -> tuple[int, int, int, int]:
    """A funding year's money for the municipalities of ``period``: expire, requeue over
    the quota, credit, notices, grants from the queue."""
    munis = municipalities(period)
    expired = await _expire(uow, year, batch, munis)
    requeued = await _requeue_over_quota(uow, year, munis)
    credited = await _credit(uow, year, batch, munis)
    await apply_batches(uow, [batch])
    await _notices(uow, year, batch)
    granted = 0
    for muni_id in list(await uow.session.scalars(munis)):
        granted += await grant_from_queue(uow, muni_id)
    return expired, requeued, credited, granted


async def _requeue_over_quota(uow: UnitOfWork, year: int, munis) -> int:
    """The new year's quota may be smaller: certificates funded last year keep funding in
    the order of their original request while it lasts; the rest wait in the queue in that
    order, and their families are told."""
    quotas = dict(
        (
            await uow.session.execute(
                select(MunicipalityYear.municipality_id, MunicipalityYear.funded_quota).where(
                    MunicipalityYear.school_year == year,
                    MunicipalityYear.municipality_id.in_(munis),
                )
            )
        ).all()
    )
    requeued = 0
    for muni_id, quota in sorted(quotas.items()):
        funded = list(
            await uow.session.scalars(
                select(Certificate)
                .where(
                    Certificate.municipality_id == muni_id,
                    Certificate.status == CertStatus.FUNDED.value,
                )
                .order_by(*REQUEST_ORDER)
            )
        )
        for cert in funded[max(0, quota) :]:
            cert.status = CertStatus.QUEUED.value
            if cert.queue_seq is None:
                cert.queue_seq = await next_value(uow, "funding_queue")
            parent_id = await uow.session.scalar(
                select(Child.parent_id).where(Child.id == cert.child_id)
            )
            if parent_id is not None:
                await emit(
                    uow,
                    parent_id,
                    "certificate_status",
                    {"certificate_id": cert.id, "child_id": cert.child_id, "status": "queued"},
                    dedup_key=f"requeued:{cert.id}:{year}",
                )
            requeued += 1
    await uow.session.flush()
    return requeued


def _credit_key(year: int):
    return literal("credit:") + cast(Certificate.id, String) + literal(f":{year}")


def _per_certificate(column, *where):
    """The ledger aggregated once per certificate (joined, never a subquery per row)."""
    return (
        select(
            LedgerEntry.certificate_id.label("certificate_id"),
            func.sum(column).label("amount"),
        )
        .where(*where)
        .group_by(LedgerEntry.certificate_id)
        .subquery()
    )


async def _expire(uow: UnitOfWork, year: int, batch: str, munis) -> int:
    """Unused money of past years returns to the budget.

    Money credited for the new year already (a certificate granted in the first days of
    September, before the operator opened the year) is not touched, and nothing still
    reserved for a current application is expired.
    """
    credited = _per_certificate(
        LedgerEntry.total_delta,
        LedgerEntry.kind == "credit",
        LedgerEntry.key
        == literal("credit:") + cast(LedgerEntry.certificate_id, String) + literal(f":{year}"),
    )
    freed = _per_certificate(LedgerEntry.reserved_delta, LedgerEntry.batch == batch)
    # the year opens with every close folded in, under the exclusive gate
    # (month_close.fold_all): the stored figures are whole, read without a sum per row
    total, reserved = Certificate.stored_total, Certificate.stored_reserved
    old_money = total - func.coalesce(credited.c.amount, 0)
    free = total - (reserved + func.coalesce(freed.c.amount, 0))
    amount = case((old_money < free, old_money), else_=free)
    result = await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                literal("expire:") + cast(Certificate.id, String) + literal(f":{year}"),
                Certificate.id,
                literal(None),
                literal("expire"),
                -amount,
                literal(0),
                literal(batch),
                literal(uow.now),
            )
            .select_from(Certificate)
            .outerjoin(credited, credited.c.certificate_id == Certificate.id)
            .outerjoin(freed, freed.c.certificate_id == Certificate.id)
            .where(total > 0, amount > 0, Certificate.municipality_id.in_(munis)),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _credit(uow: UnitOfWork, year: int, batch: str, munis) -> int:
    result = await uow.session.execute(
        insert(LedgerEntry).from_select(
            LEDGER_COLS,
            select(
                _credit_key(year),
                Certificate.id,
                literal(None),
                literal("credit"),
                MunicipalityYear.nominal,
                literal(0),
                literal(batch),
                literal(uow.now),
            )
            .join(
                MunicipalityYear,
                (MunicipalityYear.municipality_id == Certificate.municipality_id)
                & (MunicipalityYear.school_year == year),
            )
            .where(
                Certificate.status == CertStatus.FUNDED.value,
                Certificate.municipality_id.in_(munis),
                MunicipalityYear.nominal > 0,
                ~exists().where(LedgerEntry.key == _credit_key(year)),
            ),
        )
    )
    await uow.session.execute(
        update(Certificate)
        .where(
            Certificate.status == CertStatus.FUNDED.value, Certificate.municipality_id.in_(munis)
        )
        .values(funded_year=year)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _notices(uow: UnitOfWork, year: int, batch: str) -> None:
    for kind in ("expire", "credit"):
        notice = "expiry" if kind == "expire" else "topup"
        await uow.session.execute(
            insert(Outbox).from_select(
                OUTBOX_COLS,
                select(
                    Child.parent_id,
                    literal(notice),
                    literal(f"{notice}:") + cast(Certificate.id, String) + literal(f":{year}"),
                    literal(year),
                    literal("pending"),
                    literal(0),
                    literal(uow.now),
                )
                .join(Certificate, Certificate.child_id == Child.id)
                .join(LedgerEntry, LedgerEntry.certificate_id == Certificate.id)
                .where(LedgerEntry.batch == batch, LedgerEntry.kind == kind),
            )
        )
