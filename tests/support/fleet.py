"""Several notification workers sending at once, each with its own HTTP session and its own
Redis connection (as separate processes have), drawing from the budgets shared in Redis."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.sender import TelegramSender
from bot.notify.pacing import RedisPace
from bot.notify.senders import Limits, Outgoing
from core.outbox.delivery import Outcome
from tests.support.tg_server import FakeTelegram


@dataclass(frozen=True)
class FleetRun:
    recipients: int
    notices: int
    delivered: int
    too_many: int  # 429 answers the stand-in gave
    seconds: float

    @property
    def rate(self) -> float:
        return self.notices / self.seconds if self.seconds else 0.0


async def telegram_fleet(
    tg: FakeTelegram,
    redis_url: str,
    *,
    workers: int = 3,
    recipients: int = 400,
    each: int = 2,
    rate: float = 30,
) -> FleetRun:
    """``recipients`` chats get ``each`` notices, dealt out in turn to ``workers`` senders
    so one chat's notices go from different workers (its 1/s is shared too)."""
    from redis.asyncio import Redis

    items = [
        Outgoing(n * each + k, str(10_000 + n), f"Уведомление {k}", None, None, "tg")
        for k in range(each)
        for n in range(recipients)
    ]
    shares = [items[w::workers] for w in range(workers)]
    clients = [Redis.from_url(redis_url) for _ in range(workers)]
    senders = [
        TelegramSender(
            make_bot(tg.token, tg.base), RedisPace(c), Limits(tg_per_second=rate, tg_per_chat=1)
        )
        for c in clients
    ]
    outcomes = [Outcome() for _ in range(workers)]
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(s.send(share, o) for s, share, o in zip(senders, shares, outcomes, strict=True))
        )
        seconds = time.monotonic() - started
    finally:
        for s in senders:
            await s.close()
        for c in clients:
            await c.aclose()
    return FleetRun(
        recipients,
        len(items),
        sum(len(o.delivered) for o in outcomes),
        tg.too_many,
        seconds,
    )
