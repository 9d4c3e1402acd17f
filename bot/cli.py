"""Operator commands: thin wrappers over the core services."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from bot import keys
from bot.config import Settings
from bot.i18n import money, translator
from core.errors import DomainError
from core.rules.calendar import month_label, parse_month
from core.services import (
    audit,
    catalog_import,
    concluding,
    decisions,
    demo,
    month_close,
    new_year,
    register_import,
    roles,
    waiting_list,
)
from core.services.import_cells import ImportReport
from core.storage.db import Database, UnitOfWork
from core.storage.migrate import upgrade

T = TypeVar("T")
R = TypeVar("R", bound=ImportReport)


def operator_text(key: str, **params: Any) -> str:
    settings: Settings = click.get_current_context().obj
    return translator()(settings.default_language, key, **params)


def operator() -> str:
    """Who runs an operator command, for the audit trail: the OS user where there is one."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (a container run without USER)
        return "operator"
    return f"operator:{user}"[:80]


def _run(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Migrate, open one unit of work, run, commit. A refusal exits 1 with its message."""
    return _with_db(lambda db: db.run(action))


def _audited(
    name: str,
    action: Callable[[UnitOfWork], Awaitable[T]],
    outcome: Callable[[T], tuple[str, str | None]],
    *,
    detail: str | None = None,
) -> T:
    """``action`` and its audit record in one unit of work; a refusal is recorded too (in
    a unit of work of its own, the action's being rolled back) before it exits 1."""
    actor = operator()

    async def go(uow: UnitOfWork) -> T:
        result = await action(uow)
        what, more = outcome(result)
        await audit.record(
            uow, actor, name, outcome=what, detail=" ".join(p for p in (detail, more) if p)
        )
        return result

    async def refused(uow: UnitOfWork, code: str) -> None:
        await audit.record(uow, actor, name, outcome=code, detail=detail)

    async def run(db: Database) -> T:
        try:
            return await db.run(go)
        except DomainError as exc:
            await db.run(refused, exc.code)
            raise

    return _with_db(run)


async def _chunked_and_audited(db: Database, name: str, work: Awaitable[R], *, detail: str) -> R:
    """An import applied in chunks (each its own unit of work), then its audit record in
    one of its own: what the chunks did is in it whether the import ended well or not."""
    report = await work
    what, more = _imported(report)

    async def record(uow: UnitOfWork) -> None:
        await audit.record(uow, operator(), name, outcome=what, detail=f"{detail} {more}")

    await db.run(record)
    return report


def _imported(report: ImportReport) -> tuple[str, str | None]:
    counts = f"created:{report.created} updated:{report.updated} errors:{len(report.errors)}"
    return ("ok" if not report.errors else "with-errors"), counts


def _with_db(action: Callable[[Database], Awaitable[T]]) -> T:
    """Migrate, then run ``action`` on the database (it opens its own units of work)."""
    settings: Settings = click.get_current_context().obj
    secret = keys.register_key(settings)  # a deployment's own: refused before anything
    upgrade(settings.database_url)

    async def go() -> T:
        db = Database(settings.database_url, timezone=settings.timezone, register_secret=secret)
        try:
            return await action(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        message = translator()(settings.default_language, exc.code, **exc.params)
        raise click.ClickException(message) from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(operator_text("cli-file-unreadable", path=str(path))) from exc


def _report(report: ImportReport) -> None:
    for line, error in sorted(report.errors, key=lambda e: e[0]):
        reason = operator_text(f"import-{error.code}", column=error.column, **error.params)
        click.echo(operator_text("cli-import-row-error", line=str(line), error=reason), err=True)
    if report.nothing_applied:
        click.echo(operator_text("cli-import-nothing"), err=True)
        raise SystemExit(1)
    if report.stopped_at is not None:
        click.echo(operator_text("cli-import-stopped", line=str(report.stopped_at)), err=True)
    click.echo(
        operator_text(
            "cli-import-done",
            created=report.created,
            updated=report.updated,
            errors=len(report.errors),
        )
    )
    if not report.ok:
        raise SystemExit(1)


@click.command("migrate")
def migrate_cmd() -> None:
    """Bring the database schema to the latest version (alembic upgrade head)."""
    settings: Settings = click.get_current_context().obj
    upgrade(settings.database_url)
    click.echo(operator_text("cli-migrated"))


@click.command("seed-demo")
def seed_demo_cmd() -> None:
    """Load the demo region: municipalities, providers, 100+ programs in six directions."""
    munis, catalog = _run(demo.seed_demo)
    click.echo(
        operator_text(
            "cli-seeded",
            munis=munis.created + munis.updated,
            groups=catalog.created + catalog.updated,
        )
    )


_ALL_OR_NOTHING = click.option(
    "--all-or-nothing",
    is_flag=True,
    help="Import nothing if any row is bad (one transaction: families wait meanwhile).",
)


@click.command("import-catalog")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_ALL_OR_NOTHING
def import_catalog_cmd(file: Path, all_or_nothing: bool) -> None:
    """Import providers, programs and groups from a CSV file (docs/import.md).

    Re-import updates by the ids in the file; bad cells are reported by line and column
    and the good rows still land (exit code 1 if any row was bad). Applied in chunks of
    a few hundred rows, so families are not held up by a large file."""
    text = _read(file)
    _report(
        _with_db(
            lambda db: _chunked_and_audited(
                db,
                "import-catalog",
                catalog_import.import_catalog_file(db, text, all_or_nothing=all_or_nothing),
                detail=f"file:{file.name}",
            )
        )
    )


@click.command("import-municipalities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_ALL_OR_NOTHING
def import_municipalities_cmd(file: Path, all_or_nothing: bool) -> None:
    """Import municipalities and their yearly settings (quota, nominal, budget limit).

    Optional columns the file leaves out keep what is stored."""
    text = _read(file)
    _report(
        _with_db(
            lambda db: _chunked_and_audited(
                db,
                "import-municipalities",
                catalog_import.import_municipalities_file(db, text, all_or_nothing=all_or_nothing),
                detail=f"file:{file.name}",
            )
        )
    )


@click.command("import-certificates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--all-or-nothing",
    is_flag=True,
    help="Change nothing when any row has a bad cell (default: import the good rows).",
)
def import_certificates_cmd(file: Path, all_or_nothing: bool) -> None:
    """Import the region's certificate register: families then link their numbers.

    Applied in chunks (a family's action waits for one chunk at most); a re-import never
    reopens a closed or withdrawn certificate nor funds over the quota. Prints what was
    added, changed and left alone; bad cells by line and column (exit code 1)."""
    text = _read(file)
    report = _with_db(
        lambda db: _chunked_and_audited(
            db,
            "import-certificates",
            register_import.import_register(db, text, all_or_nothing=all_or_nothing),
            detail=f"file:{file.name}",
        )
    )
    for why in (register_import.LINKED, register_import.WITHDRAWN, register_import.CLOSED):
        if report.left[why]:
            click.echo(operator_text(f"cli-register-left-{why}", count=report.left[why]))
    for line in report.over_quota:
        click.echo(operator_text("cli-register-over-quota", line=str(line)))
    if not report.applied:
        click.echo(operator_text("cli-register-nothing-applied"), err=True)
    click.echo(operator_text("cli-register-unchanged", count=report.unchanged))
    _report(report)


@click.command("close-month")
@click.argument("month")
def close_month_cmd(month: str) -> None:
    """Debit every enrolled child's share for MONTH (YYYY-MM). Safe to repeat.

    Refused before the month has ended (in TIMEZONE) and while an earlier month with
    classes is still open: months close in order."""
    try:
        index = parse_month(month)
    except DomainError as exc:
        raise click.BadParameter(operator_text(exc.code), param_hint="MONTH") from exc
    result = _audited(
        "close-month",
        lambda uow: month_close.close_month(uow, index),
        lambda r: (
            ("already-closed", None)
            if r.already_closed
            else ("ok", f"debits:{r.debits} kopecks:{r.debited} releases:{r.releases}")
        ),
        detail=f"month:{month}",
    )
    if result.already_closed:
        click.echo(operator_text("cli-month-already", month=month_label(index)))
        return
    click.echo(
        operator_text(
            "cli-month-closed",
            month=month_label(index),
            debits=result.debits,
            amount=money(result.debited, click.get_current_context().obj.default_language),
            releases=result.releases,
        )
    )


@click.command("new-year")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option(
    "--close-missing",
    is_flag=True,
    help="Close, in order, the months with classes that are still open, then open the year.",
)
@click.option(
    "--calendar",
    is_flag=True,
    help="Open calendar year YEAR (1 January) for the municipalities funded per calendar year.",
)
def new_year_cmd(year: int, close_missing: bool, calendar: bool) -> None:
    """Open school year YEAR (1 September): expire balances, credit nominals, move queues.

    With --calendar: the funding year YEAR from 1 January, for the municipalities funded
    per calendar year (the months from January of running classes are reserved then).
    Refused while a month with classes before it is still open, unless --close-missing."""
    opener = new_year.open_funding_year if calendar else new_year.open_year
    result = _audited(
        "open-year",
        lambda uow: opener(uow, year, close_missing=close_missing),
        lambda r: (
            ("already-open", None)
            if r.already_open
            else ("ok", f"expired:{r.expired} credited:{r.credited} granted:{r.granted}")
        ),
        detail=f"year:{year} " + ("calendar" if calendar else "school"),
    )
    if result.already_open:
        click.echo(operator_text("cli-year-already", year=str(year)))
        return
    click.echo(
        operator_text(
            "cli-year-opened",
            year=str(year),
            expired=result.expired,
            credited=result.credited,
            closed=result.closed_adults,
            granted=result.granted,
        )
    )


@click.command("grant-role")
@click.argument("role", type=click.Choice(roles.ROLES))
@click.argument("identity")
@click.option("--municipality", help="Municipality code (for a coordinator).")
@click.option("--provider", help="Provider id from the catalogue (for a provider).")
@click.option("--region-wide", is_flag=True, help="A coordinator may broadcast region-wide.")
def grant_role_cmd(
    role: str, identity: str, municipality: str | None, provider: str | None, region_wide: bool
) -> None:
    """Grant ROLE to IDENTITY (tg:123456, vk:123456 or max:123456)."""
    by = operator()
    parent = _run(
        lambda uow: roles.grant(
            uow,
            identity,
            role,
            municipality_code=municipality,
            provider_external_id=provider,
            region_wide=region_wide,
            by=by,
        )
    )
    click.echo(operator_text("cli-role-granted", role=role, parent=str(parent)))


@click.command("revoke-role")
@click.argument("role", type=click.Choice(roles.ROLES))
@click.argument("identity")
@click.option("--municipality", help="Only the role of this municipality (code).")
@click.option("--provider", help="Only the role of this provider (id from the catalogue).")
def revoke_role_cmd(
    role: str, identity: str, municipality: str | None, provider: str | None
) -> None:
    """Take ROLE from IDENTITY (tg:123456, vk:123456 or max:123456): of one municipality or
    provider when given, else every ROLE it holds. Their announcements not yet gone out
    are cancelled at once, and any action on a screen still open is refused."""
    by = operator()
    done = _run(
        lambda uow: roles.revoke(
            uow,
            identity,
            role,
            municipality_code=municipality,
            provider_external_id=provider,
            by=by,
        )
    )
    click.echo(operator_text("cli-role-revoked", role=role, identity=identity, count=done.roles))
    if done.announcements:
        click.echo(operator_text("cli-announcements-stopped", count=done.announcements))


@click.command("roles")
def roles_cmd() -> None:
    """Who holds which role: the accounts, the scope, since when and granted by whom."""
    found = _with_db(lambda db: db.read(roles.holders))
    if not found:
        click.echo(operator_text("cli-roles-none"))
        return
    zone = ZoneInfo(click.get_current_context().obj.timezone)
    for h in found:
        scope = h.municipality or h.provider or "—"
        since = (
            h.granted_at.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if h.granted_at is not None
            else "?"
        )
        click.echo(
            "\t".join(
                [
                    h.role,
                    h.accounts or f"parent:{h.parent_id}",
                    scope + (" +region" if h.region_wide else ""),
                    since,
                    h.granted_by or "?",
                ]
            )
        )


def _day(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(operator_text("cli-bad-date"), param_hint=hint) from None


@click.command("audit")
@click.option("--from", "since", metavar="YYYY-MM-DD", help="From this day (in TIMEZONE).")
@click.option("--to", "until", metavar="YYYY-MM-DD", help="To this day, inclusive.")
@click.option("--municipality", metavar="CODE", help="Only the records of this municipality.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the CSV here instead of the terminal.",
)
def audit_cmd(
    since: str | None, until: str | None, municipality: str | None, output: Path | None
) -> None:
    """The audit trail as CSV: every act of staff and of the operator (who, when, what, on
    which child, application, certificate or municipality, the outcome). Ids only."""
    settings: Settings = click.get_current_context().obj
    first, last = _day(since, "--from"), _day(until, "--to")
    if first is not None and last is not None and last < first:
        raise click.BadParameter(operator_text("cli-bad-period"), param_hint="--to")
    zone = ZoneInfo(settings.timezone)

    def utc(day: date) -> datetime:
        local = datetime.combine(day, time(), tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    async def export(uow: UnitOfWork) -> str:
        muni_id = None
        if municipality is not None:
            muni_id = await audit.municipality_id(uow, municipality)
            if muni_id is None:
                raise DomainError("municipality_not_found")
        found = await audit.rows(
            uow,
            since=utc(first) if first is not None else None,
            until=utc(last + timedelta(days=1)) if last is not None else None,
            municipality_id=muni_id,
        )
        return audit.to_csv(found)

    text = _with_db(lambda db: db.read(export))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("expire-applications")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    help="Unanswered for this many days (default: APPLICATION_EXPIRY_DAYS).",
)
def expire_applications_cmd(days: int | None) -> None:
    """Close applications no provider answered in time, and pass seats held for a
    waiting list but not taken in time to the next, and let contracts offered and not
    accepted within the municipality's offer_days lapse; the families are told.

    The worker does this by itself every few minutes; this runs it once now."""
    settings: Settings = click.get_current_context().obj
    wait = days or settings.application_expiry_days
    count = _with_db(lambda db: decisions.expire_unanswered(db, wait))
    click.echo(operator_text("cli-expired", count=count, days=wait))
    passed = _with_db(waiting_list.expire_offers)
    click.echo(operator_text("cli-offers-passed", count=passed))
    lapsed = _with_db(concluding.lapse_offers)
    click.echo(operator_text("cli-contracts-lapsed", count=lapsed))


OPERATOR_COMMANDS = (
    migrate_cmd,
    seed_demo_cmd,
    import_catalog_cmd,
    import_municipalities_cmd,
    import_certificates_cmd,
    close_month_cmd,
    new_year_cmd,
    expire_applications_cmd,
    grant_role_cmd,
    revoke_role_cmd,
    roles_cmd,
    audit_cmd,
)
