"""What must reach parents: the outbox and coordinators' broadcasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models.base import Base


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
    # the number its batch was first sent with where a repeated number is dropped (VK's
    # random_id): the same again on every retry (core.outbox.delivery.number_batches)
    send_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


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
    # of core.broadcasts.FILTERS: no funded certificate, no enrolment, on a waiting list
    filters: Mapped[list | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
