"""VK keeps random_id unique per sender, not per recipient: each batch of an announcement
needs its own, and a retried batch the same one again."""

from __future__ import annotations

from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits, Outgoing
from bot.platforms.vk.sender import VkSender
from bot.platforms.vk.surface import make_vk
from core.notify.delivery import Outcome
from tests.support.vk_server import FakeVk


def _items(first_row: int, peers: list[int]) -> list[Outgoing]:
    return [
        Outgoing(first_row + n, str(peer), "Запись открыта", None, "bc:7:ru", "vk")
        for n, peer in enumerate(peers)
    ]


async def test_every_batch_of_an_announcement_is_delivered_and_a_retry_is_not():
    vk = FakeVk()
    await vk.start()
    try:
        sender = VkSender(make_vk(vk.token, vk.base), LocalPace(), Limits(vk_per_second=1000))
        peers = list(range(1, 251))  # three batches of up to 100
        items = _items(1000, peers)
        outcome = Outcome()
        await sender.send(items, outcome)
        assert sorted(outcome.delivered) == [i.row_id for i in items]
        assert vk.per_peer() == dict.fromkeys(peers, 1)
        assert vk.swallowed == 0
        # the worker died before recording: the same rows go again, in the same batches
        again = Outcome()
        await sender.send(items, again)
        assert sorted(again.delivered) == [i.row_id for i in items]
        assert vk.per_peer() == dict.fromkeys(peers, 1)  # nobody got it twice
        # the next announcement to the same people is new
        await sender.send(
            [
                Outgoing(5000 + n, str(p), "Ещё", None, "bc:8:ru", "vk")
                for n, p in enumerate(peers)
            ],
            Outcome(),
        )
        assert vk.per_peer() == dict.fromkeys(peers, 2)
    finally:
        await vk.stop()


async def test_passing_vk_errors_are_tried_again_then_left_for_later():
    """Errors 6, 9 and 10 say nothing about the message or the person: the notice goes
    again after a wait (the same random_id, one message), and one refused every time is
    left for a later round of the worker instead of failing at the first answer."""
    vk = FakeVk()
    await vk.start()
    try:
        sender = VkSender(
            make_vk(vk.token, vk.base), LocalPace(), Limits(vk_per_second=1000), backoff_s=0.01
        )
        vk.errors["messages.send"] = [9, 10, 6]
        outcome = Outcome()
        await sender.send(_items(1, [11, 12]), outcome)
        assert sorted(outcome.delivered) == [1, 2]
        assert vk.calls.count("messages.send") == 4
        assert vk.per_peer() == {11: 1, 12: 1}
        single = Outgoing(3, "13", "Списание", None, None, "vk")
        vk.errors["messages.send"] = [10] * sender.attempts
        later = Outcome()
        await sender.send([single], later)
        assert later.retry == {3: 60}
        assert not later.failed and not later.delivered
        vk.errors["messages.send"] = [100]  # a refusal of the request itself: no retry
        failed = Outcome()
        await sender.send([single], failed)
        assert failed.failed == {3: "vk error 100"}
    finally:
        await vk.stop()
