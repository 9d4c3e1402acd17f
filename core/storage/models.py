"""Tables. Dialect-neutral: the same models run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Money = BigInteger  # kopecks
ACTIVE_SQL = "status IN ('submitted', 'accepted', 'enrolled')"


class Municipality(Base):
    __tablename__ = "municipalities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200), default="")


class MunicipalityYear(Base):
    """A municipality's choices for one school year (004 §16)."""

    __tablename__ = "municipality_years"
    __table_args__ = (UniqueConstraint("municipality_id", "school_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    funded_quota: Mapped[int] = mapped_column(Integer, default=0)
    nominal: Mapped[int] = mapped_column(Money, default=0)
    budget_programs_limit: Mapped[int] = mapped_column(Integer, default=2)


class Parent(Base):
    __tablename__ = "parents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    announcements: Mapped[bool] = mapped_column(Boolean, default=True)


class Identity(Base):
    """How a parent reaches the bot: namespaced per platform (tg:123, vk:456)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    platform: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LinkCode(Base):
    """A one-time code shown on one platform and typed on another to join the accounts."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("parent_id", "role", "municipality_id", "provider_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id"), nullable=True
    )
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), nullable=True)
    region_wide: Mapped[bool] = mapped_column(Boolean, default=False)


class Child(Base):
    __tablename__ = "children"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    surname: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    patronymic: Mapped[str | None] = mapped_column(String(60), nullable=True)
    birth_date: Mapped[date] = mapped_column(Date)
    snils: Mapped[str | None] = mapped_column(String(11), nullable=True, unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Certificate(Base):
    """total and reserved mirror the ledger (checked by tests) so a reservation is one
    conditional UPDATE: available = total - reserved can never go below zero."""

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
    total: Mapped[int] = mapped_column(Money, default=0)
    reserved: Mapped[int] = mapped_column(Money, default=0)


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


class Provider(Base):
    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    art_school: Mapped[bool] = mapped_column(Boolean, default=False)


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        Index("ix_programs_muni_dir", "municipality_id", "direction", "name_folded", "id"),
        Index("ix_programs_dir", "direction", "name_folded", "id"),
        Index("ix_programs_muni", "municipality_id", "name_folded", "id"),
        Index("ix_programs_name", "name_folded", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    name: Mapped[str] = mapped_column(String(300))
    name_folded: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded name+provider+desc
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    direction: Mapped[str] = mapped_column(String(20))
    register: Mapped[str] = mapped_column(String(20))
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Money)  # per month
    start_month: Mapped[int] = mapped_column(Integer)  # 1..12
    end_month: Mapped[int] = mapped_column(Integer)
    free_seats: Mapped[int] = mapped_column(Integer, default=0)  # sum over groups
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (CheckConstraint("taken >= 0 AND taken <= seats", name="seats"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    schedule: Mapped[str] = mapped_column(String(300), default="")
    seats: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


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
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
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
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Broadcast(Base):
    """A coordinator's announcement; expanded into outbox rows when it goes out."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id"), nullable=True
    )  # NULL: the whole region
    text: Mapped[str] = mapped_column(Text)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    directions: Mapped[list | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Follow(Base):
    """A parent waiting for a seat in a full program; told first come, first served."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("parent_id", "program_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class MonthClose(Base):
    __tablename__ = "month_closes"
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    debited: Mapped[int] = mapped_column(Money, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class YearOpen(Base):
    __tablename__ = "year_opens"
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)


class Outbox(Base):
    """What must reach a parent, written in the same transaction as the change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[int | None] = mapped_column(Integer, nullable=True)  # month, year, broadcast
    payload: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    group_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Sequence(Base):
    """Named counters (queue order) that work the same on both databases."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
