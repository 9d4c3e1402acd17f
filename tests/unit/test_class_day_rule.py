"""A month is paid by the group's class days within the studies (core.rules.schedule):
the rule's properties, and the schedules it reads."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.rules import schedule
from core.rules.calendar import month_bounds, month_index

MASKS = st.integers(min_value=1, max_value=schedule.ALL_DAYS)
MONTHS = st.integers(min_value=month_index(2025, 1), max_value=month_index(2029, 12))
SHARES = st.integers(min_value=0, max_value=10_000_000)
DAYS = st.integers(min_value=-40, max_value=70)  # around a month: before, in, after


def test_schedules_name_their_weekdays():
    parse = schedule.parse_class_days
    assert parse("Пн, Ср 15:00–16:30") == 0b0000101
    assert parse("Вт, Чт 16:00–17:30") == 0b0001010
    assert parse("Сб 10:00–12:00") == 0b0100000
    assert parse("Пн–Пт 9:00–17:00 (демо)") == 0b0011111
    assert parse("вторник и четверг") == 0b0001010
    assert parse("Сб–Пн") == 0b1100001  # a range wraps the week
    assert parse("Mon, Fri 17:00") == 0b0010001
    assert parse("по договорённости") == 0
    assert schedule.effective(0) == schedule.ALL_DAYS


def test_holidays_are_never_class_days():
    every_day = schedule.ALL_DAYS
    assert not schedule.is_class_day(date(2027, 1, 1), every_day)
    assert not schedule.is_class_day(date(2027, 1, 8), every_day)
    assert schedule.is_class_day(date(2027, 1, 9), every_day)
    # January 2027: 31 days, 8 of them New Year holidays
    assert schedule.class_days(date(2027, 1, 1), date(2027, 1, 31), every_day) == 23


def test_the_first_of_january_costs_nothing():
    # a Friday group (1 January 2027 is a Friday) whose child left on 1 January
    friday = schedule.parse_class_days("Пт")
    first, last = month_bounds(month_index(2027, 1))
    assert schedule.debit(300_000, first, last, friday, date(2026, 9, 4), date(2027, 1, 1)) == 0


@given(MASKS, MONTHS, DAYS, DAYS, DAYS)
def test_class_days_add_up(mask, month, a, b, c):
    first, _ = month_bounds(month)
    x, y, z = sorted((a, b, c))
    lo, mid, hi = (first + timedelta(days=d) for d in (x, y, z))
    left = schedule.class_days(lo, mid, mask)
    right = schedule.class_days(mid + timedelta(days=1), hi, mask)
    assert left + right == schedule.class_days(lo, hi, mask)
    assert schedule.class_days(hi + timedelta(days=1), lo, mask) == 0


@given(SHARES, MASKS, MONTHS, DAYS, st.one_of(st.none(), DAYS))
def test_a_month_costs_at_most_its_share_and_nothing_without_a_class_day(
    share, mask, month, start, end
):
    first, last = month_bounds(month)
    begin = first + timedelta(days=start)
    stop = None if end is None else first + timedelta(days=end)
    cost = schedule.debit(share, first, last, mask, begin, stop)
    assert 0 <= cost <= share
    served_to = last if stop is None else min(last, stop)
    served = schedule.class_days(max(first, begin), served_to, mask)
    if served == 0:
        assert cost == 0
    # the whole share exactly when every class day of the month is within the studies
    assert (cost == share) == (served == schedule.class_days(first, last, mask) or share == 0)
    # never more than the class days served are worth, by less than a kopeck
    in_month = schedule.class_days(first, last, mask)
    assert cost * in_month <= share * served < (cost + 1) * in_month


@given(SHARES, MASKS, MONTHS, DAYS, DAYS)
def test_a_later_start_never_costs_more(share, mask, month, a, b):
    first, last = month_bounds(month)
    early, late = sorted((a, b))
    cost = [
        schedule.debit(share, first, last, mask, first + timedelta(days=d), None)
        for d in (early, late)
    ]
    assert cost[1] <= cost[0]


@given(MASKS, st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31)))
def test_the_next_class_day_is_the_first_on_or_after(mask, day):
    found = schedule.next_class_day(day, mask)
    assert found is not None and found >= day  # every week has a class day of the mask
    assert schedule.is_class_day(found, mask)
    assert schedule.class_days(day, found - timedelta(days=1), mask) == 0
