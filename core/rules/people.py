"""Rules about people: names, dates of birth, СНИЛС, age."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from core.errors import DomainError

MIN_AGE = 5
MAX_AGE = 17  # inclusive: at 18 the certificate closes
NAME_MAX = 60
_NAME_RE = re.compile(r"^[A-Za-zА-Яа-яЁё]+(?:[ '\-][A-Za-zА-Яа-яЁё]+)*$")
_DATE_RES = (
    re.compile(r"^(?P<d>\d{1,2})[./\-](?P<m>\d{1,2})[./\-](?P<y>\d{2}|\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)


def clean_name(raw: str) -> str:
    """A surname, name or patronymic as a person typed it, tidied; refuses anything else."""
    value = " ".join(raw.split())
    if not value or len(value) > NAME_MAX or not _NAME_RE.match(value):
        raise DomainError("name_invalid", max=NAME_MAX)
    return "-".join(part[:1].upper() + part[1:] for part in value.split("-"))


APPLICANT_MAX = 100
_CYRILLIC_WORD = re.compile(r"^[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*$")


def clean_full_name(raw: str) -> str:
    """A parent's full name for the passport check: two or three words (surname, name and
    the patronymic where there is one) of Cyrillic letters, a hyphen inside a word
    (Петрова-Водкина); refuses anything else, however long or odd, with one code."""
    value = " ".join(unicodedata.normalize("NFC", raw[: APPLICANT_MAX * 2]).split())
    words = value.split(" ")
    if (
        len(raw) > APPLICANT_MAX * 2
        or len(value) > APPLICANT_MAX
        or not 2 <= len(words) <= 3
        or not all(_CYRILLIC_WORD.match(w) and len(w) <= NAME_MAX for w in words)
    ):
        raise DomainError("applicant_name_invalid")
    return " ".join("-".join(part[:1].upper() + part[1:] for part in w.split("-")) for w in words)


def parse_date(raw: str, today: date, *, invalid: str = "date_invalid") -> date:
    """Dates as people type them: 05.03.2016, 5.3.16, 2016-03-05; a two-digit year is in
    this century unless that is after ``today``'s year. Refuses with ``invalid``."""
    value = unicodedata.normalize("NFKC", raw).strip()
    for pattern in _DATE_RES:
        match = pattern.match(value)
        if match:
            break
    else:
        raise DomainError(invalid)
    year = int(match["y"])
    if len(match["y"]) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise DomainError(invalid) from exc


def parse_birth_date(raw: str, today: date) -> date:
    """A child's date of birth: 05.03.2016, 5.3.16, 2016-03-05; not in the future."""
    born = parse_date(raw, today, invalid="birth_date_invalid")
    if born > today:
        raise DomainError("birth_date_in_future")
    if today.year - born.year > 100:
        raise DomainError("birth_date_invalid")
    return born


_PHONE_SEPARATORS = re.compile(r"[\s()\-.]")


def parse_phone(raw: str) -> str:
    """A Russian phone as parents type it — +7 914 123-45-67, 8 (914) 1234567, 9141234567 —
    kept as +79141234567; refuses anything else."""
    value = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    if value.startswith("+7"):
        value = value[2:]
    elif len(value) == 11 and value[0] in "78":
        value = value[1:]
    if len(value) != 10 or not value.isascii() or not value.isdigit() or value[0] not in "3489":
        raise DomainError("phone_invalid")
    return "+7" + value


def format_phone(phone: str) -> str:
    """+79141234567 → +7 914 123-45-67."""
    d = phone.removeprefix("+7")
    return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"


def age_on(born: date, day: date) -> int:
    """Full years on ``day``; someone born on 29 February has a birthday on 1 March."""
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def check_certificate_age(born: date, day: date) -> int:
    age = age_on(born, day)
    if not MIN_AGE <= age <= MAX_AGE:
        raise DomainError("age_out_of_range", age=age, min=MIN_AGE, max=MAX_AGE)
    return age


def snils_checksum(digits: str) -> int:
    """Control number of a СНИЛС from its first nine digits (ПФР rules)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def parse_snils(raw: str) -> str:
    """Eleven digits, separators allowed (123-456-789 01); checksum verified. Digits of
    other forms (full-width １２３) are read as the ASCII digits they are, so one СНИЛС
    is always stored the same way."""
    digits = re.sub(r"[\s\-‐-―−]", "", unicodedata.normalize("NFKC", raw))
    if not re.fullmatch(r"[0-9]{11}", digits):
        raise DomainError("snils_invalid")
    # the checksum is only defined for numbers above 001-001-998
    if int(digits[:9]) > 1001998 and snils_checksum(digits) != int(digits[9:]):
        raise DomainError("snils_checksum")
    return digits


def format_snils(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"
