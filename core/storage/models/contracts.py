"""The contract (договор-оферта) a provider's acceptance offers the family."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models.base import Base


class Contract(Base):
    """One offer of a contract on an application (a second acceptance after the first
    was returned offers a new one). ``status``: offered, concluded, declined, lapsed,
    void (the acceptance was undone before the contract took effect). Concluded in the
    chat (a simple electronic acceptance: the account, the moment and the SHA-256 digest
    of the exact text the family was shown) or on paper (recorded by the provider's
    staff, audited). Its termination is the application's end (its last day)."""

    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_status_deadline", "status", "deadline"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    # the contract's own words from the provider's or the municipality's template, at
    # the moment of the offer; NULL: the default text of the locales
    template: Mapped[str | None] = mapped_column(Text, nullable=True)
    offered_at: Mapped[datetime] = mapped_column(DateTime)
    deadline: Mapped[datetime] = mapped_column(DateTime)  # offered_at + the offer_days
    method: Mapped[str | None] = mapped_column(String(8), nullable=True)  # chat | paper
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # who concluded it: the family (chat) or the staff member (paper), a plain id
    concluded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the account the family pressed "accept" from (platform:id), for the acceptance
    account: Mapped[str | None] = mapped_column(String(80), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # exactly as shown
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)  # its SHA-256
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
