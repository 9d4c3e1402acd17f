"""What each organisation is owed for a closed month: the sum of that month's debits of
its contracts (applications), read from the ledger in one set-based query.

The same rows make the provider's month (its staff's screen and file) and the operator's
payment register (`payments YYYY-MM`, every organisation): one row per contract, the
child as the application has it, the class days paid of the month's class days, and the
amount; a total per organisation that is, by construction, the sum of the ledger's debit
entries of that month for its programs (a test computes both independently).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, insert, literal, select
from sqlalchemy.orm import InstrumentedAttribute

from core.catalogue.views import provider_ids
from core.enrolment import attendance
from core.errors import DomainError
from core.outbox.outbox import OUTBOX_COLS
from core.rules.calendar import month_bounds, month_label
from core.rules.schedule import ATTENDANCE, basis, class_days
from core.storage.db import UnitOfWork
from core.storage.models import (
    Application,
    Certificate,
    Child,
    Group,
    LedgerEntry,
    MonthClose,
    Municipality,
    Outbox,
    Program,
    Provider,
    Role,
)

MONTHS_SHOWN = 24  # closed months a provider's staff may page back through


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One contract's debit of the month."""

    provider_id: int
    provider_code: str  # the catalogue's id of the organisation
    provider: str
    municipality: str  # its code
    program: str
    group: str
    application_id: int
    child: str  # full name; empty once the family's data were erased
    certificate: str  # its number ("" when none)
    days: int  # class days of the month within the studies (attendance rule: attended)
    month_days: int  # class days of the month in the group's schedule
    amount: int  # kopecks


@dataclass(frozen=True, slots=True)
class ProviderTotal:
    provider_id: int
    provider_code: str
    provider: str
    contracts: int
    amount: int  # kopecks


@dataclass(frozen=True, slots=True)
class ProviderMonth:
    """A provider's staff's view of a closed month (all the organisations they serve)."""

    month: int | None  # None: no month has been closed with a debit of theirs yet
    lines: list[PaymentLine]
    totals: list[ProviderTotal]
    months: list[int]  # the closed months with their debits, newest first

    @property
    def total(self) -> int:
        return sum(t.amount for t in self.totals)


def _debits(month: int) -> ColumnElement[bool]:
    """The month's debit entries: only a close writes them, under its batch (indexed)."""
    return and_(
        LedgerEntry.batch == f"close:{month_label(month)}",
        LedgerEntry.kind == "debit",
        LedgerEntry.month == month,
    )


def _line_keys() -> tuple[InstrumentedAttribute[Any], ...]:
    """One payment line's key: what it selects and groups by (the same columns)."""
    return (
        Provider.id,
        Provider.external_id,
        Provider.name,
        Municipality.code,
        Program.name,
        Group.name,
        Group.class_days,
        Municipality.debit_rule,
        Application.id,
        Application.start_day,
        Application.end_day,
        Child.surname,
        Child.name,
        Child.patronymic,
        Certificate.number,
    )


async def lines(
    uow: UnitOfWork, month: int, providers: Iterable[int] | None = None
) -> list[PaymentLine]:
    """The month's debits, one row per contract, by organisation, program, group, child.
    ``providers``: only theirs (None: every organisation)."""
    query = (
        select(*_line_keys(), func.sum(-LedgerEntry.total_delta))
        .select_from(LedgerEntry)
        .join(Application, Application.id == LedgerEntry.application_id)
        .join(Program, Program.id == Application.program_id)
        .join(Provider, Provider.id == Program.provider_id)
        .join(Municipality, Municipality.id == Program.municipality_id)
        .join(Group, Group.id == Application.group_id)
        .join(Certificate, Certificate.id == LedgerEntry.certificate_id)
        .outerjoin(Child, Child.id == Application.child_id)
        .where(_debits(month))
        .group_by(*_line_keys())
        .order_by(Provider.name, Provider.id, Program.name, Group.name, Child.surname, Child.name)
    )
    if providers is not None:
        query = query.where(Provider.id.in_(list(providers)))
    first, last = month_bounds(month)
    out = []
    found: list[Any] = list((await uow.session.execute(query)).all())
    # under the attendance rule the classes attended were paid: the days marked absent
    # within the studies are not counted
    absent = await attendance.absent_days(
        uow, [r[8] for r in found if r[7] == ATTENDANCE], first, last
    )
    for row in found:
        (pid, code, provider, muni, program, group, mask, rule, app_id, start, end) = row[:11]
        surname, name, patronymic, number, amount = row[11:]
        if start:
            days, _ = basis(
                first,
                last,
                mask,
                date.fromordinal(start),
                date.fromordinal(end) if end else None,
                absent.get(app_id, frozenset()),
                rule,
            )
        else:
            days = class_days(first, last, mask)
        child = " ".join(p for p in (surname, name, patronymic) if p)
        out.append(
            PaymentLine(
                pid,
                code,
                provider,
                muni,
                program,
                group,
                app_id,
                child,
                number or "",
                days,
                class_days(first, last, mask),
                int(amount or 0),
            )
        )
    return out


def totals(rows: Iterable[PaymentLine]) -> list[ProviderTotal]:
    """Per organisation, in the rows' order."""
    by: dict[int, ProviderTotal] = {}
    for r in rows:
        t = by.get(r.provider_id)
        by[r.provider_id] = ProviderTotal(
            r.provider_id,
            r.provider_code,
            r.provider,
            (t.contracts if t else 0) + 1,
            (t.amount if t else 0) + r.amount,
        )
    return list(by.values())


async def register(uow: UnitOfWork, month: int) -> list[PaymentLine]:
    """The operator's payment register of a closed month (refused for a month not closed:
    its debits are not final)."""
    if await uow.session.get(MonthClose, month) is None:
        raise DomainError("month_not_closed", month=month_label(month))
    return await lines(uow, month)


async def provider_month(uow: UnitOfWork, staff_id: int, month: int | None) -> ProviderMonth:
    """What the staff member's organisations are owed for ``month`` (their latest closed
    month with debits when None). Someone without the role is refused."""
    providers = await provider_ids(uow, staff_id)
    if not providers:
        raise DomainError("not_allowed")
    months = [
        m
        for m in await uow.session.scalars(
            select(LedgerEntry.month)
            .select_from(Program)
            .join(Application, Application.program_id == Program.id)
            .join(LedgerEntry, LedgerEntry.application_id == Application.id)
            .where(Program.provider_id.in_(providers), LedgerEntry.kind == "debit")
            .group_by(LedgerEntry.month)
            .order_by(LedgerEntry.month.desc())
            .limit(MONTHS_SHOWN)
        )
        if m is not None
    ]
    if month is None or month not in months:
        month = months[0] if months else None
    if month is None:
        return ProviderMonth(None, [], [], [])
    rows = await lines(uow, month, providers)
    return ProviderMonth(month, rows, totals(rows), months)


async def notify_staff(uow: UnitOfWork, month: int) -> None:
    """After a close: one notice per staff member of the organisations with a debit in the
    month (its dedup key is the person and the month, so nothing is written twice).
    Set-based: one INSERT … SELECT."""
    owed = (
        select(Program.provider_id.label("provider_id"))
        .join(Application, Application.program_id == Program.id)
        .join(LedgerEntry, LedgerEntry.application_id == Application.id)
        .where(_debits(month))
        .group_by(Program.provider_id)
        .subquery()
    )
    staff = (
        select(Role.parent_id.label("parent_id"))
        .join(owed, owed.c.provider_id == Role.provider_id)
        .where(Role.role == "provider")
        .distinct()
        .subquery()
    )
    # one per person and month, whatever the number of organisations they serve (the
    # notice reads all of theirs when it is sent)
    key = literal("pmonth:") + cast(staff.c.parent_id, String) + literal(f":{month}")
    notices = select(
        staff.c.parent_id,
        literal("provider_month"),
        key,
        literal(month),
        literal("pending"),
        literal(0),
        literal(uow.now),
    ).where(~exists().where(Outbox.dedup_key == key))
    await uow.session.execute(insert(Outbox).from_select(OUTBOX_COLS, notices))


async def month_summary(uow: UnitOfWork, month: int) -> tuple[int, int, int]:
    """(kopecks debited, contracts debited, organisations owed) of a closed month, from
    the ledger."""
    row = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(-LedgerEntry.total_delta), 0),
                func.count(func.distinct(LedgerEntry.application_id)),
                func.count(func.distinct(Program.provider_id)),
            )
            .select_from(LedgerEntry)
            .join(Application, Application.id == LedgerEntry.application_id)
            .join(Program, Program.id == Application.program_id)
            .where(_debits(month))
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


# the file's columns, in order (the operator's register and the provider's file alike)
COLUMNS = (
    "municipality",
    "provider_id",
    "provider",
    "program",
    "group",
    "application",
    "child",
    "certificate",
    "class_days_paid",
    "class_days_in_month",
    "amount_rub",
)


def _rub(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{part:02d}"


def _table(month: int, rows: list[PaymentLine]) -> list[tuple[list[object], int]]:
    """One row per contract, after each organisation's rows its total: (cells but the
    amount, the amount in kopecks)."""
    out: list[tuple[list[object], int]] = []
    by_provider: dict[int, list[PaymentLine]] = {}
    for r in rows:
        by_provider.setdefault(r.provider_id, []).append(r)
    for group in by_provider.values():
        for r in group:
            cells: list[object] = [r.municipality, r.provider_code, r.provider, r.program]
            cells += [r.group, r.application_id, r.child, r.certificate, r.days, r.month_days]
            out.append((cells, r.amount))
        head = group[0]
        total: list[object] = [head.municipality, head.provider_code, head.provider]
        total += [f"{TOTAL} {month_label(month)}", "", "", "", "", "", ""]
        out.append((total, sum(r.amount for r in group)))
    return out


TOTAL = "TOTAL"  # the program cell of an organisation's total row


def to_csv(month: int, rows: list[PaymentLine]) -> bytes:
    """UTF-8 with a BOM (a spreadsheet opens the Cyrillic right), amounts in roubles with
    kopecks after a point."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for cells, amount in _table(month, rows):
        writer.writerow([*cells, _rub(amount)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(month: int, rows: list[PaymentLine]) -> bytes:
    """One sheet named after the month; amounts as exact decimals in roubles."""
    from openpyxl import Workbook  # imported on use: the bot starts without loading it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(month_label(month))
    sheet.append(list(COLUMNS))
    for cells, amount in _table(month, rows):
        sheet.append([*cells, Decimal(amount).scaleb(-2)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
