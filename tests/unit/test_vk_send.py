"""VK's messages.send as the replies use it, with VK's answers played by a stand-in call:
a screen's text in parts (the keyboard on the last) stops at a refused part, since the
parts after it would not read on; a person VK will not let the community message (901)
is marked unreachable and nothing more is sent; a network error reaches the caller of a
screen (the update is answered again) but not of a single message (a file's caption, a
place), which is logged and passed."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import vk_api

from bot.handlers.split import VK_TEXT, split_text
from bot.handlers.vk.api import CANT_SEND
from bot.handlers.vk.replies import Replies

LONG = "Слово за словом. " * 600  # several messages' worth


class _Played(Replies):
    """Replies whose calls to VK are answered from a script: an error code, an exception,
    or None (sent)."""

    def __init__(self, *answers: int | Exception | None) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []
        self.marked: list[str] = []

    async def call(self, method: str, **values: Any) -> Any:
        self.calls.append(values)
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            error = {"error_code": answer, "error_msg": "refused"}
            raise vk_api.exceptions.ApiError(None, method, values, False, error)
        return 1

    async def unreachable(self, user: str) -> None:
        self.marked.append(user)


async def test_every_part_goes_and_the_keyboard_on_the_last():
    parts = split_text(LONG, VK_TEXT)
    assert len(parts) >= 3
    replies = _Played()
    assert await replies._send(7, "7", LONG, '{"buttons": []}', "m1") is True
    assert [c["message"] for c in replies.calls] == parts
    assert ["keyboard" in c for c in replies.calls] == [False] * (len(parts) - 1) + [True]
    assert len({c["random_id"] for c in replies.calls}) == len(parts)


async def test_a_refused_part_stops_the_parts_after_it():
    replies = _Played(100)
    assert await replies._send(7, "7", LONG, "{}", "m1") is True
    assert len(replies.calls) == 1 and replies.marked == []


async def test_a_person_who_cannot_be_messaged_is_marked_and_sent_nothing_more():
    replies = _Played(None, CANT_SEND)
    assert await replies._send(7, "7", LONG, "{}", "m1") is False
    assert len(replies.calls) == 2 and replies.marked == ["7"]
    single = _Played(CANT_SEND)
    assert await single._send_one(7, "7", "подпись", 1, attachment="doc1_2") is False
    assert single.marked == ["7"]


async def test_a_network_error_reaches_a_screen_but_not_a_single_message():
    replies = _Played(requests.ConnectionError("down"))
    with pytest.raises(requests.ConnectionError):
        await replies._send(7, "7", LONG, "{}", "m1")
    single = _Played(requests.ConnectionError("down"))
    assert await single._send_one(7, "7", "Дом культуры", 1, lat=48.8, long=132.9) is True
    assert single.calls[0]["lat"] == 48.8 and single.marked == []
    refused = _Played(100)
    assert await refused._send_one(7, "7", "подпись", 1) is True
