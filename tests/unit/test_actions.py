"""Typed button actions: packed and unpacked by the engine, checked when defined; every
action has a handler, and every handler's screens exist."""

from __future__ import annotations

import pytest

from bot.dialogs.actions import ACTIONS, Action, OpenConfirmQueue, OpenProgram, action, parse
from bot.dialogs.flow import Routes
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import MAX_PAYLOAD, Signer

ROUTES = Routes.build(FLOWS)


def test_pack_and_unpack_round_trip():
    assert OpenProgram(42).pack() == "prog:42"
    assert parse("prog:42") == OpenProgram(42)
    # a trailing field with a default may be left out (a button of the older shape)
    assert parse("cq") == OpenConfirmQueue(0)
    assert parse("cq:3") == OpenConfirmQueue(3)


@pytest.mark.parametrize(
    "packed",
    [
        "prog",
        "prog:",
        "prog:x",
        "prog:-1",
        "prog:²",
        "prog:٣",
        "prog:1:2",
        "nothing:1",
        "prog:1234567890123",
        "",
    ],
)
def test_what_does_not_unpack_is_none(packed):
    assert parse(packed) is None


def test_a_long_action_fails_when_it_is_defined():
    with pytest.raises(TypeError, match="over 64"):

        @action("too-long")
        class TooLong(Action):
            a: str
            b: str

    with pytest.raises(TypeError, match="int, bool or str"):

        @action("floaty")
        class Floaty(Action):
            x: float

    with pytest.raises(TypeError, match="taken"):

        @action("prog")
        class Again(Action):
            program_id: int


def test_every_action_packs_within_telegram_s_64_bytes_when_signed():
    signer = Signer(b"k")
    for cls in ACTIONS.values():
        longest = {int: 2**31 - 1, bool: True, str: "x" * 24}
        values = {name: longest[kind] for name, kind in cls._FIELDS}
        payload = signer.sign("tg:1234567890", cls(**values).pack())
        assert len(payload.encode()) <= MAX_PAYLOAD, cls.__name__


def test_every_action_has_a_handler_and_every_handler_s_screens_exist():
    missing = [cls.__name__ for cls in ACTIONS.values() if cls not in ROUTES.actions]
    assert missing == []
    for cls, (_, on) in ROUTES.actions.items():
        for screen in on or ():
            assert screen in ROUTES.screens, (cls.__name__, screen)
