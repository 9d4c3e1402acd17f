"""What every operator command shares: the texts, who runs it, the port over the database."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from bot import keys
from bot.config import Settings
from bot.i18n import translator
from core import port
from core.errors import DomainError
from core.rules.calendar import parse_month
from core.usecases import operator as operator_cases

T = TypeVar("T")


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


def with_db(action: Callable[[port.Operator], Awaitable[T]]) -> T:
    """Migrate, then run ``action`` on the operator's port (each command its own units of
    work). A refusal exits 1 with its message."""
    settings: Settings = click.get_current_context().obj
    secret = keys.register_key(settings)  # a deployment's own: refused before anything
    operator_cases.migrate(settings.database_url)
    actor = operator()

    async def go() -> T:
        async with operator_cases.connect(
            settings.database_url,
            timezone=settings.timezone,
            register_secret=secret,
            actor=actor,
        ) as op:
            return await action(op)

    try:
        return asyncio.run(go())
    except DomainError as exc:
        message = translator()(settings.default_language, exc.code, **exc.params)
        raise click.ClickException(message) from exc


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(operator_text("cli-file-unreadable", path=str(path))) from exc


def show_import(report: port.ImportReport) -> None:
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


def day_option(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(operator_text("cli-bad-date"), param_hint=hint) from None


def month_argument(month: str) -> int:
    """MONTH (YYYY-MM) as the core's month index; a bad one is the argument's error."""
    try:
        return parse_month(month)
    except DomainError as exc:
        raise click.BadParameter(operator_text(exc.code), param_hint="MONTH") from exc
