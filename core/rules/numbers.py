"""Human-friendly certificate numbers with a check digit (Luhn), so a typo is caught."""

from __future__ import annotations


def luhn_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def certificate_number(municipality_id: int, certificate_id: int) -> str:
    """Like 07-0001234-5: municipality, sequence, check digit."""
    body = f"{municipality_id % 100:02d}{certificate_id:07d}"
    return f"{body[:2]}-{body[2:]}-{luhn_digit(body)}"


def is_valid_certificate_number(number: str) -> bool:
    digits = number.replace("-", "").replace(" ", "")
    return (
        digits.isascii()
        and digits.isdigit()
        and len(digits) >= 3
        and luhn_digit(digits[:-1]) == int(digits[-1])
    )


ID_MAX = 2**31 - 1  # PostgreSQL's integer


def parse_id(raw: str) -> int | None:
    """A row id as typed or carried by a button: ASCII digits only (``"²".isdigit()`` is
    true, ``int("²")`` fails), within PostgreSQL's integer; None for anything else."""
    if not raw or len(raw) > 10 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= ID_MAX else None


def is_id(raw: str) -> bool:
    return parse_id(raw) is not None
