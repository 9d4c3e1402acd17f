"""Money rules. Integer kopecks only; never a float."""

from __future__ import annotations

from dataclasses import dataclass

MONTHS_IN_SCHOOL_YEAR = 12


def prorated_nominal(nominal: int, months_left: int) -> int:
    """A certificate funded mid-year gets the nominal for the months left, current included."""
    months_left = max(0, min(MONTHS_IN_SCHOOL_YEAR, months_left))
    return nominal * months_left // MONTHS_IN_SCHOOL_YEAR


@dataclass(frozen=True, slots=True)
class Quote:
    """What an application to a certified program reserves and what the family pays."""

    monthly_price: int
    months: int
    monthly_share: int  # paid by the certificate each month

    @property
    def monthly_copay(self) -> int:
        return self.monthly_price - self.monthly_share

    @property
    def reserve(self) -> int:
        return self.monthly_share * self.months

    @property
    def total_cost(self) -> int:
        return self.monthly_price * self.months

    @property
    def free(self) -> bool:
        return self.monthly_price == 0

    @property
    def terms(self) -> Terms:
        return Terms(self.monthly_price, self.monthly_share)


@dataclass(frozen=True, slots=True)
class Terms:
    """What a family saw and confirmed before applying: the monthly price and what the
    certificate pays of it (so the co-pay, their difference). An application made under
    other terms is refused (quote_changed): a price or a balance that moved since shows
    the new quote first, even when the share stayed and only the co-pay grew."""

    price: int
    share: int


ROUBLE = 100  # kopecks


def equal_share(monthly_price: int, available: int, months: int) -> int:
    """What the certificate pays a month: the whole price while the money lasts; else what is
    available shared equally over the months, rounded down to whole roubles — a family reads
    "1 428 ₽ a month", not "1 428,57 ₽", and the kopecks left stay available. Only debits of
    a partial month keep kopecks (``prorate``: the days served, exactly)."""
    if months <= 0:
        return 0
    even = max(0, available) // months
    if even >= monthly_price:
        return monthly_price
    return even - even % ROUBLE


def quote(monthly_price: int, months: int, available: int) -> Quote:
    """The certificate pays the whole price while the money lasts, else an equal monthly share
    in whole roubles (``equal_share``)."""
    if months <= 0:
        return Quote(monthly_price, 0, 0)
    return Quote(monthly_price, months, equal_share(monthly_price, available, months))


def prorate(amount: int, days: int, days_in_month: int) -> int:
    """A partial month: floor, so the certificate is never charged for a day not served."""
    return amount * days // days_in_month
