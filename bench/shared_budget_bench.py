"""Three notification workers sending at once through the budget shared in Redis, to a
Telegram stand-in that answers 429 beyond 30 messages/s per bot and 1 per second per chat.
Prints the recipients, the notices, the 429s and the rate achieved as a share of 30/s.

    [REDIS_URL=redis://…/N] .venv/bin/python -m bench.shared_budget_bench \
        [--recipients 400] [--each 2] [--workers 3]

The Redis database given is flushed first; without one the run claims a database of its
own the way a test process does (bench._data.own_redis).
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from bench._data import own_redis
from tests.support.fleet import telegram_fleet
from tests.support.tg_server import FakeTelegram

LIMIT = 30


async def main(recipients: int, each: int, workers: int) -> None:
    from redis.asyncio import Redis

    url = own_redis("REDIS_URL")
    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()
    tg = FakeTelegram(limit_per_s=LIMIT, chat_limit_per_s=1)
    await tg.start()
    try:
        run = await telegram_fleet(
            tg, url, workers=workers, recipients=recipients, each=each, rate=LIMIT
        )
    finally:
        await tg.stop()
    print(
        f"{workers} workers: {run.recipients} recipients, {run.notices} notices, "
        f"{run.delivered} delivered, {run.too_many} x 429, {run.seconds:.1f} s, "
        f"{run.rate:.2f}/s = {run.rate / LIMIT:.3f} of {LIMIT}/s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=400)
    parser.add_argument("--each", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(args.recipients, args.each, args.workers))
