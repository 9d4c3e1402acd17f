"""Operator imports: the catalogue and municipalities' yearly settings from CSV.

Formats are documented in docs/import.md. Re-import updates by the external ids and never
duplicates; a bad row is reported with its line number and the good rows still land.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from core.certificates.funding_queue import grant_from_queue
from core.enrolment import contracts, waiting_list
from core.rules import import_cells as cells
from core.rules.calendar import Period
from core.rules.catalogue import Direction, Register
from core.rules.schedule import DEBIT_RULE_NAMES, DebitRule, effective, parse_class_days
from core.rules.text import fold
from core.storage import locks
from core.storage.db import Database, UnitOfWork, is_sqlite
from core.storage.models import Group, Municipality, MunicipalityYear, Program, Provider

logger = logging.getLogger(__name__)
# rows a chunk of an operator's import (one short transaction each): a few hundred keep
# a family's write behind a chunk well under a second (bench/import_bench.py)
CHUNK_ROWS = 200
# SQLite: a writer waiting for the file's lock sleeps in its busy handler (up to 100 ms a
# try), so a loop of chunks would take the lock again before it wakes; a pause between
# chunks lets it in (PostgreSQL queues lock waiters in order and needs none)
SQLITE_PAUSE_S = 0.12

CATALOGUE_COLUMNS = (
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
TEMPLATE_MAX = 20_000  # a contract's text, in characters
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


def _optional_flag(row: dict[str, str], col: str) -> bool:
    return bool(row.get(col)) and cells.flag(row, col)


def parse_catalogue_row(row: dict[str, str]) -> dict[str, Any]:
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
        # optional: held online, suitable for children with disabilities (blank: no)
        "online": _optional_flag(row, "online"),
        "ovz": _optional_flag(row, "ovz"),
        # optional: who teaches the group (blank or left out: nobody named)
        "teacher": cells.text(row, "teacher", 200, required=False),
        # optional: the provider's own contract text (blank: as stored)
        "contract_template": cells.text(row, "contract_template", TEMPLATE_MAX, required=False),
    }


async def import_catalogue(uow: UnitOfWork, text: str) -> cells.ImportReport:
    """The whole file in the caller's one transaction (all or nothing when the caller
    commits only a clean report): the ledger gate is held exclusively meanwhile, so the
    seats added are offered to the waiting lists in the same transaction, and every
    family's write waits for the end. ``import_catalogue_file`` is the chunked one."""
    report, parsed = _parsed(text, CATALOGUE_COLUMNS, parse_catalogue_row)
    if parsed is None:
        return report
    await locks.imports(uow)
    await locks.gate(uow, exclusive=True)
    raised = await _apply_catalogue(uow, parsed, report)
    for group_id, program_id in sorted(raised.items()):
        await waiting_list.offer_free_seats(uow, group_id, program_id)
    _finish("catalogue", report)
    return report


async def _whole_or_nothing(
    db: Database,
    text: str,
    checked: cells.ImportReport,
    whole: Callable[[UnitOfWork, str], Awaitable[cells.ImportReport]],
) -> cells.ImportReport:
    """``--all-or-nothing``: nothing when a cell is bad (``checked``) or the database refuses
    a row; else the whole file in one transaction (families wait meanwhile)."""
    if checked.errors:
        checked.nothing_applied = True
        return checked
    async with db.uow() as uow:
        report = await whole(uow, text)
        if report.errors:
            report.nothing_applied = True
            return report  # rolled back: the unit of work is not committed
        await uow.commit()
    return report


async def import_catalogue_file(
    db: Database, text: str, *, chunk: int = CHUNK_ROWS, all_or_nothing: bool = False
) -> cells.ImportReport:
    """The operator's import: the rows applied a chunk per short transaction (the gate
    shared, the chunk's groups locked), so families act while a large file lands; the
    seats a chunk added are offered to the waiting lists after it, a group per
    transaction. A bad cell or row is reported and the rest imported. A chunk that
    fails leaves the chunks before it applied (``stopped_at``): re-running the same
    file is safe, it updates by the ids and changes nothing already right.

    ``all_or_nothing``: every cell is checked before anything is written, and then the
    file lands in one transaction only if no row is bad (families wait meanwhile)."""
    report, parsed = _parsed(text, CATALOGUE_COLUMNS, parse_catalogue_row)
    if parsed is None:
        return report
    if all_or_nothing:
        return await _whole_or_nothing(db, text, report, import_catalogue)
    longest = 0.0  # the longest chunk's transaction: what a family may wait behind
    for n in range(0, len(parsed), chunk):
        part = parsed[n : n + chunk]
        started = time.perf_counter()
        try:
            raised = await db.run(_catalog_chunk, part, report)
        except Exception:  # reported: what landed before stays
            logger.exception("catalogue import stopped at line %d", part[0][0])
            report.stopped_at = part[0][0]
            break
        longest = max(longest, time.perf_counter() - started)
        await waiting_list.fill_groups(db, raised)
        await _breathe(db)
    _finish("catalogue", report)
    logger.info("catalogue import: the longest chunk took %.0f ms", longest * 1000)
    return report


async def _catalog_chunk(
    uow: UnitOfWork, part: list[tuple[int, dict[str, Any]]], report: cells.ImportReport
) -> dict[int, int]:
    # a retried chunk (a deadlock) counts its rows once
    mine = cells.ImportReport()
    await locks.imports(uow)
    await locks.gate(uow)
    raised = await _apply_catalogue(uow, part, mine)
    report.add(mine)
    return raised


def _parsed(
    text: str, columns: tuple[str, ...], parse: Callable[[dict[str, str]], dict[str, Any]]
) -> tuple[cells.ImportReport, list[tuple[int, dict[str, Any]]] | None]:
    """Every cell checked before anything is written; the bad rows reported. None for
    the rows when a column is missing (reported: nothing can be read)."""
    report = cells.ImportReport()
    rows, problem = cells.rows(text, columns)
    if problem:
        report.errors.append((1, cells.RowError("missing-columns", problem)))
        return report, None
    parsed = []
    for line, raw in rows:
        try:
            parsed.append((line, parse(raw)))
        except cells.RowError as exc:
            report.errors.append((line, exc))
    return report, parsed


async def _apply_catalogue(
    uow: UnitOfWork, part: list[tuple[int, dict[str, Any]]], report: cells.ImportReport
) -> dict[int, int]:
    """Rows already parsed, in a few statements a chunk. The caller holds the gate.
    Returns the groups whose seats were raised (group id to program id).

    Lock order: the chunk's existing groups are locked first (in id order) and their
    seats checked against what is taken; only then are programs written and their free
    seats moved by the difference (step 6: groups, then programs), as a seat claim
    does, so a family's claim on one of these groups waits for the chunk and no longer."""
    s = uow.session
    munis = dict((await s.execute(select(Municipality.code, Municipality.id))).all())
    providers = {
        p.external_id: p
        for p in await s.scalars(
            select(Provider).where(Provider.external_id.in_({d["provider_id"] for _, d in part}))
        )
    }
    programs: dict[str, Program] = {}
    program_owner: dict[str, str] = {}  # program external id -> provider external id
    found = await s.execute(
        select(Program, Provider.external_id)
        .join(Provider, Provider.id == Program.provider_id)
        .where(Program.external_id.in_({d["program_id"] for _, d in part}))
    )
    for known, owner in found.all():
        programs[known.external_id] = known
        program_owner[known.external_id] = owner
    groups: dict[str, Group] = {}
    group_owner: dict[str, str] = {}  # group external id -> program external id
    locked = await s.execute(
        select(Group, Program.external_id)
        .join(Program, Program.id == Group.program_id)
        .where(Group.external_id.in_({d["group_id"] for _, d in part}))
        .order_by(Group.id)
        .with_for_update(of=Group, key_share=True)  # FOR NO KEY UPDATE: ids stay
        .execution_options(populate_existing=True)
    )
    for held, of_program in locked.all():
        groups[held.external_id] = held
        group_owner[held.external_id] = of_program
    # the rows in file order: a later row of the same id wins, as a re-import would
    wanted_providers: dict[str, dict[str, Any]] = {}
    wanted_programs: dict[str, dict[str, Any]] = {}
    wanted_groups: dict[str, dict[str, Any]] = {}
    seats_now = {ext: g.seats for ext, g in groups.items()}
    taken = {ext: g.taken for ext, g in groups.items()}
    for line, d in part:
        try:
            if d["municipality_code"] not in munis:
                raise cells.RowError("unknown-municipality", "municipality_code")
            owned_by = program_owner.get(d["program_id"])
            if owned_by is not None and owned_by != d["provider_id"]:
                raise cells.RowError("other-provider", "program_id")
            group_of = group_owner.get(d["group_id"])
            if group_of is not None and group_of != d["program_id"]:
                raise cells.RowError("other-program", "group_id")
            # lowering a group's seats below the children it holds is refused: nobody
            # is put out of a group by a file; the row says so and the group keeps its
            # seats until enough leave
            if d["seats"] < taken.get(d["group_id"], 0):
                raise cells.RowError("seats-below-taken", "seats")
        except cells.RowError as exc:
            report.errors.append((line, exc))
            continue
        program_owner[d["program_id"]] = d["provider_id"]
        group_owner[d["group_id"]] = d["program_id"]
        wanted_providers[d["provider_id"]] = d
        wanted_programs[d["program_id"]] = d
        created = d["group_id"] not in groups and d["group_id"] not in wanted_groups
        wanted_groups[d["group_id"]] = d
        report.created += created
        report.updated += not created
    for ext, d in wanted_providers.items():
        provider = providers.get(ext)
        if provider is None:
            provider = providers[ext] = Provider(external_id=ext)
            s.add(provider)
        provider.name = d["provider_name"]
        provider.art_school = d["art_school"]
        if d.get("contract_template"):
            provider.contract_template = d["contract_template"]
    await s.flush()
    for ext, d in wanted_programs.items():
        program = programs.get(ext)
        if program is None:
            program = programs[ext] = Program(external_id=ext, free_seats=0, active=True)
            s.add(program)
        program.provider_id = providers[d["provider_id"]].id
        program.municipality_id = munis[d["municipality_code"]]
        program.name = d["program_name"]
        program.name_folded = fold(d["program_name"])
        program.description = d["description"]
        program.search_text = fold(
            " ".join((d["program_name"], d["provider_name"], d["description"]))
        )
        program.address = d["address"]
        program.lat, program.lon = d["lat"], d["lon"]
        program.direction = d["direction"].value
        program.register = d["register"].value
        program.age_min, program.age_max = d["age_min"], d["age_max"]
        program.price = d["price"]
        program.start_month, program.end_month = d["month_start"], d["month_end"]
        program.online, program.ovz = d["online"], d["ovz"]
    await s.flush()
    delta: dict[int, int] = {}
    raised: dict[str, int] = {}
    for ext, d in wanted_groups.items():
        group = groups.get(ext)
        if group is None:
            group = groups[ext] = Group(external_id=ext, taken=0, waiting=0, seats=0)
            s.add(group)
        program_id = programs[d["program_id"]].id
        group.program_id = program_id
        group.name = d["group_name"]
        group.schedule = d["schedule"]
        group.teacher = d["teacher"]
        group.class_days = effective(parse_class_days(d["schedule"]))
        change = d["seats"] - seats_now.get(ext, 0)
        group.seats = d["seats"]
        delta[program_id] = delta.get(program_id, 0) + change
        if change > 0 and ext in seats_now:
            raised[ext] = program_id
    await s.flush()
    # free seats move by the difference (a claim meanwhile moves them by its own), in
    # one batch in program id order
    moves = [{"program_id": p, "delta": n} for p, n in sorted(delta.items()) if n]
    if moves:
        await (await s.connection()).execute(waiting_list.FREE_SEATS, moves)
    return {groups[ext].id: program_id for ext, program_id in raised.items()}


async def _breathe(db: Database) -> None:
    if is_sqlite(db.url):
        await asyncio.sleep(SQLITE_PAUSE_S)


def _finish(what: str, report: cells.ImportReport) -> None:
    """The errors in line order (cells are checked before the rows meet the database)."""
    report.errors.sort(key=lambda error: error[0])
    logger.info(
        "%s import: %d created, %d updated, %d bad rows%s",
        what,
        report.created,
        report.updated,
        len(report.errors),
        f", stopped at line {report.stopped_at}" if report.stopped_at else "",
    )


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
    report, parsed = _parsed(text, MUNICIPALITY_COLUMNS, parse_municipality_row)
    if parsed is None:
        return report
    await locks.imports(uow)
    await locks.gate(uow)
    changed = await _apply_municipalities(uow, parsed, report)
    for muni_id in sorted(changed):
        await grant_from_queue(uow, muni_id)
    _finish("municipalities", report)
    return report


async def import_municipalities_file(
    db: Database, text: str, *, chunk: int = CHUNK_ROWS, all_or_nothing: bool = False
) -> cells.ImportReport:
    """The operator's import, a chunk per short transaction as ``import_catalogue_file``;
    then each changed municipality's funding queue moves, one per transaction."""
    report, parsed = _parsed(text, MUNICIPALITY_COLUMNS, parse_municipality_row)
    if parsed is None:
        return report
    if all_or_nothing:
        return await _whole_or_nothing(db, text, report, import_municipalities)
    changed: set[int] = set()
    for n in range(0, len(parsed), chunk):
        part = parsed[n : n + chunk]
        try:
            changed |= await db.run(_municipalities_chunk, part, report)
        except Exception:  # reported: what landed before stays
            logger.exception("municipalities import stopped at line %d", part[0][0])
            report.stopped_at = part[0][0]
            break
        await _breathe(db)
    for muni_id in sorted(changed):
        await db.run(_grant, muni_id)
    _finish("municipalities", report)
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
