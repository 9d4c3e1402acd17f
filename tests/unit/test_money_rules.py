from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.rules.calendar import (
    month_bounds,
    month_index,
    month_label,
    parse_month,
    program_months,
    school_year_of,
)
from core.rules.money import prorate, prorated_nominal, quote
from core.rules.numbers import certificate_number, is_valid_certificate_number


def test_quote_full_price_when_money_suffices():
    q = quote(monthly_price=200_000, months=8, available=2_000_000)
    assert (q.monthly_share, q.monthly_copay, q.reserve) == (200_000, 0, 1_600_000)


def test_quote_equal_share_and_copay_when_money_short():
    q = quote(monthly_price=300_000, months=8, available=1_000_000)
    assert q.monthly_share == 125_000
    assert q.monthly_copay == 175_000
    assert q.reserve == 1_000_000


def test_an_equal_share_is_whole_roubles():
    # 10 000 ₽ over 7 months is 1 428,57 ₽: the certificate pays 1 428 ₽ a month, the
    # family 72 ₽, and 4 ₽ stay available; the full price keeps its kopecks
    q = quote(monthly_price=250_000, months=7, available=1_000_000)
    assert (q.monthly_share, q.monthly_copay, q.reserve) == (142_800, 107_200, 999_600)
    assert quote(150_050, 7, 10_000_000).monthly_share == 150_050


def test_quote_nothing_available():
    q = quote(300_000, 8, 0)
    assert q.monthly_share == 0 and q.monthly_copay == 300_000 and q.reserve == 0


@given(
    price=st.integers(0, 10_000_000),
    months=st.integers(1, 12),
    available=st.integers(-1000, 50_000_000),
)
def test_quote_never_exceeds_price_or_available(price, months, available):
    q = quote(price, months, available)
    assert 0 <= q.monthly_share <= price
    assert q.reserve <= max(0, available)
    assert q.monthly_share + q.monthly_copay == price
    # short of the price: whole roubles, and less than a rouble a month left unused
    if q.monthly_share < price:
        assert q.monthly_share % 100 == 0
        assert max(0, available) - q.reserve < 100 * months


def test_prorations():
    assert prorated_nominal(2_400_000, 12) == 2_400_000
    assert prorated_nominal(2_400_000, 10) == 2_000_000
    assert prorated_nominal(2_400_000, 0) == 0
    assert prorate(310_000, 15, 31) == 150_000
    assert prorate(100, 1, 3) == 33  # floor: never charge a day not served


def test_months_are_consecutive_integers():
    assert month_index(2026, 12) + 1 == month_index(2027, 1)
    assert month_label(month_index(2027, 1)) == "2027-01"
    assert month_bounds(month_index(2028, 2)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert parse_month("2026-10") == month_index(2026, 10)
    for bad in ("2026-13", "26-10", "2026/10", "октябрь"):
        with pytest.raises(DomainError):
            parse_month(bad)


def test_school_year_and_program_months():
    assert school_year_of(date(2026, 9, 1)) == 2026
    assert school_year_of(date(2026, 8, 31)) == 2025
    assert program_months(2026, 9, 5) == (month_index(2026, 9), month_index(2027, 5))
    assert program_months(2026, 1, 5) == (month_index(2027, 1), month_index(2027, 5))


def test_certificate_numbers_have_check_digit():
    number = certificate_number(7, 1234)
    assert number == "07-0001234-" + number[-1]
    assert is_valid_certificate_number(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid_certificate_number(wrong)
