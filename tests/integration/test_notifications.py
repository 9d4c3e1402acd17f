"""The outbox worker against stand-in Telegram and VK servers that enforce the limits."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.dialogs.signing import Signer
from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.vk.handler import make_vk
from bot.handlers.vk.sender import StoredIds, VkSender
from bot.i18n import translator
from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits
from bot.notify.worker import Worker
from core.accounting import month_close
from core.broadcasts import broadcasts
from core.enrolment import decisions, enrolment
from core.family import follows
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import Identity, Outbox
from core.usecases.jobs import Jobs
from tests.support.audience import add_parents
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


@contextlib.asynccontextmanager
async def stand_ins(**tg_kw):
    tg, vk = FakeTelegram(**tg_kw), FakeVk(limit_per_s=20)
    await tg.start()
    await vk.start()
    try:
        yield tg, vk
    finally:
        await tg.stop()
        await vk.stop()


def make_worker(db, tg, vk, limits=None, **kw):
    limits = limits or Limits()
    pace = LocalPace()
    senders = {
        "tg": TelegramSender(make_bot(tg.token, tg.base), pace, limits),
        "vk": VkSender(make_vk(vk.token, vk.base), pace, limits, ids=StoredIds(db, vk.group_id)),
    }
    return Worker(Jobs(db), translator(), Signer(b"s"), senders, **kw)


async def drain(worker, db, within=300):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if not await worker.step():
            async with db.reader() as uow:
                pending = await uow.session.scalar(
                    select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
                )
            if not pending:
                return
            await asyncio.sleep(0.2)
    raise AssertionError("the outbox did not drain")


async def close(worker):
    await worker.senders["tg"].bot.session.close()


async def _coordinator(db):
    async with db.uow() as uow:
        pid = await roles.grant(uow, "tg:1", "coordinator", municipality_code="town")
        await uow.commit()
    return pid


async def test_broadcast_to_2000_parents_within_the_limits(sqlite_db):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1)])
    rows = await add_parents(db, 2000, platform_of=lambda n: "tg" if n % 2 else "vk")
    author = await _coordinator(db)
    tg_ids = [int(e) for _, p, e in rows if p == "tg"]
    vk_ids = [int(e) for _, p, e in rows if p == "vk"]
    async with stand_ins(limit_per_s=30, chat_limit_per_s=1) as (tg, vk):
        tg.blocked = set(tg_ids[:7])
        vk.cant_send = set(vk_ids[:5])
        async with db.uow() as uow:
            audience = broadcasts.Audience(municipality_id=1)
            assert await broadcasts.count_audience(uow, audience) == 2000
            bid = await broadcasts.create(uow, author, "Открыт набор в кружки на весну!", audience)
            await uow.commit()
        worker = make_worker(db, tg, vk)
        try:
            await drain(worker, db)
        finally:
            await close(worker)
        assert tg.too_many == 0
        assert vk.too_many == 0
        tg_counts, vk_counts = tg.per_chat(), vk.per_peer()
        assert all(tg_counts.get(c) == 1 for c in tg_ids[7:])
        assert all(vk_counts.get(p) == 1 for p in vk_ids[5:])
        assert not any(c in tg_counts for c in tg_ids[:7])
        assert max(vk.calls.count("messages.send"), 1) <= 12  # batched by 100
        async with db.uow() as uow:
            progress = await broadcasts.progress(uow, author, bid)
            unreachable = await uow.session.scalar(
                select(func.count())
                .select_from(Identity)
                .where(Identity.unreachable_at.is_not(None))
            )
        assert (progress.sent, progress.blocked, progress.left) == (1988, 12, 0)
        assert unreachable == 12


async def test_worker_killed_mid_broadcast_resends_only_what_was_in_flight(sqlite_db, clock):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1)])
    rows = await add_parents(db, 400)
    author = await _coordinator(db)
    async with stand_ins(limit_per_s=100) as (tg, vk):
        async with db.uow() as uow:
            await broadcasts.create(
                uow, author, "Объявление о наборе в секции", broadcasts.Audience(municipality_id=1)
            )
            await uow.commit()
        first = make_worker(db, tg, vk, Limits(tg_per_second=100), lease_s=2, flush_s=0.2)
        task = asyncio.create_task(first.run())
        await tg.wait_sent(150, within=30)
        task.cancel()  # a crash: whatever was sent but not yet recorded stays claimed
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await close(first)
        sent_before = len(tg.sent)
        assert sent_before < 400
        clock.advance(seconds=3)  # the dead worker's lease runs out
        second = make_worker(db, tg, vk, Limits(tg_per_second=100), lease_s=2)
        try:
            await drain(second, db)
        finally:
            await close(second)
    counts = tg.per_chat()
    assert len(counts) == len(rows)
    twice = [c for c, n in counts.items() if n == 2]
    assert max(counts.values()) <= 2  # at most once more
    assert len(twice) <= 40  # only the last 0.2 s of sending: what was in flight
    assert tg.too_many == 0


async def test_429_waits_retry_after_and_sends_the_same_message(sqlite_db):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1)])
    await add_parents(db, 40)
    author = await _coordinator(db)
    # the server allows less than the worker is configured for: 429s will come
    async with stand_ins(limit_per_s=10) as (tg, vk):
        async with db.uow() as uow:
            await broadcasts.create(
                uow, author, "Проверка ответа 429 сервера", broadcasts.Audience(municipality_id=1)
            )
            await uow.commit()
        worker = make_worker(db, tg, vk, Limits(tg_per_second=40))
        try:
            await drain(worker, db, within=60)
        finally:
            await close(worker)
    assert tg.too_many > 0
    assert sorted(tg.per_chat().values()) == [1] * 40


async def test_debits_are_one_grouped_message_without_a_planned_warning(sqlite_db, clock):
    db = sqlite_db
    await setup_region(
        db, nominal=1200, rows=[catalogue_row(1, price=50), catalogue_row(2, price=50)]
    )
    parent, child = await parent_with_child(db, "555")
    groups = [await group_id(db, ext) for ext in ("g1", "g2")]
    async with db.uow() as uow:
        staff = await roles.grant(uow, "tg:900", "provider", provider_external_id="prov1")
        for g in groups:
            app = await enrolment.apply(uow, parent, child, g)
            await accept_contract(uow, staff, app)
            await decisions.provider_decide(uow, staff, app, AppStatus.ENROLLED)
        await uow.commit()
    clock.set(datetime(2026, 11, 1, 9, 0))
    async with db.uow() as uow:
        await month_close.close_month(uow, month_index(2026, 10))
        await uow.commit()
    async with stand_ins() as (tg, vk):
        worker = make_worker(db, tg, vk)
        try:
            await drain(worker, db)
        finally:
            await close(worker)
    debit_messages = [s for s in tg.sent if s.chat_id == 555 and "Списания" in s.text]
    assert len(debit_messages) == 1
    text = debit_messages[0].text
    assert text.count("списано") == 2
    assert "Программа 1" in text
    assert "Программа 2" in text
    # 1 100 ₽ minus the two reservations leaves little available: the family's own plan
    # (both applied for), not news (test_one_notice: when it is warned)
    assert "меньше" not in text


async def test_free_seat_goes_to_the_first_follower_only(sqlite_db):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1, seats=1, register="significant", price=0)])
    holder = await parent_with_child(db, "10", certificate="accounting")
    first = await parent_with_child(db, "11", certificate="accounting")
    second = await parent_with_child(db, "12", certificate="accounting")
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        app = await enrolment.apply(uow, *holder, g)
        await follows.follow(uow, first[0], 1)
        await follows.follow(uow, second[0], 1)
        await uow.commit()
    async with db.uow() as uow:
        await enrolment.cancel(uow, holder[0], app)
        await uow.commit()
    async with db.reader() as uow:
        told = (
            await uow.session.scalars(select(Outbox.parent_id).where(Outbox.kind == "seat_free"))
        ).all()
    assert told == [first[0]]
    async with stand_ins() as (tg, vk):
        worker = make_worker(db, tg, vk)
        try:
            await drain(worker, db)
        finally:
            await close(worker)
    seat = [s for s in tg.sent if "освободилось место" in s.text]
    assert [s.chat_id for s in seat] == [11]
    assert seat[0].buttons  # a button to the program card


@pytest.mark.postgres
async def test_two_workers_never_send_a_row_twice(postgres_url, clock):
    from core.storage.db import Database
    from tests.conftest import _truncate

    a, b = Database(postgres_url, clock=clock), Database(postgres_url, clock=clock)
    try:
        await _truncate(a)
        await setup_region(a, rows=[catalogue_row(1)])
        await add_parents(a, 300)
        author = await _coordinator(a)
        async with a.uow() as uow:
            await broadcasts.create(
                uow,
                author,
                "Два обработчика, одна рассылка",
                broadcasts.Audience(municipality_id=1),
            )
            await uow.commit()
        async with stand_ins() as (tg, vk):
            limits = Limits(tg_per_second=500)
            w1 = make_worker(a, tg, vk, limits, batch=25)
            w2 = make_worker(b, tg, vk, limits, batch=25)
            try:
                await asyncio.gather(drain(w1, a), drain(w2, b))
            finally:
                await close(w1)
                await close(w2)
        assert sorted(tg.per_chat().values()) == [1] * 300
    finally:
        await a.dispose()
        await b.dispose()
