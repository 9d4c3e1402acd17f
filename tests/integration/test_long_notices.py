"""A notice sent as several messages, whose sending breaks after its first part: the retry
sends only what is missing (Telegram, MAX: the sender remembers; VK: each part has its
own random_id), so the family reads every part once, in order, the button on the last."""

from __future__ import annotations

from typing import Any

import requests

from bot.handlers.max.sender import MaxSender
from bot.handlers.split import MAX_TEXT, TELEGRAM_TEXT, VK_TEXT, split_text
from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.vk.handler import make_vk
from bot.handlers.vk.sender import VkSender
from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits, Outgoing
from core.outbox import delivery
from core.outbox.delivery import Outcome
from tests.support.tg_server import ApiRefusal, FakeTelegram
from tests.support.vk_server import FakeVk

PARAGRAPH = "Запись в кружки 🎨 открыта: приходите с ребёнком в Дом творчества. " * 10
TEXT = "\n\n".join(f"{i}. {PARAGRAPH}" for i in range(16))  # ~11,000 characters
BUTTON = ("Открыть программу", "open:1~sig")


def _notice(
    row: int, address: str, group_key: str | None = None, send_id: int | None = None
) -> Outgoing:
    return Outgoing(row, address, TEXT, BUTTON, group_key, "x", send_id)


class _Counter:
    """The community's counter (core.outbox.delivery.number_batches) without a database."""

    def __init__(self) -> None:
        self.last = 0

    async def __call__(self, batches: list[list[int]]) -> list[int | None]:
        first = self.last + 1
        self.last += len(batches) * delivery.PART_IDS
        return [first + n * delivery.PART_IDS for n in range(len(batches))]


async def test_telegram_retry_sends_only_the_parts_not_sent():
    tg = FakeTelegram()
    await tg.start()
    real = tg._m_sendmessage
    calls = 0

    async def second_fails(params: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ApiRefusal(500, "Internal Server Error")
        return await real(params)

    tg._m_sendmessage = second_fails  # type: ignore[method-assign]
    sender = TelegramSender(make_bot(tg.token, tg.base), LocalPace(), Limits(tg_per_chat=100))
    try:
        first = Outcome()
        await sender.send([_notice(1, "501")], first)
        assert first.retry == {1: 30} and not first.delivered
        again = Outcome()
        await sender.send([_notice(1, "501")], again)
        assert again.delivered == [1]
    finally:
        await sender.close()
        await tg.stop()
    parts = split_text(TEXT, TELEGRAM_TEXT)
    assert len(parts) == 3
    assert [s.text for s in tg.sent] == parts  # each part once, in order
    assert [bool(s.buttons) for s in tg.sent] == [False, False, True]


async def test_vk_retry_is_recognised_part_by_part():
    vk = FakeVk()
    await vk.start()
    sender = VkSender(
        make_vk(vk.token, vk.base), LocalPace(), Limits(vk_per_second=1000), ids=_Counter()
    )
    real = sender.vk.method
    calls = 0

    def second_is_lost(method: str, values: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        result = real(method, values)
        if calls == 2:  # VK took it, the answer was lost on the way
            raise requests.ConnectionError("reset")
        return result

    sender.vk.method = second_is_lost  # type: ignore[method-assign]
    try:
        first = Outcome()
        await sender.send([_notice(1, "601")], first)
        assert first.retry == {1: 30}
        again = Outcome()  # the worker's next claim brings the number the row was sent with
        await sender.send([_notice(1, "601", send_id=1)], again)
        assert again.delivered == [1]
        # an announcement batch: a person who closed messages gets none of the parts
        vk.cant_send = {703}
        batch = Outcome()
        await sender.send(
            [_notice(10 + n, str(p), "bc:1:ru") for n, p in enumerate((701, 702, 703))], batch
        )
        assert sorted(batch.delivered) == [10, 11] and batch.unreachable == {12: "vk:703"}
    finally:
        await sender.close()
        await vk.stop()
    parts = split_text(TEXT, VK_TEXT)
    assert len(parts) == 3
    for peer in (601, 701, 702):
        got = [s for s in vk.sent if s.peer_id == peer]
        assert [s.text for s in got] == parts, peer  # each once, in order
        assert [bool(s.buttons) for s in got] == [False, False, True]
    # two, then the retry all three (VK took the two it had as repeats), then the batch
    assert vk.calls.count("messages.send") == 2 + 3 + 3
    assert not [s for s in vk.sent if s.peer_id == 703]


class _FlakyMax:
    """MaxApi as the sender uses it, with a connection that breaks once, at the second
    message (what the library raises then)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, list[Any]]] = []
        self.calls = 0
        self.bot = self

    async def send_message(self, *, user_id: int, text: str, attachments: list[Any]) -> None:
        self.sent.append((user_id, text, attachments))

    async def call(self, user: str, send: Any, *, reply: bool, attempts: int = 6) -> Any:
        from maxapi.exceptions.max import MaxConnection

        self.calls += 1
        if self.calls == 2:
            raise MaxConnection("connection reset")
        return await send()


async def test_max_retry_sends_only_the_parts_not_sent():
    api = _FlakyMax()
    sender = MaxSender(api)  # type: ignore[arg-type]
    first = Outcome()
    await sender.send([_notice(1, "801")], first)
    assert first.retry == {1: 30}
    again = Outcome()
    await sender.send([_notice(1, "801")], again)
    assert again.delivered == [1]
    parts = split_text(TEXT, MAX_TEXT)
    assert len(parts) == 4
    assert [text for _, text, _ in api.sent] == parts
    assert all(len(text) < 4000 for text in parts)
    assert [bool(a) for _, _, a in api.sent] == [False, False, False, True]
