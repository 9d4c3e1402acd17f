"""The command lists under «/» against the flows: every command a list offers is a flow's
command and has its description in every language (within Telegram's 256 characters and
MAX's 128), a role's commands are not a parent's, and the lists stay within the
messengers' counts (Telegram 100, MAX 32)."""

from __future__ import annotations

from bot.dialogs.commands import PARENT_COMMANDS, ROLE_COMMANDS, staff_commands
from bot.dialogs.flow import Routes
from bot.dialogs.flows import FLOWS
from bot.i18n import LANGUAGES, Translator
from core.staff.roles import ROLES


def test_every_listed_command_is_a_flows_and_described():
    routes = Routes.build(FLOWS)
    t = Translator()
    listed = {*PARENT_COMMANDS, *(c for names in ROLE_COMMANDS.values() for c in names)}
    assert listed <= set(routes.commands), listed - set(routes.commands)
    for lang in LANGUAGES:
        for command in listed:
            assert f"cmd-{command}" in t.keys[lang], (lang, command)
            assert 1 <= len(t(lang, f"cmd-{command}")) <= 128, (lang, command)


def test_a_roles_commands_come_after_a_parents_and_each_once():
    assert set(ROLE_COMMANDS) <= set(ROLES)
    for names in ROLE_COMMANDS.values():
        assert not set(names) & set(PARENT_COMMANDS)
    every = staff_commands(ROLES)
    assert every is not None and len(every) == len(set(every)) <= 32
    assert every[: len(PARENT_COMMANDS)] == list(PARENT_COMMANDS)
    assert staff_commands(()) is None and staff_commands(("unknown",)) is None
    assert staff_commands(("provider",)) == [*PARENT_COMMANDS, "queue", "attendance"]
