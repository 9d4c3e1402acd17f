"""The commands a messenger's command list offers (the list under «/»): a parent's, and
each staff role's beside them (as the menu offers their screens: flows/start.py). Each
command's description is the locale's ``cmd-<command>``; the messengers set the lists
(Telegram per language and, for a staff account, per chat; MAX one for the whole bot)."""

from __future__ import annotations

from collections.abc import Iterable

PARENT_COMMANDS = (
    "start",
    "menu",
    "children",
    "search",
    "apps",
    "balance",
    "privacy",
    "link",
    "language",
    "help",
    "cancel",
)

ROLE_COMMANDS = {
    "coordinator": ("broadcast", "reviews", "stats"),
    "confirmer": ("confirm", "stats"),
    "provider": ("queue", "attendance"),
    "operator": ("stats",),
}


def staff_commands(roles: Iterable[str]) -> list[str] | None:
    """A staff account's list: a parent's commands, then its roles' (each once, in the
    order of ROLE_COMMANDS); None without a role that has any."""
    held = set(roles)
    own = [c for role, names in ROLE_COMMANDS.items() if role in held for c in names]
    if not own:
        return None
    return list(dict.fromkeys((*PARENT_COMMANDS, *own)))
