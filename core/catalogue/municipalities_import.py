"""`import-municipalities FILE`: each municipality's yearly settings from CSV (the quota,
the nominal, the budget limits, the funding period, the contract's text, the МОЦ's
contacts, the children counted). Formats are in docs/import.md; a re-import updates by the
code and never duplicates; a bad row is reported with its line number and the good rows
still land; a raised quota funds waiting certificates in queue order."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from core.catalogue.importing import (
    CHUNK_ROWS,
    TEMPLATE_MAX,
    breathe,
    finish,
    read_rows,
    whole_or_nothing,
)
from core.certificates.funding_queue import grant_from_queue
from core.enrolment import contracts, waiting_list
from core.rules import import_cells as cells
from core.rules.calendar import Period
from core.rules.schedule import DEBIT_RULE_NAMES, DebitRule
from core.storage import locks
from core.storage.db import Database, UnitOfWork
from core.storage.models import Municipality, MunicipalityYear

logger = logging.getLogger(__name__)

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
# the children aged 5–17 living there and the year counted (the reports' coverage)
CHILDREN_COLUMNS = ("children_5_17", "children_5_17_year")
OPTIONAL_MUNICIPALITY_COLUMNS = (
    *LIMIT_COLUMNS,
    "prorate_current_month",
    "applications_open",
    "funding_period",
    "seat_hold_hours",
    "offer_days",
    "contract_template",
    "debit_rule",
    *OFFICE_COLUMNS,
    *CHILDREN_COLUMNS,
)
PERIOD_NAMES = {"учебный": Period.SCHOOL, "календарный": Period.CALENDAR}


def parse_municipality_row(row: dict[str, str]) -> dict[str, Any]:
    """The row's values; an optional column the file leaves out is absent from the
    result, so what is stored is kept (a new municipality or year gets the default)."""
    d: dict[str, Any] = {
        "code": cells.text(row, "code", 40),
        "name": cells.text(row, "name", 200),
        "region": cells.text(row, "region", 200, required=False),
        "school_year": cells.integer(row, "school_year", 2000, 2100),
        "funded_quota": cells.integer(row, "funded_quota", 0, 10_000_000),
        "nominal": cells.kopecks(row, "nominal_rub"),
        "budget_programs_limit": cells.limit(row, "budget_programs_limit"),
    }
    for column in LIMIT_COLUMNS:
        if column in row:  # blank: not set
            d[column] = cells.limit(row, column)
    if "applications_open" in row:  # blank: no summer campaign
        d["applications_open_on"] = cells.day(row, "applications_open")
    if "prorate_current_month" in row:  # blank: the default, yes
        d["prorate_current_month"] = (
            cells.flag(row, "prorate_current_month") if row["prorate_current_month"] else True
        )
    if row.get("funding_period"):  # blank: as stored (school for a new municipality)
        d["funding_period"] = cells.choice(row, "funding_period", Period, PERIOD_NAMES).value
    if "seat_hold_hours" in row:  # blank: the default
        # how long a freed seat is held for the first of a waiting list
        d["seat_hold_hours"] = (
            cells.integer(row, "seat_hold_hours", 1, 24 * 14)
            if row["seat_hold_hours"]
            else waiting_list.HOLD_HOURS
        )
    if "offer_days" in row:  # blank: the default
        # a contract offered and not accepted within these days lapses
        d["offer_days"] = (
            cells.integer(row, "offer_days", 1, 60)
            if row["offer_days"]
            else contracts.DEFAULT_OFFER_DAYS
        )
    if "debit_rule" in row:  # blank: the default, by the group's class days
        # what a month's debit is based on: class days, or the classes attended
        d["debit_rule"] = (
            cells.choice(row, "debit_rule", DebitRule, DEBIT_RULE_NAMES).value
            if row["debit_rule"]
            else DebitRule.CLASS_DAYS.value
        )
    if "contract_template" in row:  # blank: the default text of the locales
        d["contract_template"] = (
            cells.text(row, "contract_template", TEMPLATE_MAX, required=False) or None
        )
    for column, size in zip(OFFICE_COLUMNS, (300, 200, 40), strict=True):
        if column in row:  # blank: no contact of that kind
            d[column] = cells.text(row, column, size, required=False)
    if "children_5_17" in row:  # blank: not known; a count needs the year it is for
        counted = bool(row["children_5_17"])
        d["children_5_17"] = (
            cells.integer(row, "children_5_17", 0, 10_000_000) if counted else None
        )
        d["children_5_17_year"] = (
            cells.integer(row, "children_5_17_year", 2000, 2100) if counted else None
        )
    return d


MUNICIPALITY_FIELDS = (
    "funding_period",
    "seat_hold_hours",
    "offer_days",
    "debit_rule",
    "contract_template",
    *OFFICE_COLUMNS,
    *CHILDREN_COLUMNS,
)
YEAR_FIELDS = (
    "budget_programs_limit",
    *LIMIT_COLUMNS,
    "prorate_current_month",
    "applications_open_on",
)


async def import_municipalities(uow: UnitOfWork, text: str) -> cells.ImportReport:
    """The whole file in the caller's transaction. A raised quota funds waiting
    certificates at once, in queue order."""
    report, parsed = read_rows(text, MUNICIPALITY_COLUMNS, parse_municipality_row)
    if parsed is None:
        return report
    await locks.imports(uow)
    await locks.gate(uow)
    changed = await _apply_municipalities(uow, parsed, report)
    for muni_id in sorted(changed):
        await grant_from_queue(uow, muni_id)
    finish("municipalities", report)
    return report


async def import_municipalities_file(
    db: Database, text: str, *, chunk: int = CHUNK_ROWS, all_or_nothing: bool = False
) -> cells.ImportReport:
    """The operator's import, a chunk per short transaction as ``import_catalogue_file``;
    then each changed municipality's funding queue moves, one per transaction."""
    report, parsed = read_rows(text, MUNICIPALITY_COLUMNS, parse_municipality_row)
    if parsed is None:
        return report
    if all_or_nothing:
        return await whole_or_nothing(db, text, report, import_municipalities)
    changed: set[int] = set()
    for n in range(0, len(parsed), chunk):
        part = parsed[n : n + chunk]
        try:
            changed |= await db.run(_municipalities_chunk, part, report)
        except Exception:  # reported: what landed before stays
            logger.exception("municipalities import stopped at line %d", part[0][0])
            report.stopped_at = part[0][0]
            break
        await breathe(db)
    for muni_id in sorted(changed):
        await db.run(_grant, muni_id)
    finish("municipalities", report)
    return report


async def _grant(uow: UnitOfWork, municipality_id: int) -> int:
    await locks.gate(uow)
    return await grant_from_queue(uow, municipality_id)


async def _municipalities_chunk(
    uow: UnitOfWork, part: list[tuple[int, dict[str, Any]]], report: cells.ImportReport
) -> set[int]:
    mine = cells.ImportReport()  # a retried chunk counts its rows once
    await locks.imports(uow)
    await locks.gate(uow)
    changed = await _apply_municipalities(uow, part, mine)
    report.add(mine)
    return changed


async def _apply_municipalities(
    uow: UnitOfWork, part: list[tuple[int, dict[str, Any]]], report: cells.ImportReport
) -> set[int]:
    s = uow.session
    changed: set[int] = set()
    for line, d in part:
        muni = await s.scalar(select(Municipality).where(Municipality.code == d["code"]))
        period = d.get("funding_period")
        if muni is not None and period is not None and period != muni.funding_period:
            # a municipality's money runs on its period: switching it mid-way would move
            # a year's money twice or never (docs/import.md)
            report.errors.append((line, cells.RowError("period-switch", "funding_period")))
            continue
        if muni is None:
            muni = Municipality(code=d["code"], funding_period=period or Period.SCHOOL.value)
            muni.seat_hold_hours = waiting_list.HOLD_HOURS
            s.add(muni)
        muni.name, muni.region = d["name"], d["region"]
        for column in MUNICIPALITY_FIELDS:
            if column in d:
                setattr(muni, column, d[column])
        await s.flush()
        settings = await s.scalar(
            select(MunicipalityYear).where(
                MunicipalityYear.municipality_id == muni.id,
                MunicipalityYear.school_year == d["school_year"],
            )
        )
        created = settings is None
        if settings is None:
            settings = MunicipalityYear(
                municipality_id=muni.id,
                school_year=d["school_year"],
                prorate_current_month=True,
            )
            s.add(settings)
        settings.funded_quota = d["funded_quota"]
        settings.nominal = d["nominal"]
        for column in YEAR_FIELDS:
            if column in d:
                setattr(settings, column, d[column])
        await s.flush()
        changed.add(muni.id)
        report.created += created
        report.updated += not created
    return changed
