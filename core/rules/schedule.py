"""A group's class days, and what a month of studies costs by them.

A group meets on some weekdays (a bit mask, Monday = bit 0), never on the non-working
public holidays of the Labour Code (ТК РФ ст. 112). A month's debit is the monthly share
pro-rated by the group's class days within the child's studies: all of them, the whole
share; none, nothing; else share × served ÷ class days of the month, rounded down (the
certificate is never charged for a class not given). A group whose schedule names no
weekday counts every day but the holidays as a class day.

A municipality chooses what a month's debit is based on (its ``debit_rule``):
``class_days``, the group's class days within the studies (above), or ``attendance``, the
classes the child attended — the class days within the studies less those marked absent
(a class day nobody marked is attended) — as a share of the month's class days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

MONDAY, SUNDAY = 0, 6
ALL_DAYS = 0b1111111
DAYS_IN_WEEK = 7

# ТК РФ ст. 112: 1-6 and 8 January (New Year holidays), 7 January, 23 February, 8 March,
# 1 May, 9 May, 12 June, 4 November
HOLIDAYS: tuple[tuple[int, int], ...] = (
    *((1, d) for d in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)

# the names a schedule is written with: short and full, Russian and English
_NAMES = {
    "пн": 0, "понедельник": 0, "mon": 0, "monday": 0,
    "вт": 1, "вторник": 1, "tue": 1, "tuesday": 1,
    "ср": 2, "среда": 2, "среду": 2, "wed": 2, "wednesday": 2,
    "чт": 3, "четверг": 3, "thu": 3, "thursday": 3,
    "пт": 4, "пятница": 4, "пятницу": 4, "fri": 4, "friday": 4,
    "сб": 5, "суббота": 5, "субботу": 5, "sat": 5, "saturday": 5,
    "вс": 6, "воскресенье": 6, "sun": 6, "sunday": 6,
}  # fmt: skip
_WORD = r"[a-zа-яё]+"
_TOKEN = re.compile(rf"({_WORD})(?:\s*[-–—]\s*({_WORD}))?", re.IGNORECASE)


def parse_class_days(text: str) -> int:
    """The weekdays a schedule names ("Пн, Ср 15:00", "Пн–Пт 9:00", "вторник и четверг"):
    a mask, 0 when it names none. A range runs forward and wraps (Сб–Пн: Sat, Sun, Mon)."""
    mask = 0
    for match in _TOKEN.finditer(text.lower()):
        first = _NAMES.get(match[1])
        if first is None:
            continue
        last = _NAMES.get(match[2] or "", first)
        day = first
        while True:
            mask |= 1 << day
            if day == last:
                break
            day = (day + 1) % DAYS_IN_WEEK
    return mask


def effective(mask: int) -> int:
    """The days a group is taken to meet on: its mask, or every day when it names none."""
    return mask & ALL_DAYS or ALL_DAYS


def is_holiday(day: date) -> bool:
    return (day.month, day.day) in HOLIDAYS


def is_class_day(day: date, mask: int) -> bool:
    return bool(effective(mask) >> day.weekday() & 1) and not is_holiday(day)


def class_days(first: date, last: date, mask: int) -> int:
    """How many class days lie in [first, last] (0 when last < first)."""
    return sum(
        1 for n in range((last - first).days + 1) if is_class_day(first + timedelta(days=n), mask)
    )


def next_class_day(day: date, mask: int, until: date | None = None) -> date | None:
    """The first class day on or after ``day`` (None if there is none up to ``until``)."""
    end = until or day + timedelta(days=31)
    while day <= end:
        if is_class_day(day, mask):
            return day
        day += timedelta(days=1)
    return None


def month_share(share: int, served: int, in_month: int) -> int:
    """What a month costs: the whole share when every class day of the month was within
    the studies, nothing when none was, else pro-rated and rounded down."""
    if served <= 0 or in_month <= 0:
        return 0
    if served >= in_month:
        return share
    return share * served // in_month


class DebitRule(StrEnum):
    """A municipality's ``debit_rule``: what a month's debit is based on."""

    CLASS_DAYS = "class_days"
    ATTENDANCE = "attendance"


CLASS_DAYS, ATTENDANCE = DebitRule.CLASS_DAYS.value, DebitRule.ATTENDANCE.value
# the words an import file may use for them
DEBIT_RULE_NAMES = {
    "по дням занятий": DebitRule.CLASS_DAYS,
    "дни занятий": DebitRule.CLASS_DAYS,
    "по посещаемости": DebitRule.ATTENDANCE,
    "посещаемость": DebitRule.ATTENDANCE,
}


def served_days(first: date, last: date, mask: int, start: date, end: date | None) -> list[date]:
    """The class days of the month [first, last] within studies from ``start`` to ``end``."""
    served_from = max(first, start)
    served_to = last if end is None else min(last, end)
    return [
        served_from + timedelta(days=n)
        for n in range((served_to - served_from).days + 1)
        if is_class_day(served_from + timedelta(days=n), mask)
    ]


def basis(
    first: date,
    last: date,
    mask: int,
    start: date,
    end: date | None,
    absent: frozenset[date] = frozenset(),
    rule: str = CLASS_DAYS,
) -> tuple[int, int]:
    """What a month's debit counts: (the class days paid for, the month's class days).
    Under ``attendance`` the days marked absent within the studies are not paid for."""
    served = served_days(first, last, mask, start, end)
    counted = len(served)
    if rule == ATTENDANCE:
        counted -= sum(1 for day in served if day in absent)
    return counted, class_days(first, last, mask)


def debit(
    share: int,
    first: date,
    last: date,
    mask: int,
    start: date,
    end: date | None,
    absent: frozenset[date] = frozenset(),
    rule: str = CLASS_DAYS,
) -> int:
    """The debit of the month [first, last] for studies from ``start`` to ``end`` (None:
    still studying). The month close computes the same in SQL; a test keeps them equal."""
    counted, in_month = basis(first, last, mask, start, end, absent, rule)
    return month_share(share, counted, in_month)
