"""Providers, programs, groups, and parents following full programs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.rules.schedule import ALL_DAYS
from core.storage.models.base import Base, Money


class Provider(Base):
    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    art_school: Mapped[bool] = mapped_column(Boolean, default=False)
    # the provider's own contract text; NULL: the municipality's (or the default)
    contract_template: Mapped[str | None] = mapped_column(Text, nullable=True)


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        Index("ix_programs_muni_dir", "municipality_id", "direction", "name_folded", "id"),
        Index("ix_programs_dir", "direction", "name_folded", "id"),
        Index("ix_programs_muni", "municipality_id", "name_folded", "id"),
        Index("ix_programs_name", "name_folded", "id"),
        # nearest first: a box around the point read by latitude range
        Index("ix_programs_muni_lat", "municipality_id", "lat", "lon"),
        Index("ix_programs_lat", "lat", "lon"),
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
    # held online (no venue to travel to); suitable for children with disabilities (ОВЗ)
    online: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ovz: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= seats", name="seats"),
        CheckConstraint("waiting >= 0", name="waiting"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    schedule: Mapped[str] = mapped_column(String(300), default="")
    # the weekdays the group meets (Monday = bit 0), read from its schedule at import
    # (core.rules.schedule): a month's debit is pro-rated by them
    class_days: Mapped[int] = mapped_column(Integer, default=ALL_DAYS, server_default="127")
    seats: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)  # held by open applications
    # applications in the waiting list: while any waits, a freed seat goes to the first
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # who teaches it (the catalogue's optional `teacher`): shown on the program's card
    teacher: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Follow(Base):
    """A parent waiting for a seat in a full program; told first come, first served."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("parent_id", "program_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Review(Base):
    """A family's rating of a program (1–5) and short review, one per child and program
    (edited in place); moderated by the program's municipality: hidden, never edited."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("child_id", "program_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        Index("ix_reviews_program", "program_id", "hidden_at", "updated_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # moderation: hidden by the municipality's coordinator (who, when); never edited
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    hidden_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
