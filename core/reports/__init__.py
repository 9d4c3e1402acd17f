"""The figures the coordinator, the МОЦ and the regional operator answer for (issue 28;
003 §3.2, §4.1; 004 п.17): coverage against the 25 % / 50 % targets, the funding queue,
money by month against the year's limit, programs and groups by direction, organisations.

Reads storage only (core.storage, core.rules, core.errors), never a service: each figure
is a set-based query, one pass per table with GROUP BY, the same on SQLite and
PostgreSQL; ``build`` assembles them for one municipality or the region."""

from core.reports.figures import (
    TARGETS,
    Coverage,
    DirectionRow,
    MoneyMonth,
    MoneyYear,
    OrganisationRow,
    Queue,
    Report,
)
from core.reports.report import build

__all__ = [
    "TARGETS",
    "Coverage",
    "DirectionRow",
    "MoneyMonth",
    "MoneyYear",
    "OrganisationRow",
    "Queue",
    "Report",
    "build",
]
