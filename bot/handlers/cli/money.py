"""Money: closing a month, opening a year, the payment register, expiring what waited."""

from __future__ import annotations

from pathlib import Path

import click

from bot.config import Settings
from bot.handlers.cli.base import month_argument, operator_text, with_db
from bot.i18n import money
from core import port
from core.rules.calendar import month_label


@click.command("close-month")
@click.argument("month")
def close_month_cmd(month: str) -> None:
    """Debit every enrolled child's share for MONTH (YYYY-MM). Safe to repeat.

    Refused before the month has ended (in TIMEZONE) and while an earlier month with
    classes is still open: months close in order."""
    index = month_argument(month)
    result = with_db(lambda op: op.close_month(index, detail=f"month:{month}"))
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
    result = with_db(lambda op: op.open_year(year, close_missing=close_missing, calendar=calendar))
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
    index = month_argument(month)
    rows = with_db(lambda op: op.payments(index, fmt=fmt))
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
    count = with_db(lambda op: op.expire_applications(wait))
    click.echo(operator_text("cli-expired", count=count, days=wait))
    passed = with_db(lambda op: op.expire_offers())
    click.echo(operator_text("cli-offers-passed", count=passed))
    lapsed = with_db(lambda op: op.lapse_contracts())
    click.echo(operator_text("cli-contracts-lapsed", count=lapsed))
