"""The Telegram webhook endpoint of one and of two replicas, over loopback.

Each replica is a real `python -m bot telegram` process in webhook mode on PostgreSQL and
Redis (the production setup); a stand-in Bot API server takes their replies. A load
generator posts a bounded number of updates (and stops after a time limit), round-robin
over the replicas, 32 at a time, and prints updates/s and the p99 of the round trip for
one replica and for two; the ratio of the two rates shows how it scales on this machine.
With the deployed send budget (`--telegram-rate 30`) both are bounded by Telegram's ~30
messages/s; a higher rate measures the replicas themselves.

    .venv/bin/python -m bench.webhook_bench [--updates 3000] [--users 500]
        [--telegram-rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import time

import aiohttp

from bench._data import PG_ADMIN, _pg_admin, own_redis, percentile
from bench._replicas import free_port, replica_env, wait_ready
from tests.support.tg_server import FakeTelegram

SECRET = "bench-webhook-secret-123456"
TIME_LIMIT = 120.0


async def load(ports: list[int], n: int, users: int, start_id: int) -> tuple[float, list[float]]:
    ids = itertools.count(start_id)
    latencies: list[float] = []
    targets = itertools.cycle(ports)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    deadline = time.monotonic() + TIME_LIMIT

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            i = queue.get_nowait()
            user = 1_000_000 + i % users
            update = {
                "update_id": next(ids),
                "message": {
                    "message_id": i,
                    "date": 0,
                    "chat": {"id": user, "type": "private"},
                    "from": {
                        "id": user,
                        "is_bot": False,
                        "first_name": "B",
                        "language_code": "ru",
                    },
                    "text": "/menu" if i % 2 else "/help",
                },
            }
            url = f"http://127.0.0.1:{next(targets)}/telegram/webhook"
            t0 = time.perf_counter()
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
            latencies.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:
        await asyncio.gather(*(client(http) for _ in range(32)))
    return time.perf_counter() - start, latencies


async def main(n: int, users: int, rate: float) -> None:
    redis_url = own_redis()  # the run's own: flushed below
    name = f"pfdo_bench_{os.getpid()}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    db_url = (
        PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + name
    )
    tg = FakeTelegram()
    await tg.start()
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "bot", "seed-demo"],
            check=True,
            env=replica_env(db_url, redis_url, tg, 0, SECRET),
        )
        from redis.asyncio import Redis

        r = Redis.from_url(redis_url)
        await r.flushdb()
        await r.aclose()
        ports = [free_port(), free_port()]
        for port in ports:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "telegram"],
                    env=replica_env(db_url, redis_url, tg, port, SECRET, TELEGRAM_RATE=str(rate)),
                )
            )
        for port in ports:
            await wait_ready(port)
        # warm-up: every user exists, every replica has its connections
        await load(ports, users, users, 1)
        results = {}
        for label, targets in (("1 replica", ports[:1]), ("2 replicas", ports)):
            elapsed, lat = await load(targets, n, users, 10_000_000 * (len(targets) + 1))
            rate = len(lat) / elapsed
            results[label] = rate
            print(
                f"{label}: {len(lat)} updates in {elapsed:.1f} s = {rate:.0f} updates/s, "
                f"p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms"
            )
        print(
            f"two replicas / one: {results['2 replicas'] / results['1 replica']:.2f}x "
            f"(on {os.cpu_count()} cores shared by the replicas, PostgreSQL, Redis and the "
            "load generator)"
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(10)
        await tg.stop()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument(
        "--telegram-rate",
        type=float,
        default=30,
        help="the bot's send budget (TELEGRAM_RATE): 30 as deployed, where every answer "
        "waits for Telegram's budget; higher to measure the replicas",
    )
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.users, args.telegram_rate))
