"""Staff: granting and revoking roles, who holds them, the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.config import Settings
from bot.handlers.cli.base import day_option, operator_text, with_db
from core import port


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
    parent = with_db(
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
    done = with_db(
        lambda op: op.revoke_role(identity, role, municipality=municipality, provider=provider)
    )
    click.echo(operator_text("cli-role-revoked", role=role, identity=identity, count=done.roles))
    if done.announcements:
        click.echo(operator_text("cli-announcements-stopped", count=done.announcements))


@click.command("roles")
def roles_cmd() -> None:
    """Who holds which role: the accounts, the scope, since when and granted by whom."""
    found = with_db(lambda op: op.roles())
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
    first, last = day_option(since, "--from"), day_option(until, "--to")
    if first is not None and last is not None and last < first:
        raise click.BadParameter(operator_text("cli-bad-period"), param_hint="--to")
    zone = ZoneInfo(settings.timezone)

    def utc(day: date) -> datetime:
        local = datetime.combine(day, time(), tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    text = with_db(
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
