"""`import-certificates FILE`: the region's certificate register, for families who already
hold a number from the regional navigator.

Each row is one certificate: its number, the child, the municipality, the status and the
balance for the current period. A new number becomes a register entry waiting for its
family: a certificate with no child yet (its data confirmed by the region, so no visit to
the МОЦ), the child's data kept beside it until a parent links the number, and the
balance credited under the same ledger key as this year's credit, so it is never credited
twice.

A re-import never undoes a family's choice (issue 24 item 4): a number linked in the chat
is left as it is; a certificate whose family withdrew its data (only keyed digests left)
gets no name back; a closed certificate is not reopened; a funded status the
municipality's quota has no room for is imported as an accounting certificate. Each
import counts what it added, changed and left alone (and why).

At scale (issue 25): the file is read and checked first, bad cells reported by row and
column; the good rows are then applied a chunk at a time (core.rules.import_chunks),
each chunk a short transaction of its own, so a family's action waits for one chunk at
most. With ``all_or_nothing`` a file with a bad cell changes nothing. Optional columns
(patronymic, snils, balance_rub) left out of the file keep what is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select

from core.errors import DomainError
from core.ledger.ledger import post
from core.register import register
from core.register.register_rows import (
    CLOSED,
    LINKED,
    WITHDRAWN,
    RegisterReport,
    Row,
    parse,
)
from core.rules import import_cells as cells
from core.rules import import_chunks
from core.rules.calendar import school_year_of
from core.rules.enrolment import CertStatus
from core.storage import locks
from core.storage.db import Database, UnitOfWork
from core.storage.models import Certificate, Municipality, MunicipalityYear, RegisterEntry

logger = logging.getLogger(__name__)


async def _municipalities(uow: UnitOfWork) -> dict[str, int]:
    return dict((await uow.session.execute(select(Municipality.code, Municipality.id))).all())


async def import_certificates(
    uow: UnitOfWork, text: str, *, all_or_nothing: bool = False
) -> RegisterReport:
    """The whole file in the caller's unit of work (small files, tests)."""
    rows, report = parse(text, await _municipalities(uow), uow.today)
    if report.errors and all_or_nothing:
        report.applied = False
        return report
    report.add(await apply(uow, rows))
    report.errors.sort(key=lambda e: e[0])
    _log(report)
    return report


async def import_register(
    db: Database,
    text: str,
    *,
    all_or_nothing: bool = False,
    chunk: int = import_chunks.CHUNK,
    budget: float = import_chunks.BUDGET,
) -> RegisterReport:
    """The file applied a chunk at a time, each chunk committed on its own: at most
    ``chunk`` rows, and no more rows once ``budget`` seconds have passed in it."""
    async with db.reader() as uow:
        munis = await _municipalities(uow)
    rows, report = parse(text, munis, db.today())
    if report.errors and all_or_nothing:
        report.applied = False
        return report
    start = 0
    while start < len(rows):
        done, part = await db.run(apply_some, rows[start : start + chunk], budget)
        report.add(part)
        start += done
    report.errors.sort(key=lambda e: e[0])
    _log(report)
    return report


def _log(report: RegisterReport) -> None:
    logger.info(
        "register import: %d new, %d changed, %d unchanged, left alone %s, %d over quota, "
        "%d bad rows",
        report.created,
        report.updated,
        report.unchanged,
        dict(report.left),
        len(report.over_quota),
        len(report.errors),
    )


async def apply(uow: UnitOfWork, rows: Sequence[Row]) -> RegisterReport:
    """Every row in the caller's unit of work."""
    return (await apply_some(uow, rows, None))[1]


async def apply_some(
    uow: UnitOfWork, rows: Sequence[Row], budget: float | None
) -> tuple[int, RegisterReport]:
    """One chunk: the rows applied (at least one; none begun once ``budget`` seconds have
    passed), and what they came to. Takes the ledger gate exclusively (it credits
    balances and counts the quota), for this chunk only."""
    await locks.gate(uow, exclusive=True)
    started = time.monotonic()
    year = school_year_of(uow.today)
    report = RegisterReport()
    quota = _Quota(year)
    done = 0
    for row in rows:
        if done and budget is not None and time.monotonic() - started >= budget:
            break
        done += 1
        try:
            # every refusal comes before the row writes anything: no savepoint needed
            outcome, over = await _upsert(uow, row, year, quota)
        except cells.RowError as exc:
            report.errors.append((row.line, exc))
            continue
        if over:
            report.over_quota.append(row.line)
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        elif outcome == "unchanged":
            report.unchanged += 1
        else:
            report.left[outcome] += 1
    return done, report


class _Quota:
    """The funded certificates each municipality may still get, read once a chunk (the
    chunk holds the gate exclusively: nobody else funds meanwhile)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.left: dict[int, int] = {}

    async def room(self, uow: UnitOfWork, municipality_id: int) -> bool:
        if municipality_id not in self.left:
            quota = await uow.session.scalar(
                select(MunicipalityYear.funded_quota).where(
                    MunicipalityYear.municipality_id == municipality_id,
                    MunicipalityYear.school_year == self.year,
                )
            )
            funded = await uow.session.scalar(
                select(func.count())
                .select_from(Certificate)
                .where(
                    Certificate.municipality_id == municipality_id,
                    Certificate.status == CertStatus.FUNDED.value,
                )
            )
            self.left[municipality_id] = int(quota or 0) - int(funded or 0)
        return self.left[municipality_id] > 0

    async def took(self, uow: UnitOfWork, municipality_id: int, delta: int) -> None:
        """Before the row's own change is written: the count read is the one before it."""
        await self.room(uow, municipality_id)
        self.left[municipality_id] -= delta


def _state(cert: Certificate | None, entry: RegisterEntry | None) -> tuple[object, ...]:
    if cert is None or entry is None:
        return ()
    return (
        cert.status,
        cert.municipality_id,
        cert.snils_key,
        cert.person_key,
        entry.surname,
        entry.name,
        entry.patronymic,
        entry.birth_date,
        entry.snils,
    )


async def _upsert(uow: UnitOfWork, row: Row, year: int, quota: _Quota) -> tuple[str, bool]:
    """What happened to the row (created, updated, unchanged, or why it was left alone),
    and whether its funded status was refused for want of quota."""
    person = row.person
    cert = await uow.session.scalar(select(Certificate).where(Certificate.number == row.number))
    entry = None
    if cert is not None:
        if cert.child_id is not None:
            return LINKED, False  # the family's own now: not touched
        entry = await uow.session.get(RegisterEntry, cert.id)
        if entry is None:
            # the family withdrew its data: only keyed digests stay, no name comes back
            return WITHDRAWN, False
        if cert.status == CertStatus.CLOSED:
            return CLOSED, False
    try:
        # the child registered in the chat already, with a certificate of the chat's: the
        # operator reconciles the two by hand, nothing is merged silently
        await register.check_not_registered(uow, 0, person)
    except DomainError as exc:
        raise cells.RowError("child-in-chat", "number") from exc
    # a column left out keeps what is stored
    if entry is not None and "patronymic" not in row.columns:
        person = replace(person, patronymic=entry.patronymic)
    if entry is not None and "snils" not in row.columns:
        person = replace(person, snils=entry.snils)
    keys = register.keys(uow, person)
    if keys.snils_key is not None:
        taken = await uow.session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.snils_key == keys.snils_key, Certificate.number != row.number)
        )
        if taken:
            raise cells.RowError("snils-twice", "snils")
    status, over = row.status, False
    already_funded = cert is not None and cert.status == CertStatus.FUNDED
    wants_funding = status == CertStatus.FUNDED and not already_funded
    if wants_funding and not await quota.room(uow, person.municipality_id):
        status, over = CertStatus.ACCOUNTING, True
    if cert is not None and already_funded:
        await quota.took(uow, cert.municipality_id, -1)  # counted again if it stays funded
    if status == CertStatus.FUNDED:
        await quota.took(uow, person.municipality_id, 1)
    before = _state(cert, entry)
    created = cert is None
    if cert is None:
        cert = Certificate(
            number=row.number,
            municipality_id=person.municipality_id,
            status=status.value,
            issued_at=uow.now,
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
    if entry is None:
        entry = RegisterEntry(certificate_id=cert.id)
        uow.session.add(entry)
    entry.surname, entry.name, entry.patronymic = person.surname, person.name, person.patronymic
    entry.birth_date, entry.snils = person.birth_date, person.snils
    credited = False
    if status == CertStatus.FUNDED and row.balance:
        # the same key as the queue's credit for this year: one credit a year, whoever
        # makes it first
        credited = await post(
            uow,
            certificate_id=cert.id,
            kind="credit",
            key=f"credit:{cert.id}:{year}",
            total_delta=row.balance,
        )
    await uow.session.flush()
    if created:
        return "created", over
    return ("updated" if credited or _state(cert, entry) != before else "unchanged"), over
