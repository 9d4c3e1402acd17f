"""A broadcast to 20,000 recipients against stand-ins that enforce the platforms' limits.

Telegram: the stand-in refuses (429) beyond 30 messages/s per bot; prints the sustained rate
and its ratio to 30/s (target ≥ 0.93, zero 429). VK: the stand-in refuses (error 6) beyond
20 requests/s per token; messages.send carries up to 100 peer_ids; prints recipients/s
(target ≥ 1,500) and the ratio to the ceiling of 20 × 100 = 2,000/s. MAX: the stand-in
refuses (429) beyond 30 requests/s per bot and has no send-to-many; prints messages/s and
the ratio to 30/s (target ≥ 0.9, zero 429). All run the real worker (claim → render →
pace → send → record) on SQLite, over HTTP on 127.0.0.1, with the real client libraries.

    .venv/bin/python -m bench.broadcast_bench [--recipients 20000] [--only tg|vk|max]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import time

from sqlalchemy import func, select

from bench._data import fresh_sqlite
from bot.dialogs.signing import Signer
from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.sender import TelegramSender
from bot.handlers.vk.handler import make_vk
from bot.handlers.vk.sender import StoredIds, VkSender
from bot.i18n import translator
from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits
from bot.notify.worker import Worker
from core.broadcasts import broadcasts
from core.staff import roles
from core.storage.db import Database
from core.storage.models import Outbox
from core.usecases.jobs import Jobs
from tests.support.audience import add_parents
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk
from tests.support.world import catalogue_row, setup_region


async def prepare(platform: str, n: int) -> tuple[Database, object]:
    url, folder = fresh_sqlite(f"broadcast-{platform}")
    db = Database(url)
    await setup_region(db, rows=[catalogue_row(1)])
    await add_parents(db, n, platform_of=lambda _: platform)
    async with db.uow() as uow:
        author = await roles.grant(uow, "tg:1", "coordinator", municipality_code="town")
        await broadcasts.create(
            uow,
            author,
            "Открыт набор в кружки и секции на второе полугодие",
            broadcasts.Audience(municipality_id=1),
        )
        await uow.commit()
    return db, folder


async def pending(db: Database) -> int:
    async with db.reader() as uow:
        return int(
            await uow.session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.status == "pending")
            )
            or 0
        )


async def run_worker(db: Database, sender_key: str, sender) -> float:  # type: ignore[no-untyped-def]
    worker = Worker(Jobs(db), translator(), Signer(b"bench"), {sender_key: sender}, batch=500)
    start = time.perf_counter()
    while await pending(db):
        if not await worker.step():
            await asyncio.sleep(0.05)
    return time.perf_counter() - start


async def telegram(n: int) -> None:
    db, folder = await prepare("tg", n)
    tg = FakeTelegram(limit_per_s=30, chat_limit_per_s=1)
    await tg.start()
    bot = make_bot(tg.token, tg.base)
    try:
        elapsed = await run_worker(db, "tg", TelegramSender(bot, LocalPace(), Limits()))
        sent = len(tg.sent)
        rate = sent / elapsed
        print(
            f"telegram: {sent} messages in {elapsed:.1f} s = {rate:.2f}/s; "
            f"ratio to 30/s {rate / 30:.3f} (target ≥ 0.93); 429 answers: {tg.too_many}"
        )
        assert sent == n, (sent, n)
    finally:
        await bot.session.close()
        await tg.stop()
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def vk(n: int) -> None:
    db, folder = await prepare("vk", n)
    fake = FakeVk(limit_per_s=20)
    await fake.start()
    try:
        ids = StoredIds(db, fake.group_id)
        sender = VkSender(make_vk(fake.token, fake.base), LocalPace(), Limits(), ids=ids)
        elapsed = await run_worker(db, "vk", sender)
        sent = len(fake.sent)
        rate = sent / elapsed
        requests = fake.calls.count("messages.send")
        print(
            f"vk: {sent} recipients in {elapsed:.1f} s over {requests} requests = "
            f"{rate:.0f} recipients/s (target ≥ 1500); ratio to 2000/s {rate / 2000:.2f}; "
            f"error 6 answers: {fake.too_many}"
        )
        assert sent == n, (sent, n)
    finally:
        await fake.stop()
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def max_(n: int) -> None:
    from bot.handlers.max.handler import MaxApi
    from bot.handlers.max.handler import make_bot as make_max
    from bot.handlers.max.sender import MaxSender
    from tests.support.max_server import FakeMax

    db, folder = await prepare("max", n)
    fake = FakeMax(rate_per_s=30)
    await fake.start()
    sender = MaxSender(MaxApi(make_max(fake.token, fake.base), LocalPace(), 30, 2))
    try:
        elapsed = await run_worker(db, "max", sender)
        sent = len(fake.sent)
        rate = sent / elapsed
        print(
            f"max: {sent} messages in {elapsed:.1f} s = {rate:.2f}/s; "
            f"ratio to 30/s {rate / 30:.3f} (target ≥ 0.9); 429 answers: {fake.too_many}"
        )
        assert sent == n, (sent, n)
    finally:
        await sender.close()
        await fake.stop()
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def main(n: int, only: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    if only in (None, "vk"):
        await vk(n)
    if only in (None, "tg"):
        await telegram(n)
    if only in (None, "max"):
        await max_(n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--only", choices=("tg", "vk", "max"))
    args = parser.parse_args()
    asyncio.run(main(args.recipients, args.only))
