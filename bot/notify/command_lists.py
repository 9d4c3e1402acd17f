"""The worker's round over the staff accounts' command menus (``core.staff.command_lists``):
an operator grants and revokes roles from another process, and the menu in the messenger
follows within a round. Each account whose recorded list differs from what its roles
call for gets the new list (or the messenger's default back), then the record; a failure
leaves the record as it was, so the next round tries again."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Protocol, runtime_checkable

from bot.i18n import Translator
from core import port

logger = logging.getLogger(__name__)


class MenuPause(Exception):
    """The messenger asked to wait (``retry_after`` seconds, or None: out of reach): the
    round ends here."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@runtime_checkable
class Menus(Protocol):
    """A sender whose messenger keeps a command menu per account (Telegram; VK has no
    command menu, MAX one for the whole bot)."""

    def menu(
        self, roles: frozenset[str], language: str, t: Translator
    ) -> list[tuple[str, str]] | None:
        """The account's list, (command, description) each; None: the messenger's default."""
        ...

    async def set_menu(self, address: str, commands: list[tuple[str, str]] | None) -> bool:
        """Set (or, None, reset) the account's list: whether the messenger took it."""
        ...


def fingerprint(commands: list[tuple[str, str]] | None) -> str | None:
    """What is recorded of a list set: its hash (a changed description sets it again)."""
    if commands is None:
        return None
    raw = json.dumps(commands, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


async def reconcile(jobs: port.Jobs, platform: str, menus: Menus, t: Translator) -> int:
    """One round: how many menus were set (or reset) and recorded."""
    changed = 0
    for account in await jobs.menus(platform):
        commands = menus.menu(account.roles, account.language, t)
        listed = fingerprint(commands)
        if listed == account.listed:
            continue
        try:
            if not await menus.set_menu(account.external_id, commands):
                continue
        except MenuPause as pause:
            logger.warning("command menus: the messenger asked to wait (%s)", pause.retry_after)
            break
        if await jobs.menu_set(account.identity_id, account.listed, listed):
            changed += 1
    return changed
