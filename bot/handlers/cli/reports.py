"""The figures: `report`, as a summary, CSV or XLSX tables and charts."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot import reports as rendering
from bot.config import Settings
from bot.handlers.cli.base import operator_text, with_db


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

    found = with_db(lambda op: op.report(municipality, detail=detail))
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
