"""School years and months as integers, so SQL can do the arithmetic portably."""

from __future__ import annotations

import calendar
import re
from datetime import date
from enum import StrEnum

from core.errors import DomainError

SCHOOL_YEAR_START_MONTH = 9  # 1 September


def month_index(year: int, month: int) -> int:
    """Months since year 0: consecutive integers, easy to compare and subtract in SQL."""
    return year * 12 + (month - 1)


def month_of(day: date) -> int:
    return month_index(day.year, day.month)


def month_bounds(index: int) -> tuple[date, date]:
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, 1), date(year, month0 + 1, last)


def month_label(index: int) -> str:
    year, month0 = divmod(index, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_display(index: int) -> str:
    """As a parent reads it: 11.2026."""
    year, month0 = divmod(index, 12)
    return f"{month0 + 1:02d}.{year:04d}"


def parse_month(raw: str) -> int:
    match = re.fullmatch(r"(\d{4})-(\d{2})", raw.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise DomainError("month_invalid")
    return month_index(int(match[1]), int(match[2]))


class Period(StrEnum):
    """A municipality's funding period: the school year from 1 September (the seeds), or
    the calendar year from 1 January (regions on the social certificate, 189-ФЗ)."""

    SCHOOL = "school"
    CALENDAR = "calendar"


def funding_year_of(day: date, period: Period) -> int:
    return day.year if period == Period.CALENDAR else school_year_of(day)


def funding_months(year: int, period: Period) -> tuple[int, int]:
    """The first and last month index of funding year ``year``."""
    if period == Period.CALENDAR:
        return month_index(year, 1), month_index(year, 12)
    return school_year_months(year)


def school_year_of(day: date) -> int:
    """The school year is named by the year it starts: 2026 is 2026/27."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def school_year_months(year: int) -> tuple[int, int]:
    first = month_index(year, SCHOOL_YEAR_START_MONTH)
    return first, first + 11


def program_months(school_year: int, start_month: int, end_month: int) -> tuple[int, int]:
    """A program runs from start_month to end_month (1..12) inside one school year."""

    def place(month: int) -> int:
        year = school_year if month >= SCHOOL_YEAR_START_MONTH else school_year + 1
        return month_index(year, month)

    return place(start_month), place(end_month)
