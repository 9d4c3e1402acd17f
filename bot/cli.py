"""Operator commands: thin wrappers over the core services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.config import Settings
from bot.i18n import money, translator
from core.errors import DomainError
from core.rules.calendar import month_label, parse_month
from core.services import (
    catalog_import,
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


def operator_text(key: str, **params: Any) -> str:
    settings: Settings = click.get_current_context().obj
    return translator()(settings.default_language, key, **params)


def _run(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Migrate, open one unit of work, run, commit. A refusal exits 1 with its message."""
    return _with_db(lambda db: db.run(action))


def _with_db(action: Callable[[Database], Awaitable[T]]) -> T:
    """Migrate, then run ``action`` on the database (it opens its own units of work)."""
    settings: Settings = click.get_current_context().obj
    upgrade(settings.database_url)

    async def go() -> T:
        db = Database(
            settings.database_url,
            timezone=settings.timezone,
            register_secret=settings.register_key,
        )
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
            lambda db: catalog_import.import_catalog_file(db, text, all_or_nothing=all_or_nothing)
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
            lambda db: catalog_import.import_municipalities_file(
                db, text, all_or_nothing=all_or_nothing
            )
        )
    )


@click.command("import-certificates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_certificates_cmd(file: Path) -> None:
    """Import the region's certificate register: families then link their numbers."""
    text = _read(file)
    _report(_run(lambda uow: register_import.import_certificates(uow, text)))


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
    result = _run(lambda uow: month_close.close_month(uow, index))
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
    result = _run(lambda uow: opener(uow, year, close_missing=close_missing))
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
    parent = _run(
        lambda uow: roles.grant(
            uow,
            identity,
            role,
            municipality_code=municipality,
            provider_external_id=provider,
            region_wide=region_wide,
        )
    )
    click.echo(operator_text("cli-role-granted", role=role, parent=str(parent)))


@click.command("expire-applications")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    help="Unanswered for this many days (default: APPLICATION_EXPIRY_DAYS).",
)
def expire_applications_cmd(days: int | None) -> None:
    """Close applications no provider answered in time, and pass seats held for a
    waiting list but not taken in time to the next; the families are told.

    The worker does this by itself every few minutes; this runs it once now."""
    settings: Settings = click.get_current_context().obj
    wait = days or settings.application_expiry_days
    count = _with_db(lambda db: decisions.expire_unanswered(db, wait))
    click.echo(operator_text("cli-expired", count=count, days=wait))
    passed = _with_db(waiting_list.expire_offers)
    click.echo(operator_text("cli-offers-passed", count=passed))


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
)
