"""`import-catalog FILE`: providers, programs and groups from CSV (the municipalities'
settings are municipalities_import.py's).

Formats are documented in docs/import.md. Re-import updates by the external ids and never
duplicates; a bad row is reported with its line number and the good rows still land.
"""

from __future__ import annotations

import logging
import time
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
from core.enrolment import waiting_list
from core.rules import import_cells as cells
from core.rules.catalogue import Direction, Register
from core.rules.schedule import effective, parse_class_days
from core.rules.text import fold
from core.storage import locks
from core.storage.db import Database, UnitOfWork
from core.storage.models import Group, Municipality, Program, Provider

logger = logging.getLogger(__name__)
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
    report, parsed = read_rows(text, CATALOGUE_COLUMNS, parse_catalogue_row)
    if parsed is None:
        return report
    await locks.imports(uow)
    await locks.gate(uow, exclusive=True)
    raised = await _apply_catalogue(uow, parsed, report)
    for group_id, program_id in sorted(raised.items()):
        await waiting_list.offer_free_seats(uow, group_id, program_id)
    finish("catalogue", report)
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
    report, parsed = read_rows(text, CATALOGUE_COLUMNS, parse_catalogue_row)
    if parsed is None:
        return report
    if all_or_nothing:
        return await whole_or_nothing(db, text, report, import_catalogue)
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
        await breathe(db)
    finish("catalogue", report)
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
