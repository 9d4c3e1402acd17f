"""The audit trail: every act of staff and of the operator, append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models.base import Base


class AuditRecord(Base):
    """Who did what, when, on which record, and how it ended. Ids only: no name, birth
    date, СНИЛС or phone. No foreign keys, so a record outlives what it names (a family's
    withdrawal deletes its children; their ids stay here, pointing at nothing personal).
    The migration makes the table refuse UPDATE and DELETE on both databases."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    # "staff:<parent id>", "operator:<OS user>", "operator" or "system"
    actor: Mapped[str] = mapped_column(String(80))
    # a staff member's messenger accounts when they acted ("tg:123 vk:456"): the ids an
    # operator grants roles to
    accounts: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40), default="ok")
    municipality_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    child_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    application_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(300), nullable=True)
