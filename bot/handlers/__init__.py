"""Messengers, one package each (``bot/handlers/<name>/``): receiving updates, turning them
into the neutral event, rendering screens within the platform's limits, sending and pacing
notices, its identities, start-up and health all live there. The runner, the worker and
the account link see only this small interface.

A platform is registered by listing its package in ``PACKAGES``; the package's
``__init__`` defines ``PLATFORM`` and imports its messenger library only when started,
so a process that runs one messenger never loads the others. The core knows a platform
only as the opaque ``key`` stored with a person's account.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from bot.app import App
    from bot.config import Settings
    from bot.notify.pacing import Pace
    from bot.notify.senders import Sender

# the chat platforms, in the order the runner starts them (the console is not one: it is
# the terminal chat without a token)
PACKAGES = ("telegram", "vk", "max")


class Refused(Exception):
    """A platform will not start as configured; ``key`` names the operator message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Platform:
    key: str  # the identity namespace kept by the core ("tg", "vk", "max")
    # its own settings model, with its env prefix (read with Settings.part)
    settings: type[BaseSettings]
    command: str  # `python -m bot <command>` runs its chat alone
    title: str
    # settings → is its token set?
    configured: Callable[[Settings], bool]
    # settings → the operator message key of what is missing or wrong, or None
    problem: Callable[[Settings], str | None]
    # receive and answer updates until cancelled (long polling or a webhook server)
    serve: Callable[[App], Coroutine[Any, Any, None]]
    # its notice sender, drawing from the shared budgets
    sender: Callable[[App, Pace], Sender]


def all_platforms() -> list[Platform]:
    return [importlib.import_module(f"bot.handlers.{name}").PLATFORM for name in PACKAGES]


def configured(settings: Settings) -> list[Platform]:
    return [p for p in all_platforms() if p.configured(settings)]


def by_key(key: str) -> Platform | None:
    return next((p for p in all_platforms() if p.key == key), None)
