"""Certificates, applications and the append-only ledger."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    case,
    cast,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from core.storage.models.base import ACTIVE_SQL, Base, Money


class Certificate(Base):
    """total and reserved mirror the ledger (checked by tests) so a reservation is one
    conditional UPDATE: available = total - reserved can never go below zero.

    The row stores them as of its ``settled_month``: a month close writes its entries to
    the ledger and leaves the certificates alone (it holds the exclusive gate, and at a
    million enrolments moving every certificate was a third of its time). ``total`` and
    ``reserved`` are read as the stored figures plus the close entries of later months
    (pending), in the same statement; every writer folds the pending entries into the row
    under the row's lock as it writes (core.ledger.ledger), and the worker folds the rest
    after each close (month_close.fold). The stored figures are ``stored_total`` and
    ``stored_reserved``; only the ledger's writers touch them."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("reserved >= 0 AND total >= reserved", name="balance"),
        Index("ix_certificates_queue", "municipality_id", "status", "queue_seq"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL once the child's data is deleted: the ledger stays, de-personalised
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    number: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    funding_requested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    queue_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    funded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    funded_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # as of settled_month (see above): read total and reserved, never these
    stored_total: Mapped[int] = mapped_column("total", Money, default=0)
    stored_reserved: Mapped[int] = mapped_column("reserved", Money, default=0)
    if TYPE_CHECKING:  # mapped below, once the ledger is (column_property)
        total: Mapped[int]
        reserved: Mapped[int]
    # the last closed month whose close entries the stored figures include
    settled_month: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # the child's data checked once against the documents by a МОЦ's confirmer (an audit
    # trail: by whom, kept as a plain id since accounts may be merged away later)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # the parent's full name as they gave it with the request, for the passport check at
    # the desk; kept only while the request waits (dropped when confirmed or rejected)
    applicant_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # requested by the child themselves (14 or more, registered alone): the МОЦ checks the
    # child's own documents, no parent's passport
    own_request: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # only while no child is attached (the family withdrew its data): keyed digests that
    # recognise the same child registering again (core.rules.identity)
    snils_key: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True, index=True
    )
    person_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class LedgerEntry(Base):
    """Append-only. Each row changes total and/or reserved; key makes every operation
    idempotent (a repeated close-month, a retried request)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_batch_cert", "batch", "certificate_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # credit reserve release debit expire
    total_delta: Mapped[int] = mapped_column(Money, default=0)
    reserved_delta: Mapped[int] = mapped_column(Money, default=0)
    month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_child_status", "child_id", "status"),
        Index("ix_applications_status_months", "status", "first_month", "last_month"),
        # one active application of a child to a program, even under concurrent requests
        Index(
            "uq_applications_active",
            "child_id",
            "program_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="SET NULL"), nullable=True
    )
    # NULL once the family withdrew its consent: nothing ties the ledger to its accounts
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("parents.id"), nullable=True, index=True
    )
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id"), nullable=True, index=True
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    register: Mapped[str] = mapped_column(String(20))
    monthly_price: Mapped[int] = mapped_column(Money, default=0)
    monthly_share: Mapped[int] = mapped_column(Money, default=0)
    first_month: Mapped[int] = mapped_column(Integer)  # month index, see core.rules.calendar
    last_month: Mapped[int] = mapped_column(Integer)
    reserved_left: Mapped[int] = mapped_column(Money, default=0)
    # day ordinals (date.toordinal) so month close can pro-rate in portable SQL
    start_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the parent's phone for the provider (given with the application, if the family chose)
    contact_phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # an offered seat is held for the family until then (then it passes to the next)
    hold_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # the order in which next year's money is blocked when that year opens
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Absence(Base):
    """A class day a child missed (табель): marked by the provider's staff, a row per
    enrolment and day. A class day with no row is a day attended (everyone is present by
    default). Editable until the day's month is closed; under a municipality's
    ``attendance`` debit rule the month close debits the classes attended."""

    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("application_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    day: Mapped[int] = mapped_column(Integer)  # a day ordinal, as applications' start_day
    marked_by: Mapped[int] = mapped_column(Integer)  # the staff member (a parent id)
    marked_at: Mapped[datetime] = mapped_column(DateTime)


class MonthClose(Base):
    __tablename__ = "month_closes"
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    debited: Mapped[int] = mapped_column(Money, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    # the debit notices are written after the close, a chunk of certificates at a time
    # (month_close.fan_out): the last certificate id done, NULL once all are
    notices_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the month's entries folded into the certificates' stored figures the same way
    # (month_close.fold): the last certificate id done, NULL once all are
    folded_after: Mapped[int | None] = mapped_column(Integer, nullable=True)


class YearOpen(Base):
    __tablename__ = "year_opens"
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)


class FundingOpen(Base):
    """A calendar funding year opened (municipalities funded from 1 January); school years
    are YearOpen."""

    __tablename__ = "funding_opens"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)


class Sequence(Base):
    """Named counters (queue order) that work the same on both databases."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# the close entries a certificate's stored figures do not include yet: none once the row
# is settled up to the last closed month (the month_closes' key read once a statement),
# else those of the months after settled_month (the ledger's certificate index)
CLOSE_BATCHES = "close:%"
LAST_CLOSED = select(func.coalesce(func.max(MonthClose.month), 0)).scalar_subquery()


def pending(delta: Any) -> Any:
    """SQL: the sum of ``delta`` (a LedgerEntry column) over the close entries the
    certificate's row does not include yet."""
    entries = (
        # cast: PostgreSQL sums bigints into a numeric
        select(cast(func.coalesce(func.sum(delta), 0), Money))
        .where(
            LedgerEntry.certificate_id == Certificate.id,
            LedgerEntry.batch.like(CLOSE_BATCHES),
            LedgerEntry.month > Certificate.settled_month,
        )
        .correlate_except(LedgerEntry)
        .scalar_subquery()
    )
    return case((Certificate.settled_month >= LAST_CLOSED, 0), else_=entries)


Certificate.total = column_property(
    Certificate.stored_total + pending(LedgerEntry.total_delta), expire_on_flush=False
)
Certificate.reserved = column_property(
    Certificate.stored_reserved + pending(LedgerEntry.reserved_delta), expire_on_flush=False
)


@event.listens_for(Certificate.total, "set")
@event.listens_for(Certificate.reserved, "set")
def _read_only(target: Certificate, value: Any, old: Any, initiator: Any) -> None:
    raise AttributeError("total and reserved are read: the ledger writes stored_total/_reserved")
