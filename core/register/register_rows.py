"""The rows of the region's certificate register file (`import-certificates FILE`): its
columns, every cell checked with no database write (``parse``), the rows that pass, and
the report of what an import did (register_import.py applies the rows)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from core.errors import DomainError
from core.rules import import_cells as cells
from core.rules import import_chunks
from core.rules.enrolment import CertStatus
from core.rules.identity import Person
from core.rules.people import clean_name, parse_birth_date, parse_snils

REQUIRED = ("number", "surname", "name", "birth_date", "municipality_code", "status")
OPTIONAL = ("patronymic", "snils", "balance_rub")
COLUMNS = REQUIRED + OPTIONAL
STATUS_NAMES = {
    "учета": CertStatus.ACCOUNTING,
    "учёта": CertStatus.ACCOUNTING,
    "пф": CertStatus.FUNDED,
    "персонифицированного финансирования": CertStatus.FUNDED,
    "закрыт": CertStatus.CLOSED,
}
IMPORTED = {CertStatus.ACCOUNTING, CertStatus.FUNDED, CertStatus.CLOSED}
NUMBER_MAX = 20
# why a row was left alone
LINKED, WITHDRAWN, CLOSED = "linked", "withdrawn", "closed"


def normalise_number(raw: str) -> str:
    """As printed or typed: spaces and case aside (a number may hold letters)."""
    return "".join(raw.split()).upper()[: NUMBER_MAX + 1]


@dataclass
class RegisterReport(cells.ImportReport):
    unchanged: int = 0
    left: Counter[str] = field(default_factory=Counter)  # why -> rows left alone
    over_quota: list[int] = field(default_factory=list)  # lines funded in the file only
    applied: bool = True  # False: all_or_nothing and a bad row, nothing changed

    def add(self, part: cells.ImportReport) -> None:
        super().add(part)
        if isinstance(part, RegisterReport):
            self.unchanged += part.unchanged
            self.left.update(part.left)
            self.over_quota += part.over_quota


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    number: str
    person: Person
    status: CertStatus
    balance: int | None  # None: no balance_rub column, or not funded
    columns: frozenset[str]


def _person(row: dict[str, str], municipality_id: int, today: date) -> Person:
    try:
        return Person(
            surname=clean_name(row["surname"]),
            name=clean_name(row["name"]),
            patronymic=clean_name(row["patronymic"]) if row.get("patronymic") else None,
            birth_date=parse_birth_date(row["birth_date"], today),
            snils=parse_snils(row["snils"]) if row.get("snils") else None,
            municipality_id=municipality_id,
        )
    except DomainError as exc:
        column = {"name_invalid": "surname", "snils_invalid": "snils"}.get(exc.code)
        column = column or ("snils" if exc.code.startswith("snils") else "birth_date")
        raise cells.RowError("person-invalid", column) from exc


def parse(
    text: str, municipalities: dict[str, int], today: date
) -> tuple[list[Row], RegisterReport]:
    """Every cell checked, no database write: the good rows, and a report of the bad."""
    report = RegisterReport()
    raw, bad, missing, header = import_chunks.read(text, REQUIRED, OPTIONAL)
    if missing:
        report.errors.append((1, cells.RowError("missing-columns", missing)))
        return [], report
    report.errors += bad
    good = []
    for line, row in raw:
        try:
            number = normalise_number(cells.text(row, "number", NUMBER_MAX))
            if len(number) > NUMBER_MAX:
                raise cells.RowError("too-long", "number", max=NUMBER_MAX)
            muni_id = municipalities.get(row["municipality_code"])
            if muni_id is None:
                raise cells.RowError("unknown-municipality", "municipality_code")
            person = _person(row, muni_id, today)
            status = cells.choice(row, "status", CertStatus, STATUS_NAMES)
            if status not in IMPORTED:
                raise cells.RowError("unknown-value", "status")
            balance = None
            if status == CertStatus.FUNDED and "balance_rub" in header:
                balance = cells.kopecks(row, "balance_rub")
        except cells.RowError as exc:
            report.errors.append((line, exc))
            continue
        good.append(Row(line, number, person, status, balance, header))
    report.errors.sort(key=lambda e: e[0])
    return good, report
