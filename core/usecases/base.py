"""What every area of the use cases shares: the database each one runs its units of work on."""

from __future__ import annotations

from core import port
from core.storage.db import Database


class Area:
    def __init__(self, db: Database) -> None:
        self.db = db


def acting_for(kids: list[port.ChildView], only: int | None) -> list[port.ChildView]:
    """The family's children this account may act for: all, or the child themselves."""
    return [k for k in kids if only is None or k.id == only]
