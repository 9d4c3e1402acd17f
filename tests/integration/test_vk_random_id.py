"""VK keeps random_id unique per sender (the community), not per recipient, for ever: a
second message with a used one is dropped without a word, whoever it is to. Each batch of
notices takes a number of the community's counter in the database when it is first sent,
kept on its outbox rows, so a retry sends the same one and no two batches share one."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from bot.handlers.vk.handler import make_vk
from bot.handlers.vk.sender import StoredIds, VkSender
from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits, Outgoing
from core.outbox import delivery
from core.outbox.delivery import Outcome
from core.storage.db import Database
from core.storage.models import Outbox
from tests.support.audience import add_parents
from tests.support.vk_server import FakeVk
from tests.support.world import catalogue_row, setup_region

P = delivery.PART_IDS


async def _rows(db, parent_ids: list[int], *, ids: list[int] | None = None) -> list[int]:
    """Pending outbox rows for these parents (with these ids when given)."""
    async with db.uow() as uow:
        for n, pid in enumerate(parent_ids):
            values = {
                "parent_id": pid,
                "kind": "broadcast",
                "status": "pending",
                "attempts": 0,
                "created_at": uow.now,
            }
            if ids is not None:
                values["id"] = ids[n]
            await uow.session.execute(insert(Outbox).values(**values))
        await uow.commit()
    async with db.reader() as uow:
        found = await uow.session.scalars(
            select(Outbox.id).where(Outbox.parent_id.in_(parent_ids)).order_by(Outbox.id)
        )
        return list(found)


async def _claimed(db, rows: list[int], address: dict[int, str], key: str | None):
    """What the worker's claim brings for these rows (their stored send_id with them)."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(Outbox).where(Outbox.id.in_(rows)).values(claimed_until=None)
        )
        claimed = [c for c in await delivery.claim(uow, 1000, 60) if c.id in set(rows)]
        await uow.commit()
    return [
        Outgoing(c.id, address[c.id], "Запись открыта", None, key, "vk", c.send_id)
        for c in claimed
    ]


async def _send_ids(db, rows: list[int]) -> dict[int, int | None]:
    async with db.reader() as uow:
        found = await uow.session.execute(
            select(Outbox.id, Outbox.send_id).where(Outbox.id.in_(rows))
        )
        return dict(found.all())  # type: ignore[arg-type]


def _sender(vk: FakeVk, db) -> VkSender:  # type: ignore[no-untyped-def]
    limits = Limits(vk_per_second=1000)
    return VkSender(
        make_vk(vk.token, vk.base), LocalPace(), limits, ids=StoredIds(db, vk.group_id)
    )


async def test_batches_numbered_once_kept_on_retry_and_never_shared(db):
    await setup_region(db, rows=[catalogue_row(1)])
    people = await add_parents(db, 250, platform_of=lambda n: "vk")
    peers = {pid: ext for pid, _, ext in people}
    rows = await _rows(db, list(peers))
    async with db.reader() as uow:
        owners = dict((await uow.session.execute(select(Outbox.id, Outbox.parent_id))).all())
    address = {r: peers[owners[r]] for r in rows}
    vk = FakeVk()
    await vk.start()
    try:
        outcome = Outcome()
        await _sender(vk, db).send(await _claimed(db, rows, address, "bc:7:ru"), outcome)
        assert sorted(outcome.delivered) == rows
        first = await _send_ids(db, rows)
        # batches of 100, 100, 50, each reserving PART_IDS numbers (one a part of a long text)
        assert sorted(set(first.values())) == [1 + n * P for n in range(3)]
        assert sorted(vk.per_peer().values()) == [1] * 250
        # the worker died before recording, and another process takes the rows over: each
        # goes again with its batch's number, and VK keeps one message of each
        url = db.engine.url.render_as_string(hide_password=False)
        restarted = Database(url)
        try:
            again = Outcome()
            retry = await _claimed(restarted, rows, address, "bc:7:ru")
            assert {o.row_id: o.send_id for o in retry} == first
            await _sender(vk, restarted).send(retry, again)
            assert sorted(again.delivered) == rows
            assert await _send_ids(restarted, rows) == first
            assert sorted(vk.per_peer().values()) == [1] * 250
            # the next announcement to the same people, from the new process: new numbers
            later = await _rows(restarted, list(peers))
            later = [r for r in later if r not in first]
            async with restarted.reader() as uow:
                owners2 = dict(
                    (await uow.session.execute(select(Outbox.id, Outbox.parent_id))).all()
                )
            address |= {r: peers[owners2[r]] for r in later}
            third = Outcome()
            await _sender(vk, restarted).send(
                await _claimed(restarted, later, address, "bc:8:ru"), third
            )
            assert sorted(third.delivered) == later
            assert sorted(set((await _send_ids(restarted, later)).values())) == [
                1 + n * P for n in range(3, 6)
            ]
            assert sorted(vk.per_peer().values()) == [2] * 250
            assert vk.swallowed == 0
        finally:
            await restarted.dispose()
    finally:
        await vk.stop()


async def test_two_notices_the_old_hash_gave_one_random_id_both_arrive(db):
    """Rows 832 (to 1002) and 240333 (to 1001) had the same random_id under the hash of
    (row, peer) used before (2065455837): VK dropped the second while it was recorded
    as delivered. Numbered from the counter, each is a message of its own."""
    await setup_region(db, rows=[catalogue_row(1)])
    people = await add_parents(db, 2, platform_of=lambda n: "vk")
    rows = await _rows(db, [pid for pid, _, _ in people], ids=[832, 240333])
    address = {832: "1002", 240333: "1001"}
    vk = FakeVk()
    await vk.start()
    try:
        sender = _sender(vk, db)
        for row in rows:  # two rounds of the worker, a single notice each
            outcome = Outcome()
            await sender.send(await _claimed(db, [row], address, None), outcome)
            assert outcome.delivered == [row]
        assert vk.per_peer() == {1001: 1, 1002: 1}
        assert vk.swallowed == 0
        ids = await _send_ids(db, rows)
        assert ids[832] != ids[240333]
    finally:
        await vk.stop()


async def test_a_batch_taken_over_meanwhile_is_not_sent_with_a_new_number(db):
    """Another worker numbered the rows first (this one's lease ran out): this batch is
    left for the next claim, which brings the stored number."""
    await setup_region(db, rows=[catalogue_row(1)])
    people = await add_parents(db, 2, platform_of=lambda n: "vk")
    rows = await _rows(db, [pid for pid, _, _ in people])
    numbers = await db.run(delivery.number_batches, "vk_random_id:777", [rows[:1]])
    assert numbers == [1]
    assert await db.run(delivery.number_batches, "vk_random_id:777", [rows]) == [None]
    ids = await _send_ids(db, rows)
    assert ids[rows[0]] == 1  # kept
    assert ids[rows[1]] == 1 + P  # a number nothing was sent with: its own from now on
    # another community's counter is another sequence
    assert await db.run(delivery.number_batches, "vk_random_id:778", [[rows[0]]]) == [None]
    fresh = await _rows(db, [people[0][0]])
    fresh = [r for r in fresh if r not in rows]
    assert await db.run(delivery.number_batches, "vk_random_id:778", [fresh]) == [1 + P]


async def test_passing_vk_errors_are_tried_again_then_left_for_later(db):
    """Errors 6, 9 and 10 say nothing about the message or the person: the notice goes
    again after a wait (the same random_id, one message), and one refused every time is
    left for a later round of the worker instead of failing at the first answer."""
    await setup_region(db, rows=[catalogue_row(1)])
    people = await add_parents(db, 3, platform_of=lambda n: "vk")
    rows = await _rows(db, [pid for pid, _, _ in people])
    address = dict(zip(rows, ["11", "12", "13"], strict=True))
    vk = FakeVk()
    await vk.start()
    try:
        sender = VkSender(
            make_vk(vk.token, vk.base),
            LocalPace(),
            Limits(vk_per_second=1000),
            ids=StoredIds(db, vk.group_id),
            backoff_s=0.01,
        )
        vk.errors["messages.send"] = [9, 10, 6]
        outcome = Outcome()
        await sender.send(await _claimed(db, rows[:2], address, "bc:1:ru"), outcome)
        assert sorted(outcome.delivered) == rows[:2]
        assert vk.calls.count("messages.send") == 4
        assert vk.per_peer() == {11: 1, 12: 1}
        single = await _claimed(db, rows[2:], address, None)
        vk.errors["messages.send"] = [10] * sender.attempts
        later = Outcome()
        await sender.send(single, later)
        assert later.retry == {rows[2]: 60}
        assert not later.failed and not later.delivered
        vk.errors["messages.send"] = [100]  # a refusal of the request itself: no retry
        failed = Outcome()
        await sender.send(await _claimed(db, rows[2:], address, None), failed)
        assert failed.failed == {rows[2]: "vk error 100"}
    finally:
        await vk.stop()
