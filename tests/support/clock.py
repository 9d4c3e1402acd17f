from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.value = now

    def __call__(self) -> datetime:
        return self.value

    def set(self, now: datetime) -> None:
        self.value = now

    def advance(self, **kw: float) -> None:
        self.value += timedelta(**kw)
