"""Joining accounts: codes that cannot be guessed, one answer for every failure, a merge
that keeps one account per messenger."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.family import children, parents
from core.register import linking
from core.storage.models import Child, Identity, LinkCode, LinkFailure, Parent
from tests.support.world import setup_region


async def _parent(db, platform: str, external: str) -> int:
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, platform, external)
        await parents.give_consent(uow, parent.id)
        await uow.commit()
        return parent.id


async def _code(db, parent: int) -> str:
    return await db.run(linking.create_code, parent)


async def test_a_code_is_twelve_digits_kept_only_as_a_hash(db):
    parent = await _parent(db, "tg", "1")
    code = await _code(db, parent)
    digits = linking.normalise(code)
    assert len(digits) == 12 and digits.isdigit()
    async with db.reader() as uow:
        stored = await uow.session.scalar(select(LinkCode.code))
    assert digits not in stored and len(stored) == 64


async def test_guessing_is_cut_off_after_five_failures(db):
    target = await _parent(db, "tg", "1")
    attacker = await _parent(db, "vk", "2")
    code = await _code(db, target)
    wrong = "0000 0000 0000" if linking.normalise(code) != "000000000000" else "1" * 12
    for _ in range(linking.FAILURES_ALLOWED):
        assert await db.run(linking.redeem, attacker, "vk", wrong) is None
    # the sixth try is refused even with the right code, and that live code is used up
    assert await db.run(linking.redeem, attacker, "vk", code) is None
    async with db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(LinkCode)) == 0
        failures = await uow.session.scalar(select(func.count()).select_from(LinkFailure))
    assert failures == linking.FAILURES_ALLOWED + 1
    # an hour later the account may try again
    db.clock.advance(hours=1, minutes=1)
    code = await _code(db, target)
    assert await db.run(linking.redeem, attacker, "vk", code) == target


async def test_a_live_code_tried_wrongly_answers_like_a_wrong_one_and_is_used_up(db):
    target = await _parent(db, "tg", "1")
    same_messenger = await _parent(db, "tg", "2")
    code = await _code(db, target)
    # from the same messenger: refused as any failure (None), and the code is gone
    assert await db.run(linking.redeem, same_messenger, "tg", code) is None
    other = await _parent(db, "vk", "3")
    assert await db.run(linking.redeem, other, "vk", code) is None
    # the family's own code typed by itself
    code = await _code(db, target)
    assert await db.run(linking.redeem, target, "tg", code) is None


async def test_an_account_already_joined_to_a_third_cannot_pull_its_family_over(db):
    await setup_region(db, rows=[])
    a_tg = await _parent(db, "tg", "10")
    a_vk = await _parent(db, "vk", "10")
    assert await db.run(linking.redeem, a_vk, "vk", await _code(db, a_tg)) == a_tg
    async with db.uow() as uow:
        data = children.ChildInput("Иванова", "Мария", None, date(2016, 3, 5), None, 1)
        child = await children.add(uow, a_tg, data)
        await uow.commit()
    b = await _parent(db, "tg", "20")
    # family A (Telegram + VK) types family B's (Telegram) code in VK: refused, nothing moves
    assert await db.run(linking.redeem, a_tg, "vk", await _code(db, b)) is None
    async with db.reader() as uow:
        assert (await uow.session.get(Child, child)).parent_id == a_tg
        accounts = set(
            (await uow.session.execute(select(Identity.platform, Identity.parent_id))).all()
        )
    assert accounts == {("tg", a_tg), ("vk", a_tg), ("tg", b)}


async def test_a_merge_moves_everything_and_deletes_the_joining_account(db):
    await setup_region(db, rows=[])
    target = await _parent(db, "tg", "1")
    source = await _parent(db, "vk", "2")
    async with db.uow() as uow:
        data = children.ChildInput("Иванова", "Мария", None, date(2016, 3, 5), None, 1)
        child = await children.add(uow, source, data)
        await uow.commit()
    await _code(db, source)  # the joining account's own code goes with it
    assert await db.run(linking.redeem, source, "vk", await _code(db, target)) == target
    async with db.reader() as uow:
        assert await uow.session.get(Parent, source) is None
        assert (await uow.session.get(Child, child)).parent_id == target
        assert await parents.accounts(uow, target) in (["tg:1", "vk:2"], ["vk:2", "tg:1"])


async def test_a_merge_leaves_one_debit_notice_per_month(db):
    from core.storage.models import Outbox

    target = await _parent(db, "tg", "1")
    source = await _parent(db, "vk", "2")
    async with db.uow() as uow:
        for parent, month in ((target, 100), (source, 100), (source, 101)):
            uow.session.add(
                Outbox(
                    parent_id=parent,
                    kind="debits",
                    ref=month,
                    dedup_key=f"debits:{parent}:{month}",
                    created_at=uow.now,
                )
            )
        await uow.commit()
    code = await _code(db, target)
    assert await db.run(linking.redeem, source, "vk", code) == target
    async with db.reader() as uow:
        rows = (
            await uow.session.execute(
                select(Outbox.parent_id, Outbox.ref, Outbox.dedup_key)
                .where(Outbox.kind == "debits")
                .order_by(Outbox.ref)
            )
        ).all()
    # month 100 told once (the target's notice reads both families' debits when sent);
    # month 101 keyed to the target, so a later fan-out cannot add a second
    assert [tuple(r) for r in rows] == [
        (target, 100, f"debits:{target}:100"),
        (target, 101, f"debits:{target}:101"),
    ]
