"""Operator commands: thin wrappers over the core's port (``core.port.Operator``)."""

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
from bot import reports as rendering
from bot.config import Settings
from bot.i18n import money, translator
from core import port
from core.errors import DomainError
from core.rules.calendar import month_label, parse_month
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


def _with_db(action: Callable[[port.Operator], Awaitable[T]]) -> T:
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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(operator_text("cli-file-unreadable", path=str(path))) from exc


def _report(report: port.ImportReport) -> None:
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
    operator_cases.migrate(settings.database_url)
    click.echo(operator_text("cli-migrated"))


@click.command("seed-demo")
def seed_demo_cmd() -> None:
    """Load the demo region: municipalities, providers, 100+ programs in six directions."""
    munis, catalogue = _with_db(lambda op: op.seed_demo())
    click.echo(
        operator_text(
            "cli-seeded",
            munis=munis.created + munis.updated,
            groups=catalogue.created + catalogue.updated,
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
            lambda op: op.import_catalogue(
                text, all_or_nothing=all_or_nothing, detail=f"file:{file.name}"
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
            lambda op: op.import_municipalities(
                text, all_or_nothing=all_or_nothing, detail=f"file:{file.name}"
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
        lambda op: op.import_certificates(
            text, all_or_nothing=all_or_nothing, detail=f"file:{file.name}"
        )
    )
    for why in (port.LINKED, port.WITHDRAWN, port.CLOSED):
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
    result = _with_db(lambda op: op.close_month(index, detail=f"month:{month}"))
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
    result = _with_db(
        lambda op: op.open_year(year, close_missing=close_missing, calendar=calendar)
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
@click.argument("role", type=click.Choice(port.ROLES))
@click.argument("identity")
@click.option("--municipality", help="Municipality code (for a coordinator).")
@click.option("--provider", help="Provider id from the catalogue (for a provider).")
@click.option("--region-wide", is_flag=True, help="A coordinator may broadcast region-wide.")
def grant_role_cmd(
    role: str, identity: str, municipality: str | None, provider: str | None, region_wide: bool
) -> None:
    """Grant ROLE to IDENTITY (tg:123456, vk:123456 or max:123456)."""
    parent = _with_db(
        lambda op: op.grant_role(
            identity, role, municipality=municipality, provider=provider, region_wide=region_wide
        )
    )
    click.echo(operator_text("cli-role-granted", role=role, parent=str(parent)))


@click.command("revoke-role")
@click.argument("role", type=click.Choice(port.ROLES))
@click.argument("identity")
@click.option("--municipality", help="Only the role of this municipality (code).")
@click.option("--provider", help="Only the role of this provider (id from the catalogue).")
def revoke_role_cmd(
    role: str, identity: str, municipality: str | None, provider: str | None
) -> None:
    """Take ROLE from IDENTITY (tg:123456, vk:123456 or max:123456): of one municipality or
    provider when given, else every ROLE it holds. Their announcements not yet gone out
    are cancelled at once, and any action on a screen still open is refused."""
    done = _with_db(
        lambda op: op.revoke_role(identity, role, municipality=municipality, provider=provider)
    )
    click.echo(operator_text("cli-role-revoked", role=role, identity=identity, count=done.roles))
    if done.announcements:
        click.echo(operator_text("cli-announcements-stopped", count=done.announcements))


@click.command("roles")
def roles_cmd() -> None:
    """Who holds which role: the accounts, the scope, since when and granted by whom."""
    found = _with_db(lambda op: op.roles())
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

    text = _with_db(
        lambda op: op.audit_csv(
            utc(first) if first is not None else None,
            utc(last + timedelta(days=1)) if last is not None else None,
            municipality,
        )
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("report")
@click.option(
    "--municipality", metavar="CODE", help="One municipality (its code); default: the region."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="The tables' file (default: by the extension of --out; csv on the terminal).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the tables here, and the charts beside it (PATH-coverage.png, -money.png).",
)
def report_cmd(municipality: str | None, fmt: str | None, out: Path | None) -> None:
    """The figures now: coverage against the 25 % / 50 % targets, the funding queue, money
    by month against the year's limit, programs by direction, organisations. Prints the
    summary; the full tables as CSV or XLSX. Recorded in the audit trail."""
    settings: Settings = click.get_current_context().obj
    lang = settings.default_language
    fmt = fmt or (out.suffix.lower().lstrip(".") if out is not None else "csv")
    if fmt not in ("csv", "xlsx") or (fmt == "xlsx" and out is None):  # xlsx: a file only
        raise click.BadParameter(operator_text("cli-report-bad-format"), param_hint="--format")
    detail = f"scope:{municipality or 'region'} format:{fmt}"

    found = _with_db(lambda op: op.report(municipality, detail=detail))
    zone = ZoneInfo(settings.timezone)
    if out is None and fmt == "csv":
        click.echo(rendering.to_csv(found, lang), nl=False)
        return
    assert out is not None
    click.echo(rendering.summary(found, lang, zone))
    if fmt == "xlsx":
        out.write_bytes(rendering.to_xlsx(found, lang))
    else:
        out.write_text(rendering.to_csv(found, lang), encoding="utf-8")
    written = [out]
    for name, chart in (("coverage", rendering.coverage_chart), ("money", rendering.money_chart)):
        path = out.with_name(f"{out.stem}-{name}.png")
        path.write_bytes(chart(found, lang))
        written.append(path)
    for path in written:
        click.echo(operator_text("cli-report-written", path=str(path)))


@click.command("payments")
@click.argument("month")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="CSV (UTF-8, amounts in roubles) or an XLSX spreadsheet.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the file here (CSV: the terminal when not given; XLSX: payments-MONTH.xlsx).",
)
def payments_cmd(month: str, fmt: str, out: Path | None) -> None:
    """The payment register of a closed MONTH (YYYY-MM) for every organisation: one row per
    contract (the program, group, child, certificate, class days paid, amount) and after
    each organisation its total, which is the sum of the month's debits in the ledger.
    Refused for a month not yet closed. Each export is recorded in the audit trail."""
    try:
        index = parse_month(month)
    except DomainError as exc:
        raise click.BadParameter(operator_text(exc.code), param_hint="MONTH") from exc
    rows = _with_db(lambda op: op.payments(index, fmt=fmt))
    data = (port.payments_xlsx if fmt == "xlsx" else port.payments_csv)(index, rows)
    if out is None and fmt == "xlsx":
        out = Path(f"payments-{month_label(index)}.xlsx")
    if out is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        out.write_bytes(data)
    found = port.payment_totals(rows)
    lang = click.get_current_context().obj.default_language
    click.echo(
        operator_text(
            "cli-payments",
            month=month_label(index),
            providers=len(found),
            contracts=len(rows),
            amount=money(sum(t.amount for t in found), lang),
            file=str(out) if out is not None else "-",
        ),
        err=True,
    )


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
    count = _with_db(lambda op: op.expire_applications(wait))
    click.echo(operator_text("cli-expired", count=count, days=wait))
    passed = _with_db(lambda op: op.expire_offers())
    click.echo(operator_text("cli-offers-passed", count=passed))
    lapsed = _with_db(lambda op: op.lapse_contracts())
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
    report_cmd,
    payments_cmd,
)
