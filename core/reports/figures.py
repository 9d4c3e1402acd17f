"""What a report holds: plain values, money in kopecks, no text (the bot renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# the share of children aged 5–17 studying with a certificate the concepts aim at, in
# percent: 25 first, then 50 (003 §4.1, 004 п.17)
TARGETS = (25, 50)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Children of one municipality (``municipality_id`` None: the region's total)."""

    municipality_id: int | None
    code: str | None
    name: str
    children_5_17: int | None  # living there (import-municipalities); None: not known
    counted_year: int | None  # the year that count is for
    registered: int  # children registered in the bot
    certified: int  # holding an active certificate: учёта, queued for funding or funded
    funded: int  # holding a funded certificate (персонифицированного финансирования)
    enrolled: int  # studying (enrolled) in at least one program

    def share(self, count: int) -> float | None:
        """``count`` as a percentage of the children aged 5–17; None where not known."""
        if not self.children_5_17:
            return None
        return 100 * count / self.children_5_17


@dataclass(frozen=True, slots=True)
class Queue:
    """Certificates waiting for a place in the funded quota."""

    municipality_id: int | None
    length: int
    oldest_request: datetime | None  # naive UTC; None when nobody waits
    longest_wait_days: int | None


@dataclass(frozen=True, slots=True)
class MoneyMonth:
    """One month of the ledger (the region's calendar; a debit and what the month's close
    returned with it belong to the month served). Kopecks."""

    month: int  # month index (core.rules.calendar)
    credited: int
    blocked: int  # reserved at acceptance (the contract)
    released: int  # back to available: cancelled, ended, what a month did not use
    debited: int
    expired: int
    available: int  # credited and not blocked, at the month's end


@dataclass(frozen=True, slots=True)
class MoneyYear:
    """The funding year the report's day is in."""

    year: int  # named by its first month (2026: 2026/27, or calendar 2026)
    period: str  # core.rules.calendar.Period's value
    limit: int | None  # funded quota × nominal, summed; None: no year set
    opening_available: int  # available when the year began
    months: tuple[MoneyMonth, ...]  # from its first month to the report's month

    @property
    def credited(self) -> int:
        return sum(m.credited for m in self.months)

    @property
    def debited(self) -> int:
        return sum(m.debited for m in self.months)


@dataclass(frozen=True, slots=True)
class DirectionRow:
    direction: str  # core.rules.catalogue.Direction's value
    programs: int  # active programs
    groups: int
    seats: int
    taken: int  # held by open applications
    waiting: int  # applications in the groups' waiting lists

    @property
    def free(self) -> int:
        return self.seats - self.taken


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    provider_id: int
    name: str
    programs: int
    seats: int
    contracts: int  # applications accepted (the contract) or studying
    pupils: int  # children studying there (distinct)


@dataclass(frozen=True, slots=True)
class Report:
    at: datetime  # naive UTC: the moment the figures are of
    municipality_id: int | None  # None: the region
    coverage: tuple[Coverage, ...]  # each municipality in scope, then the total
    queue: tuple[Queue, ...]  # likewise
    money: MoneyYear
    directions: tuple[DirectionRow, ...]
    organisations: tuple[OrganisationRow, ...]

    @property
    def total(self) -> Coverage:
        return self.coverage[-1]

    @property
    def queue_total(self) -> Queue:
        return self.queue[-1]
