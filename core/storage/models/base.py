"""Declarative base, naming convention, column types shared by every table."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

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
# one open application of a child to a program (see core.rules.enrolment.OPEN_STATUSES)
ACTIVE_SQL = "status IN ('submitted', 'accepted', 'enrolled', 'waiting', 'offered')"
