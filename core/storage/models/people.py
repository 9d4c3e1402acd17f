"""Municipalities, parents and their identities, roles, children."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from core.rules.text import fold
from core.storage.models.base import Base, Money


class Municipality(Base):
    __tablename__ = "municipalities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200), default="")
    # where families confirm a child's data with the documents (the МОЦ), shown in the chat
    office_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    office_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # "school" (1 September, the seeds) or "calendar" (1 January, the social certificate)
    funding_period: Mapped[str] = mapped_column(
        String(10), default="school", server_default="school"
    )
    # a seat freed in a full group is held this long for the first of its waiting list
    seat_hold_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # children aged 5–17 living there (import-municipalities) and the year counted: the
    # denominator of the coverage against the 25 % / 50 % targets (core.reports)
    children_5_17: Mapped[int | None] = mapped_column(Integer, nullable=True)
    children_5_17_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # a contract offered and not accepted within this many days lapses (the seat frees)
    offer_days: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # the municipality's contract (договор-оферта) text; NULL: the locales' default
    contract_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what a month's debit is based on: "class_days" (the group's scheduled class days
    # within the studies) or "attendance" (the classes the child attended, as a share of
    # the month's scheduled classes; a class day nobody marked is attended)
    debit_rule: Mapped[str] = mapped_column(
        String(12), default="class_days", server_default="class_days"
    )


class MunicipalityYear(Base):
    """A municipality's choices for one school year (004 §16)."""

    __tablename__ = "municipality_years"
    __table_args__ = (UniqueConstraint("municipality_id", "school_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    funded_quota: Mapped[int] = mapped_column(Integer, default=0)
    nominal: Mapped[int] = mapped_column(Money, default=0)
    # how many budget-register programs a child may attend at once: over all budget
    # registers, and per register; None is "not set" (never a silent default)
    budget_programs_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_significant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_preprofessional: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_other: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # a certificate funded mid-year gets the nominal for the months left: the current
    # month included (the seeds' rule) or not
    prorate_current_month: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # the summer campaign: from this date families apply for this year's programs (set on
    # the row of the coming year, e.g. 1 June 2027 for 2027/28); None: from 1 September
    applications_open_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Parent(Base):
    __tablename__ = "parents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    announcements: Mapped[bool] = mapped_column(Boolean, default=True)
    # the messenger (a platform key) the parent chose for notices when reachable on
    # several; None: the family's first account
    notices_to: Mapped[str | None] = mapped_column(String(8), nullable=True)


class Identity(Base):
    """How a parent reaches the bot: namespaced per platform (tg:123, vk:456, max:789)."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index(
            "ix_identities_commands",
            "platform",
            postgresql_where=text("commands IS NOT NULL"),
            sqlite_where=text("commands IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    platform: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    unreachable_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # a child of 14 or more acting for themselves in the family (003 §2.8.1): this account
    # sees and applies for that child only; gone with the child's data
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), nullable=True
    )
    # a child's own account chooses its own language (the family's stays the parent's);
    # NULL: the family's
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # the fingerprint of the command menu last set for this account in its messenger (a
    # staff account's: core/staff/command_lists.py); NULL: the messenger's default
    commands: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LinkCode(Base):
    """A one-time code shown on one platform and typed on another to join the accounts.
    Only its hash is kept."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # an invitation of a child of 14 or more, not a second account of the parent
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), nullable=True
    )


class LinkFailure(Base):
    """A refused try to join accounts: tries are limited per account."""

    __tablename__ = "link_failures"
    __table_args__ = (Index("ix_link_failures_parent_at", "parent_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)


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
    # when and by whom (the operator's actor, as in the audit trail); NULL: before 0020
    granted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    granted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class RegisterEntry(Base):
    """A child of the region's certificate register (import-certificates) not yet linked by
    a family in the chat: what the family sees appear when it links the number. Deleted
    when linked (the data move into Child), kept nowhere else."""

    __tablename__ = "register_entries"
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True
    )
    surname: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    patronymic: Mapped[str | None] = mapped_column(String(60), nullable=True)
    birth_date: Mapped[date] = mapped_column(Date)
    snils: Mapped[str | None] = mapped_column(String(11), nullable=True)
    # an entry with no СНИЛС is linked only once a confirmer has seen the family's
    # documents: the family that asked, and when (the confirmer's queue)
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("parents.id", ondelete="SET NULL"), nullable=True
    )  # an account merged away meanwhile: the request lapses, never another family's
    requested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LinkNumberFailure(Base):
    """A refused try to link a certificate by its number, counted per number whatever the
    account (many accounts trying one number meet the same limit)."""

    __tablename__ = "link_number_failures"
    __table_args__ = (Index("ix_link_number_failures_number_at", "number", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)


class Correction(Base):
    """A family asks to correct a confirmed child's data (a typo in a name); a confirmer
    approves it with the documents in hand or refuses it. Until then the child's data
    stand. The birth date and a recorded СНИЛС are never corrected: that is another child.
    Gone with the child's data."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    surname: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    patronymic: Mapped[str | None] = mapped_column(String(60), nullable=True)
    snils: Mapped[str | None] = mapped_column(String(11), nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending approved refused
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refusal: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Dispute(Base):
    """A family says a stranger registered their child: the child as the family typed it
    (the child found in the register at filing is ``child_id``, in family
    ``from_parent_id``). A confirmer of the child's municipality, after seeing the
    documents at the desk, moves the child and its certificate to the family that filed
    (``moved``) or rejects it; what the family typed is erased then. Gone with either
    family's data: the child's deletion cascades; the filing family's withdrawal deletes
    its disputes."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    from_parent_id: Mapped[int] = mapped_column(Integer)
    # the child as the family typed it: erased once the dispute is decided
    surname: Mapped[str | None] = mapped_column(String(60), nullable=True)
    name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    patronymic: Mapped[str | None] = mapped_column(String(60), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    snils: Mapped[str | None] = mapped_column(String(11), nullable=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open moved rejected
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refusal: Mapped[str | None] = mapped_column(String(500), nullable=True)


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
    # the surname case- and ё/е-folded, kept in step by the model itself (below): the МОЦ's
    # desk finds a family by it on both databases (SQLite's lower() knows ASCII only)
    surname_fold: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)

    @validates("surname")
    def _keep_fold(self, _key: str, value: str) -> str:
        self.surname_fold = fold(value)[:60] if value is not None else None
        return value
