"""`python -m bot …`: the chat surfaces, the worker and the operator commands."""

from __future__ import annotations

import logging

import click

from bot.app import quiet_parameter_loggers
from bot.cli import OPERATOR_COMMANDS
from bot.config import Settings
from bot.runners import RUNNERS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """ПФДО bot: Telegram, VK, MAX and a terminal chat over one core."""
    settings = Settings()
    level = settings.log_level or ("WARNING" if ctx.invoked_subcommand in OPERATOR else "INFO")
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    quiet_parameter_loggers()
    # the console chat owns the terminal: its logs would mix with the conversation
    if ctx.invoked_subcommand == "console" or (
        ctx.invoked_subcommand == "run"
        and settings.telegram_bot_token is None
        and settings.vk_group_token is None
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
