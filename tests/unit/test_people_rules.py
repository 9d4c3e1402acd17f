from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError
from core.rules.people import (
    age_on,
    check_certificate_age,
    clean_full_name,
    clean_name,
    format_snils,
    parse_birth_date,
    parse_snils,
    snils_checksum,
)

TODAY = date(2026, 10, 5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05.03.2016", date(2016, 3, 5)),
        ("5.3.16", date(2016, 3, 5)),
        ("2016-03-05", date(2016, 3, 5)),
        (" 5/3/2016 ", date(2016, 3, 5)),
        ("29.02.2016", date(2016, 2, 29)),
        ("1.1.99", date(1999, 1, 1)),  # two digits in the future mean the last century
    ],
)
def test_birth_date_forms(raw, expected):
    assert parse_birth_date(raw, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("31.02.2016", "birth_date_invalid"),
        ("29.02.2017", "birth_date_invalid"),
        ("2016-13-01", "birth_date_invalid"),
        ("вчера", "birth_date_invalid"),
        ("", "birth_date_invalid"),
        ("1" * 10_000, "birth_date_invalid"),
        ("😀", "birth_date_invalid"),
        ("06.10.2026", "birth_date_in_future"),
        ("01.01.1900", "birth_date_invalid"),
    ],
)
def test_birth_date_refusals(raw, code):
    with pytest.raises(DomainError) as err:
        parse_birth_date(raw, TODAY)
    assert err.value.code == code


def test_age_counts_full_years_and_leap_birthdays():
    assert age_on(date(2016, 10, 5), TODAY) == 10
    assert age_on(date(2016, 10, 6), TODAY) == 9
    assert age_on(date(2016, 2, 29), date(2027, 2, 28)) == 10
    assert age_on(date(2016, 2, 29), date(2027, 3, 1)) == 11


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (date(2021, 10, 5), True),  # 5 today
        (date(2021, 10, 6), False),  # 5 tomorrow
        (date(2008, 10, 6), True),  # 17, 18 tomorrow
        (date(2008, 10, 5), False),  # 18 today
    ],
)
def test_certificate_age_5_to_17_inclusive(born, ok):
    if ok:
        assert 5 <= check_certificate_age(born, TODAY) <= 17
    else:
        with pytest.raises(DomainError) as err:
            check_certificate_age(born, TODAY)
        assert err.value.code == "age_out_of_range"


def test_snils_valid_with_separators():
    # 112-233-445 95 is the checksum example from the Pension Fund's rules
    assert parse_snils("112-233-445 95") == "11223344595"
    assert format_snils("11223344595") == "112-233-445 95"


@pytest.mark.parametrize(
    ("first_nine", "checksum"),
    [
        ("112233445", 95),  # weighted sum 95: under 100, the sum itself
        ("001326679", 0),  # sum 100 gives 00
        ("001508816", 0),  # sum 101 gives 00 too
        ("001437545", 1),  # sum 102: the remainder of division by 101
        ("006877898", 1),  # sum 203: 203 mod 101
    ],
)
def test_snils_checksum_rules(first_nine, checksum):
    assert snils_checksum(first_nine) == checksum
    assert parse_snils(f"{first_nine}{checksum:02d}") == f"{first_nine}{checksum:02d}"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("112-233-445 96", "snils_checksum"),
        ("1122334459", "snils_invalid"),
        ("112233445955", "snils_invalid"),
        ("11223344a95", "snils_invalid"),
        ("", "snils_invalid"),
    ],
)
def test_snils_refusals(raw, code):
    with pytest.raises(DomainError) as err:
        parse_snils(raw)
    assert err.value.code == code


def test_snils_small_numbers_have_no_checksum():
    assert parse_snils("001-001-998 77") == "00100199877"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("иванова", "Иванова"), ("  анна-мария ", "Анна-Мария"), ("Д'Артаньян", "Д'Артаньян")],
)
def test_names_tidied(raw, expected):
    assert clean_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "Иван2", "😀", "a" * 61, "<script>", "--"])
def test_names_refused(raw):
    with pytest.raises(DomainError) as err:
        clean_name(raw)
    assert err.value.code == "name_invalid"


def test_domain_error_repr_hides_params():
    err = DomainError("snils_checksum", snils="11223344595")
    assert "11223344595" not in repr(err)
    assert "11223344595" not in str(err)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Иванова Мария Петровна", "Иванова Мария Петровна"),
        ("  иванова   мария ", "Иванова Мария"),  # tidied, capitalised
        ("Петрова-Водкина Алёна Ильинична", "Петрова-Водкина Алёна Ильинична"),
        ("ИВАНОВ ПЁТР", "ИВАНОВ ПЁТР"),  # as typed otherwise: a passport in capitals
    ],
)
def test_a_parents_full_name(typed, kept):
    assert clean_full_name(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "Иванова",  # one word
        "Иванова Мария Петровна Сидорова",  # four
        "Ivanova Maria",  # not Cyrillic
        "Иванова Мари😀",
        "Иванова 2 Мария",
        "Иванова -Мария",
        "Иванова Мария-",
        "Иванова\u200bМария",  # an invisible space is not a space
        "Иванова " + "Я" * 61,  # a word longer than a name may be
        "Ж" * 10_000,
        "Иванова Мария" + " " * 10_000,  # padded past any name
    ],
)
def test_not_a_parents_full_name(typed):
    with pytest.raises(DomainError) as err:
        clean_full_name(typed)
    assert err.value.code == "applicant_name_invalid"
