"""Loading data: the schema, the demo region, the catalogue, municipalities, the register."""

from __future__ import annotations

from pathlib import Path

import click

from bot.config import Settings
from bot.handlers.cli.base import operator_text, read_file, show_import, with_db
from core import port
from core.usecases import operator as operator_cases


@click.command("migrate")
def migrate_cmd() -> None:
    """Bring the database schema to the latest version (alembic upgrade head)."""
    settings: Settings = click.get_current_context().obj
    operator_cases.migrate(settings.database_url)
    click.echo(operator_text("cli-migrated"))


@click.command("seed-demo")
def seed_demo_cmd() -> None:
    """Load the demo region: municipalities, providers, 100+ programs in six directions."""
    munis, catalogue = with_db(lambda op: op.seed_demo())
    click.echo(
        operator_text(
            "cli-seeded",
            munis=munis.created + munis.updated,
            groups=catalogue.created + catalogue.updated,
        )
    )


ALL_OR_NOTHING = click.option(
    "--all-or-nothing",
    is_flag=True,
    help="Import nothing if any row is bad (one transaction: families wait meanwhile).",
)


@click.command("import-catalog")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ALL_OR_NOTHING
def import_catalog_cmd(file: Path, all_or_nothing: bool) -> None:
    """Import providers, programs and groups from a CSV file (docs/import.md).

    Re-import updates by the ids in the file; bad cells are reported by line and column
    and the good rows still land (exit code 1 if any row was bad). Applied in chunks of
    a few hundred rows, so families are not held up by a large file."""
    text = read_file(file)
    show_import(
        with_db(
            lambda op: op.import_catalogue(
                text, all_or_nothing=all_or_nothing, detail=f"file:{file.name}"
            )
        )
    )


@click.command("import-municipalities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ALL_OR_NOTHING
def import_municipalities_cmd(file: Path, all_or_nothing: bool) -> None:
    """Import municipalities and their yearly settings (quota, nominal, budget limit).

    Optional columns the file leaves out keep what is stored."""
    text = read_file(file)
    show_import(
        with_db(
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
    text = read_file(file)
    report = with_db(
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
    show_import(report)
