"""`python -m bot …`: the chat handlers, the worker and the operator commands."""

from __future__ import annotations

import logging

import click

from bot import handlers
from bot.app import quiet_parameter_loggers
from bot.config import Settings
from bot.handlers.cli import OPERATOR_COMMANDS
from bot.logs import ExcInfo, SafeFormatter, safe_exception
from bot.runners import RUNNERS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """ПФДО bot: Telegram, VK, MAX and a terminal chat over one core."""
    settings = Settings()
    for platform in handlers.all_platforms():
        settings.part(platform.settings)  # each messenger's settings checked at start, too
    level = settings.log_level or ("WARNING" if ctx.invoked_subcommand in OPERATOR else "INFO")
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        class SafeJsonFormatter(JsonFormatter):
            def formatException(self, ei: ExcInfo) -> str:  # type: ignore[override]
                return safe_exception(ei)

        handler.setFormatter(
            SafeJsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    quiet_parameter_loggers()
    # the console chat owns the terminal: its logs would mix with the conversation
    if ctx.invoked_subcommand == "console" or (
        ctx.invoked_subcommand == "run"
        and not handlers.configured(settings)  # no token: `run` is the terminal chat
        and settings.log_level is None
    ):
        logging.getLogger().setLevel("WARNING")
    ctx.obj = settings


OPERATOR = {command.name for command in OPERATOR_COMMANDS}
for command in (*RUNNERS, *OPERATOR_COMMANDS):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="python -m bot")


if __name__ == "__main__":
    main()
