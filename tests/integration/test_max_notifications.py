"""Notices and broadcasts through the real maxapi client against the stand-in MAX Bot API,
which refuses (429) anything over its rate."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from sqlalchemy import func, select

from bot.dialogs.signing import Signer
from bot.handlers.max.handler import MaxApi, make_bot
from bot.handlers.max.sender import MaxSender
from bot.i18n import translator
from bot.notify.pacing import LocalPace
from bot.notify.worker import Worker
from core.broadcasts import broadcasts
from core.staff import roles
from core.storage.models import Identity
from core.usecases.jobs import Jobs
from tests.integration.test_notifications import drain
from tests.support.audience import add_parents
from tests.support.max_server import FakeMax
from tests.support.world import catalogue_row, setup_region

# the stand-in enforces this rate and the sender is set to it: MAX's 30/s scaled up so
# 2,000 recipients take seconds, not a minute; what is tested is the pacing, not the figure
RATE = 200


@contextlib.asynccontextmanager
async def stand_in(**kw):
    server = FakeMax(**kw)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make_worker(db, server, **kw):
    api = MaxApi(make_bot(server.token, server.base), LocalPace(), RATE, 2)
    return Worker(Jobs(db), translator(), Signer(b"s"), {"max": MaxSender(api)}, **kw)


async def _broadcast(db, text):
    async with db.uow() as uow:
        author = await roles.grant(uow, "max:1", "coordinator", municipality_code="town")
        bid = await broadcasts.create(uow, author, text, broadcasts.Audience(municipality_id=1))
        await uow.commit()
    return author, bid


def per_user(server):
    return Counter(s.user_id for s in server.sent)


async def test_broadcast_to_2000_max_parents_within_the_limits(sqlite_db):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1)])
    rows = await add_parents(db, 2000, platform_of=lambda n: "max")
    ids = [int(e) for _, _, e in rows]
    async with stand_in(rate_per_s=RATE) as server:
        server.blocked = set(ids[:9])
        author, bid = await _broadcast(db, "Открыт набор в кружки на весну!")
        worker = make_worker(db, server)
        try:
            await drain(worker, db, within=120)
        finally:
            await worker.senders["max"].close()
        assert server.too_many == 0  # paced under the limit: not one 429
        counts = per_user(server)
        assert all(counts.get(u) == 1 for u in ids[9:])
        assert not any(u in counts for u in ids[:9])
        async with db.reader() as uow:
            progress = await broadcasts.progress(uow, author, bid)
            unreachable = await uow.session.scalar(
                select(func.count())
                .select_from(Identity)
                .where(Identity.platform == "max", Identity.unreachable_at.is_not(None))
            )
        assert (progress.sent, progress.blocked, progress.left) == (1991, 9, 0)
        assert unreachable == 9


async def test_worker_killed_mid_broadcast_loses_nothing(sqlite_db, clock):
    db = sqlite_db
    await setup_region(db, rows=[catalogue_row(1)])
    rows = await add_parents(db, 400, platform_of=lambda n: "max")
    async with stand_in(rate_per_s=RATE) as server:
        await _broadcast(db, "Объявление о наборе в секции")
        first = make_worker(db, server, lease_s=2, flush_s=0.2)
        task = asyncio.create_task(first.run())
        await server.wait_sent(150, within=30)
        task.cancel()  # a crash: whatever was sent but not yet recorded stays claimed
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await first.senders["max"].close()
        assert len(server.sent) < 400
        clock.advance(seconds=3)  # the dead worker's lease runs out
        second = make_worker(db, server, lease_s=2)
        try:
            await drain(second, db)
        finally:
            await second.senders["max"].close()
    counts = per_user(server)
    assert len(counts) == len(rows)  # nobody lost
    assert max(counts.values()) <= 2  # at most once more
    assert sum(1 for n in counts.values() if n == 2) <= 40  # only what was in flight
    assert server.too_many == 0
