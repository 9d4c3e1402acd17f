"""`import-certificates FILE`: the region's certificate register, for families who already
hold a number from the regional navigator.

Each row is one certificate: its number, the child, the municipality, the status and the
balance for the current period. A new number becomes a register entry waiting for its
family: a certificate with no child yet (its data confirmed by the region, so no visit to
the МОЦ), the child's data kept beside it until a parent links the number with the
child's birth date, and the balance credited under the same ledger key as this year's
credit, so it is never credited twice. A number already linked to a child in the chat is
left as it is; a number not yet linked is updated.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from core.errors import DomainError
from core.rules.calendar import school_year_of
from core.rules.enrolment import CertStatus
from core.rules.identity import Person
from core.rules.people import clean_name, parse_birth_date, parse_snils
from core.services import import_cells as cells
from core.services import register
from core.services.ledger import post
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Certificate, Municipality, RegisterEntry

logger = logging.getLogger(__name__)

COLUMNS = (
    "number",
    "surname",
    "name",
    "patronymic",
    "birth_date",
    "snils",
    "municipality_code",
    "status",
    "balance_rub",
)
STATUS_NAMES = {
    "учета": CertStatus.ACCOUNTING,
    "учёта": CertStatus.ACCOUNTING,
    "пф": CertStatus.FUNDED,
    "персонифицированного финансирования": CertStatus.FUNDED,
    "закрыт": CertStatus.CLOSED,
}
IMPORTED = {CertStatus.ACCOUNTING, CertStatus.FUNDED, CertStatus.CLOSED}
NUMBER_MAX = 20


def normalise_number(raw: str) -> str:
    """As printed or typed: spaces and case aside (a number may hold letters)."""
    return "".join(raw.split()).upper()[: NUMBER_MAX + 1]


def _person(row: dict[str, str], municipality_id: int, today) -> Person:
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


async def import_certificates(uow: UnitOfWork, text: str) -> cells.ImportReport:
    """Takes the ledger gate exclusively: the balances it credits move many certificates."""
    await locks.gate(uow, exclusive=True)
    report = cells.ImportReport()
    rows, problem = cells.rows(text, COLUMNS)
    if problem:
        report.errors.append((1, cells.RowError("missing-columns", problem)))
        return report
    today = uow.today
    year = school_year_of(today)
    for line, row in rows:
        try:
            number = normalise_number(cells.text(row, "number", NUMBER_MAX))
            if len(number) > NUMBER_MAX:
                raise cells.RowError("too-long", "number", max=NUMBER_MAX)
            muni_id = await uow.session.scalar(
                select(Municipality.id).where(Municipality.code == row["municipality_code"])
            )
            if muni_id is None:
                raise cells.RowError("unknown-municipality", "municipality_code")
            person = _person(row, muni_id, today)
            status = cells.choice(row, "status", CertStatus, STATUS_NAMES)
            if status not in IMPORTED:
                raise cells.RowError("unknown-value", "status")
            balance = cells.kopecks(row, "balance_rub") if status == CertStatus.FUNDED else 0
            async with uow.session.begin_nested():
                created = await _upsert(uow, number, person, status, balance, year)
        except cells.RowError as exc:
            report.errors.append((line, exc))
            continue
        if created is None:
            continue  # linked in the chat already: the family's entry is not touched
        report.created += created
        report.updated += not created
    logger.info("register import: %d new, %d updated", report.created, report.updated)
    return report


async def _upsert(
    uow: UnitOfWork, number: str, person: Person, status: CertStatus, balance: int, year: int
) -> bool | None:
    cert = await uow.session.scalar(select(Certificate).where(Certificate.number == number))
    if cert is not None and cert.child_id is not None:
        return None
    try:
        # the child registered in the chat already, with a certificate of the chat's: the
        # operator reconciles the two by hand, nothing is merged silently
        await register.check_not_registered(uow, 0, person)
    except DomainError as exc:
        raise cells.RowError("child-in-chat", "number") from exc
    keys = register.keys(uow, person)
    if keys.snils_key is not None:
        taken = await uow.session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.snils_key == keys.snils_key, Certificate.number != number)
        )
        if taken:
            raise cells.RowError("snils-twice", "snils")
    created = cert is None
    if cert is None:
        cert = Certificate(
            number=number,
            municipality_id=person.municipality_id,
            status=status.value,
            issued_at=uow.now,
            total=0,
            reserved=0,
        )
        uow.session.add(cert)
    cert.status = status.value
    cert.municipality_id = person.municipality_id
    cert.confirmed_at = cert.confirmed_at or uow.now  # confirmed by the region
    cert.snils_key, cert.person_key = keys.snils_key, keys.person_key
    if status == CertStatus.FUNDED:
        cert.funded_at = cert.funded_at or uow.now
        cert.funded_year = year
    await uow.session.flush()
    entry = await uow.session.get(RegisterEntry, cert.id)
    if entry is None:
        entry = RegisterEntry(certificate_id=cert.id)
        uow.session.add(entry)
    entry.surname, entry.name, entry.patronymic = person.surname, person.name, person.patronymic
    entry.birth_date, entry.snils = person.birth_date, person.snils
    if balance:
        # the same key as the queue's credit for this year: one credit a year, whoever
        # makes it first
        await post(
            uow,
            certificate_id=cert.id,
            kind="credit",
            key=f"credit:{cert.id}:{year}",
            total_delta=balance,
        )
    await uow.session.flush()
    return created
