"""Telegram's command menu (the list under "/"): the parents' commands for everyone, set
at start in each language (``set_commands``), and a staff account's own list, set for its
chat alone (BotCommandScopeChat) by the worker's rounds (bot/notify/command_lists.py):
the parents' commands and its roles', in the account's language. Telegram shows a chat's
own list ahead of the bot's default, and the default again once the chat's is deleted
(core.telegram.org/bots/api#determining-list-of-commands)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.dialogs.commands import PARENT_COMMANDS, staff_commands
from bot.i18n import LANGUAGES, Translator, translator
from bot.notify.command_lists import MenuPause

logger = logging.getLogger(__name__)


async def set_commands(bot: Bot) -> None:
    """The parents' list, in each language and, for any other, in Russian."""
    t = translator()
    for lang in LANGUAGES:
        await bot.set_my_commands(
            [BotCommand(command=c, description=t(lang, f"cmd-{c}")) for c in PARENT_COMMANDS],
            language_code=lang,
        )
    await bot.set_my_commands(
        [BotCommand(command=c, description=t("ru", f"cmd-{c}")) for c in PARENT_COMMANDS]
    )


def staff_menu(roles: Iterable[str], language: str, t: Translator) -> list[tuple[str, str]] | None:
    """A staff account's list, (command, description) each (``staff_commands``); None
    without a role that has any."""
    names = staff_commands(roles)
    return None if names is None else [(c, t(language, f"cmd-{c}")) for c in names]


async def set_staff_menu(bot: Bot, chat_id: int, commands: list[tuple[str, str]] | None) -> bool:
    """Set the chat's own list, or delete it (None): whether Telegram took it. A 429 or
    Telegram out of reach ends the round (``MenuPause``); another refusal (the person has
    no chat with the bot) leaves the list to the next round."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        if commands is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(
                [BotCommand(command=c, description=d) for c, d in commands], scope=scope
            )
    except TelegramRetryAfter as exc:
        raise MenuPause(exc.retry_after) from exc
    except (TelegramNetworkError, TelegramServerError) as exc:
        raise MenuPause(None) from exc
    except TelegramAPIError as exc:
        logger.info("a staff account's command menu was not set (%s)", exc.message)
        return False
    return True
