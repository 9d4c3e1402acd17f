"""Flows are objects listed explicitly: the engine's table is built from them, and a
screen, action, input, command or flow name declared twice is refused when it is built,
not by whichever import came last."""

from __future__ import annotations

import pytest

from bot.dialogs.actions import OpenMenu, SwitchLanguage
from bot.dialogs.flow import Flow, Routes
from bot.dialogs.flows import FLOWS
from bot.dialogs.guards import teen_may
from bot.dialogs.screen import Screen
from bot.dialogs.screens import Screens
from core.errors import DomainError


async def _show(ctx, *args):  # type: ignore[no-untyped-def]
    return Screen([])


def _flow(name: str, **kinds: object) -> Flow:
    flow = Flow(name)
    if "screen" in kinds:
        flow.screen(Screens.MENU)(_show)
    if "action" in kinds:
        flow.action(OpenMenu)(_show)
    if "text" in kinds:
        flow.text(Screens.MENU)(_show)
    if "location" in kinds:
        flow.location(Screens.MENU)(_show)
    if "command" in kinds:
        flow.command("menu")(_show)
    return flow


@pytest.mark.parametrize("kind", ["screen", "action", "text", "location", "command"])
def test_two_flows_declaring_one_thing_are_refused_at_build(kind):
    one, two = _flow("one", **{kind: True}), _flow("two", **{kind: True})
    Routes.build([one])  # alone, it is fine
    with pytest.raises(TypeError, match="declared twice"):
        Routes.build([one, two])


@pytest.mark.parametrize("kind", ["screen", "action", "text", "location", "command"])
def test_one_flow_declaring_one_thing_twice_is_refused(kind):
    flow = _flow("one", **{kind: True})
    again = {
        "screen": lambda: flow.screen(Screens.MENU)(_show),
        "action": lambda: flow.action(OpenMenu)(_show),
        "text": lambda: flow.text(Screens.MENU)(_show),
        "location": lambda: flow.location(Screens.MENU)(_show),
        "command": lambda: flow.command("menu")(_show),
    }[kind]
    with pytest.raises(TypeError, match="declared twice"):
        again()


def test_a_flow_listed_twice_is_refused():
    flow = Flow("one")
    with pytest.raises(TypeError, match="listed twice"):
        Routes.build([flow, Flow("one")])


def test_the_listed_flows_build_and_cover_every_screen():
    routes = Routes.build(FLOWS)
    assert set(routes.screens) == set(Screens)
    assert len({f.name for f in FLOWS}) == len(FLOWS)


def test_the_teen_rule_is_the_flow_s():
    """A child's own account may use the flows declared for them, and the few commands and
    buttons of the others that everyone has (the menu, the language, cancel, start): the
    same as when the rule was a list of file names and of command names."""
    assert {f.name for f in FLOWS if f.teen} == {
        "search",
        "card",
        "apply",
        "apps",
        "balance",
        "help",
        "teen_own",
    }
    routes = Routes.build(FLOWS)
    theirs = {k for f in FLOWS if f.teen for k in (*f.actions, *f.commands)}
    assert routes.teen - theirs == {
        "start",
        "menu",
        "cancel",
        "language",
        OpenMenu,
        SwitchLanguage,
    }
    assert "children" not in routes.teen and "privacy" not in routes.teen
    # a child registered alone: the family's data are theirs, and so is /privacy
    assert {f.name for f in FLOWS if f.alone} == {"privacy"}
    privacy = next(f for f in FLOWS if f.name == "privacy")
    assert routes.alone == {*privacy.actions, *privacy.commands}
    assert "privacy" in routes.alone and not routes.alone & routes.teen
    teen_may(None, False)  # a parent's account
    teen_may(7, True)
    with pytest.raises(DomainError, match="teen_not_allowed"):
        teen_may(7, False)


def test_a_handler_declared_for_teens_in_a_flow_not_theirs():
    flow = Flow("theirs")
    flow.command("menu", teen=True)(_show)
    flow.command("children")(_show)
    flow.action(OpenMenu, teen=True)(_show)
    assert Routes.build([flow]).teen == {"menu", OpenMenu}
    mine = Flow("mine", teen=True)
    mine.command("search")(_show)
    assert Routes.build([mine]).teen == {"search"}
    alone = Flow("alone", alone=True)
    alone.command("privacy")(_show)
    alone.action(OpenMenu)(_show)
    built = Routes.build([alone])
    assert (built.teen, built.alone) == (set(), {"privacy", OpenMenu})
