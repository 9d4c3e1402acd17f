"""Operator imports: the catalogue and municipalities' yearly settings from CSV.

Formats are documented in docs/import.md. Re-import updates by the external ids and never
duplicates; a bad row is reported with its line number and the good rows still land.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, update

from core.rules.calendar import Period
from core.rules.catalog import Direction, Register
from core.rules.schedule import effective, parse_class_days
from core.rules.text import fold
from core.services import import_cells as cells
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


def parse_catalog_row(row: dict[str, str]) -> dict[str, Any]:
    age_min = cells.integer(row, "age_min", 0, 18)
    age_max = cells.integer(row, "age_max", 0, 18)
    if age_min > age_max:
        raise cells.RowError("ages-reversed", "age_min")
    return {
        "provider_id": cells.text(row, "provider_id", 40),
        "provider_name": cells.text(row, "provider_name", 300),
        "art_school": cells.flag(row, "art_school"),
        "program_id": cells.text(row, "program_id", 40),
        "program_name": cells.text(row, "program_name", 300),
        "description": cells.text(row, "description", 4000, required=False),
        "municipality_code": cells.text(row, "municipality_code", 40),
        "address": cells.text(row, "address", 300, required=False),
        "lat": cells.decimal(row, "lat", 90),
        "lon": cells.decimal(row, "lon", 180),
        "direction": cells.choice(row, "direction", Direction, DIRECTION_NAMES),
        "register": cells.choice(row, "register", Register, REGISTER_NAMES),
        "age_min": age_min,
        "age_max": age_max,
        "price": cells.kopecks(row, "price_rub"),
        "month_start": cells.integer(row, "month_start", 1, 12),
        "month_end": cells.integer(row, "month_end", 1, 12),
        "group_id": cells.text(row, "group_id", 40),
        "group_name": cells.text(row, "group_name", 200),
        "schedule": cells.text(row, "schedule", 300, required=False),
        "seats": cells.integer(row, "seats", 0, 10_000),
    }


async def import_catalog(uow: UnitOfWork, text: str) -> cells.ImportReport:
    report = cells.ImportReport()
    rows, problem = cells.rows(text, CATALOG_COLUMNS)
    if problem:
        report.errors.append((1, cells.RowError("missing-columns", problem)))
        return report
    # seats are compared with what is taken: no application moves them meanwhile
    await locks.gate(uow, exclusive=True)
    munis = dict((await uow.session.execute(select(Municipality.code, Municipality.id))).all())
    touched: set[int] = set()
    for line, raw in rows:
        try:
            data = parse_catalog_row(raw)
            if data["municipality_code"] not in munis:
                raise cells.RowError("unknown-municipality", "municipality_code")
            async with uow.session.begin_nested():
                created, program_id = await _upsert(uow, data, munis[data["municipality_code"]])
        except cells.RowError as exc:
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
        raise cells.RowError("other-provider", "program_id")
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
        raise cells.RowError("other-program", "group_id")
    elif d["seats"] < group.taken:
        raise cells.RowError("seats-below-taken", "seats")
    group.program_id = program.id
    group.name = d["group_name"]
    group.schedule = d["schedule"]
    group.class_days = effective(parse_class_days(d["schedule"]))
    group.seats = d["seats"]
    await s.flush()
    return created, program.id


async def import_municipalities(uow: UnitOfWork, text: str) -> cells.ImportReport:
    """A raised quota funds waiting certificates at once, in queue order."""
    report = cells.ImportReport()
    rows, problem = cells.rows(text, MUNICIPALITY_COLUMNS)
    if problem:
        report.errors.append((1, cells.RowError("missing-columns", problem)))
        return report
    changed: set[int] = set()
    for line, row in rows:
        try:
            code = cells.text(row, "code", 40)
            name = cells.text(row, "name", 200)
            region = cells.text(row, "region", 200, required=False)
            year = cells.integer(row, "school_year", 2000, 2100)
            quota = cells.integer(row, "funded_quota", 0, 10_000_000)
            nominal = cells.kopecks(row, "nominal_rub")
            limits = {c: cells.limit(row, c) for c in ("budget_programs_limit", *LIMIT_COLUMNS)}
            prorate = (
                cells.flag(row, "prorate_current_month")
                if row.get("prorate_current_month")
                else True
            )
            opens = cells.day(row, "applications_open")
            period = (
                cells.choice(row, "funding_period", Period, PERIOD_NAMES)
                if row.get("funding_period")
                else Period.SCHOOL
            )
            # how long a freed seat is held for the first of a waiting list
            hold = (
                cells.integer(row, "seat_hold_hours", 1, 24 * 14)
                if row.get("seat_hold_hours")
                else 24
            )
            sizes = zip(OFFICE_COLUMNS, (300, 200, 40), strict=True)
            office = {c: cells.text(row, c, n, required=False) for c, n in sizes}
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
                for limit_column, limit in limits.items():
                    setattr(settings, limit_column, limit)
                settings.prorate_current_month = prorate
                settings.applications_open_on = opens
                await uow.session.flush()
        except cells.RowError as exc:
            report.errors.append((line, exc))
            continue
        changed.add(muni.id)
        report.created += created
        report.updated += not created
    for muni_id in sorted(changed):
        await grant_from_queue(uow, muni_id)
    return report
