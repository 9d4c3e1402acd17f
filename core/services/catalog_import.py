"""Operator imports: the catalogue and municipalities' yearly settings from CSV.

Formats are documented in docs/import.md. Re-import updates by the external ids and never
duplicates; a bad row is reported with its line number and the good rows still land.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update

from core.rules.calendar import Period
from core.rules.catalog import Direction, Register
from core.rules.text import fold
from core.services.certificates import grant_from_queue
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.models import Group, Municipality, MunicipalityYear, Program, Provider

logger = logging.getLogger(__name__)

CATALOG_COLUMNS = (
    "provider_id",
    "provider_name",
    "art_school",
    "program_id",
    "program_name",
    "description",
    "municipality_code",
    "address",
    "lat",
    "lon",
    "direction",
    "register",
    "age_min",
    "age_max",
    "price_rub",
    "month_start",
    "month_end",
    "group_id",
    "group_name",
    "schedule",
    "seats",
)
MUNICIPALITY_COLUMNS = (
    "code",
    "name",
    "region",
    "school_year",
    "funded_quota",
    "nominal_rub",
    "budget_programs_limit",
)
# optional: where a file leaves them out (or blank), a limit is "not set", the pro-rating
# includes the current month, the МОЦ's contacts are empty
LIMIT_COLUMNS = ("limit_significant", "limit_preprofessional", "limit_other")
OFFICE_COLUMNS = ("office_address", "office_hours", "office_phone")
OPTIONAL_MUNICIPALITY_COLUMNS = (
    *LIMIT_COLUMNS,
    "prorate_current_month",
    "applications_open",
    "funding_period",
    "seat_hold_hours",
    *OFFICE_COLUMNS,
)
PERIOD_NAMES = {"учебный": Period.SCHOOL, "календарный": Period.CALENDAR}
DIRECTION_NAMES = {
    "техническая": Direction.TECHNICAL,
    "естественнонаучная": Direction.SCIENCE,
    "физкультурно-спортивная": Direction.SPORTS,
    "художественная": Direction.ARTS,
    "туристско-краеведческая": Direction.TOURISM,
    "социально-гуманитарная": Direction.SOCIAL,
}
REGISTER_NAMES = {
    "сертифицированные": Register.CERTIFIED,
    "значимые": Register.SIGNIFICANT,
    "предпрофессиональные": Register.PREPROFESSIONAL,
    "иные": Register.OTHER,
}
YES = {"1", "да", "yes", "true", "y", "д"}
NO = {"0", "нет", "no", "false", "n", "н", ""}


class RowError(ValueError):
    """A bad cell: a code (the locale key import-<code>), the column and the limits."""

    def __init__(self, code: str, column: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.params = params


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, RowError]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(text: str, columns: tuple[str, ...]) -> tuple[list[tuple[int, dict[str, str]]], str]:
    text = text.lstrip("\ufeff")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        return [], ", ".join(missing)
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows, ""


def _int(row: dict[str, str], col: str, lo: int, hi: int) -> int:
    try:
        value = int(row[col])
    except ValueError as exc:
        raise RowError("not-integer", col) from exc
    if not lo <= value <= hi:
        raise RowError("out-of-range", col, min=lo, max=hi)
    return value


def _kopecks(row: dict[str, str], col: str) -> int:
    try:
        value = Decimal(row[col].replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise RowError("not-amount", col) from exc
    if value < 0 or value > Decimal(10_000_000) or value != value.quantize(Decimal("0.01")):
        raise RowError("bad-amount", col)
    return int(value * 100)


def _float(row: dict[str, str], col: str, limit: float) -> float | None:
    if not row[col]:
        return None
    try:
        value = float(row[col].replace(",", "."))
    except ValueError as exc:
        raise RowError("not-number", col) from exc
    if not -limit <= value <= limit:
        raise RowError("coordinate-range", col)
    return value


def _date(row: dict[str, str], col: str) -> date | None:
    value = row.get(col, "")
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError("not-date", col)


def _limit(row: dict[str, str], col: str) -> int | None:
    return _int(row, col, 0, 100) if row.get(col) else None


def _text(row: dict[str, str], col: str, limit: int, required: bool = True) -> str:
    value = row.get(col, "")
    if required and not value:
        raise RowError("empty", col)
    if len(value) > limit:
        raise RowError("too-long", col, max=limit)
    return value


def _choice(row: dict[str, str], col: str, enum: Any, names: dict[str, Any]) -> Any:
    value = row[col].casefold().replace("ё", "е")
    if value in names:
        return names[value]
    try:
        return enum(value)
    except ValueError as exc:
        raise RowError("unknown-value", col) from exc


def _bool(row: dict[str, str], col: str) -> bool:
    value = row[col].casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError("not-yes-no", col)


def parse_catalog_row(row: dict[str, str]) -> dict[str, Any]:
    age_min = _int(row, "age_min", 0, 18)
    age_max = _int(row, "age_max", 0, 18)
    if age_min > age_max:
        raise RowError("ages-reversed", "age_min")
    return {
        "provider_id": _text(row, "provider_id", 40),
        "provider_name": _text(row, "provider_name", 300),
        "art_school": _bool(row, "art_school"),
        "program_id": _text(row, "program_id", 40),
        "program_name": _text(row, "program_name", 300),
        "description": _text(row, "description", 4000, required=False),
        "municipality_code": _text(row, "municipality_code", 40),
        "address": _text(row, "address", 300, required=False),
        "lat": _float(row, "lat", 90),
        "lon": _float(row, "lon", 180),
        "direction": _choice(row, "direction", Direction, DIRECTION_NAMES),
        "register": _choice(row, "register", Register, REGISTER_NAMES),
        "age_min": age_min,
        "age_max": age_max,
        "price": _kopecks(row, "price_rub"),
        "month_start": _int(row, "month_start", 1, 12),
        "month_end": _int(row, "month_end", 1, 12),
        "group_id": _text(row, "group_id", 40),
        "group_name": _text(row, "group_name", 200),
        "schedule": _text(row, "schedule", 300, required=False),
        "seats": _int(row, "seats", 0, 10_000),
    }


async def import_catalog(uow: UnitOfWork, text: str) -> ImportReport:
    report = ImportReport()
    rows, problem = _rows(text, CATALOG_COLUMNS)
    if problem:
        report.errors.append((1, RowError("missing-columns", problem)))
        return report
    # seats are compared with what is taken: no application moves them meanwhile
    await locks.gate(uow, exclusive=True)
    munis = dict((await uow.session.execute(select(Municipality.code, Municipality.id))).all())
    touched: set[int] = set()
    for line, raw in rows:
        try:
            data = parse_catalog_row(raw)
            if data["municipality_code"] not in munis:
                raise RowError("unknown-municipality", "municipality_code")
            async with uow.session.begin_nested():
                created, program_id = await _upsert(uow, data, munis[data["municipality_code"]])
        except RowError as exc:
            report.errors.append((line, exc))
            continue
        touched.add(program_id)
        if created:
            report.created += 1
        else:
            report.updated += 1
    if touched:
        free = (
            select(func.coalesce(func.sum(Group.seats - Group.taken), 0))
            .where(Group.program_id == Program.id)
            .scalar_subquery()
        )
        await uow.session.execute(
            update(Program)
            .where(Program.id.in_(touched))
            .values(free_seats=free)
            .execution_options(synchronize_session=False)
        )
    logger.info(
        "catalogue import: %d created, %d updated, %d bad rows",
        report.created,
        report.updated,
        len(report.errors),
    )
    return report


async def _upsert(uow: UnitOfWork, d: dict[str, Any], municipality_id: int) -> tuple[bool, int]:
    s = uow.session
    provider = await s.scalar(select(Provider).where(Provider.external_id == d["provider_id"]))
    if provider is None:
        provider = Provider(external_id=d["provider_id"])
        s.add(provider)
    provider.name = d["provider_name"]
    provider.art_school = d["art_school"]
    await s.flush()
    program = await s.scalar(select(Program).where(Program.external_id == d["program_id"]))
    if program is None:
        program = Program(external_id=d["program_id"], free_seats=0, active=True)
        s.add(program)
    elif program.provider_id != provider.id:
        raise RowError("other-provider", "program_id")
    program.provider_id = provider.id
    program.municipality_id = municipality_id
    program.name = d["program_name"]
    program.name_folded = fold(d["program_name"])
    program.description = d["description"]
    program.search_text = fold(" ".join((d["program_name"], d["provider_name"], d["description"])))
    program.address = d["address"]
    program.lat, program.lon = d["lat"], d["lon"]
    program.direction = d["direction"].value
    program.register = d["register"].value
    program.age_min, program.age_max = d["age_min"], d["age_max"]
    program.price = d["price"]
    program.start_month, program.end_month = d["month_start"], d["month_end"]
    await s.flush()
    group = await s.scalar(select(Group).where(Group.external_id == d["group_id"]))
    created = group is None
    if group is None:
        group = Group(external_id=d["group_id"], taken=0)
        s.add(group)
    elif group.program_id != program.id:
        raise RowError("other-program", "group_id")
    elif d["seats"] < group.taken:
        raise RowError("seats-below-taken", "seats")
    group.program_id = program.id
    group.name = d["group_name"]
    group.schedule = d["schedule"]
    group.seats = d["seats"]
    await s.flush()
    return created, program.id


async def import_municipalities(uow: UnitOfWork, text: str) -> ImportReport:
    """A raised quota funds waiting certificates at once, in queue order."""
    report = ImportReport()
    rows, problem = _rows(text, MUNICIPALITY_COLUMNS)
    if problem:
        report.errors.append((1, RowError("missing-columns", problem)))
        return report
    changed: set[int] = set()
    for line, row in rows:
        try:
            code = _text(row, "code", 40)
            name = _text(row, "name", 200)
            region = _text(row, "region", 200, required=False)
            year = _int(row, "school_year", 2000, 2100)
            quota = _int(row, "funded_quota", 0, 10_000_000)
            nominal = _kopecks(row, "nominal_rub")
            limits = {c: _limit(row, c) for c in ("budget_programs_limit", *LIMIT_COLUMNS)}
            prorate = (
                _bool(row, "prorate_current_month") if row.get("prorate_current_month") else True
            )
            opens = _date(row, "applications_open")
            period = (
                _choice(row, "funding_period", Period, PERIOD_NAMES)
                if row.get("funding_period")
                else Period.SCHOOL
            )
            # how long a freed seat is held for the first of a waiting list
            hold = _int(row, "seat_hold_hours", 1, 24 * 14) if row.get("seat_hold_hours") else 24
            sizes = zip(OFFICE_COLUMNS, (300, 200, 40), strict=True)
            office = {c: _text(row, c, n, required=False) for c, n in sizes}
            async with uow.session.begin_nested():
                muni = await uow.session.scalar(
                    select(Municipality).where(Municipality.code == code)
                )
                if muni is None:
                    muni = Municipality(code=code)
                    uow.session.add(muni)
                muni.name, muni.region = name, region
                muni.funding_period = period.value
                muni.seat_hold_hours = hold
                for column, value in office.items():
                    setattr(muni, column, value)
                await uow.session.flush()
                settings = await uow.session.scalar(
                    select(MunicipalityYear).where(
                        MunicipalityYear.municipality_id == muni.id,
                        MunicipalityYear.school_year == year,
                    )
                )
                created = settings is None
                if settings is None:
                    settings = MunicipalityYear(municipality_id=muni.id, school_year=year)
                    uow.session.add(settings)
                settings.funded_quota = quota
                settings.nominal = nominal
                for column, value in limits.items():
                    setattr(settings, column, value)
                settings.prorate_current_month = prorate
                settings.applications_open_on = opens
                await uow.session.flush()
        except RowError as exc:
            report.errors.append((line, exc))
            continue
        changed.add(muni.id)
        report.created += created
        report.updated += not created
    for muni_id in sorted(changed):
        await grant_from_queue(uow, muni_id)
    return report
