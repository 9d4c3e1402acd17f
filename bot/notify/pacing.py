"""Pacing sends by each platform's limits, shared by every process through Redis.

In one process: aiolimiter's leaky bucket. With REDIS_URL: GCRA in one Lua script (a Redis
primitive, atomic), so workers and bot replicas draw from the same budget. Both space
sends evenly (bursts smoothed), with a small margin under the platform's limit.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Protocol

from aiolimiter import AsyncLimiter

MARGIN = 0.98  # stay just under the limit: clocks and networks jitter


class Pace(Protocol):
    async def acquire(self, key: str, per_second: float) -> None: ...


class LocalPace:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._limiters: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._max = max_keys

    async def acquire(self, key: str, per_second: float) -> None:
        limiter = self._limiters.get(key)
        if limiter is None:
            # capacity 1: one send per interval, never a burst
            limiter = AsyncLimiter(1, 1 / (per_second * MARGIN))
            self._limiters[key] = limiter
            if len(self._limiters) > self._max:
                self._limiters.popitem(last=False)
        else:
            self._limiters.move_to_end(key)
        await limiter.acquire()


GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat > now then return tat - now end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(interval / 1000) + 1000)
return 0
"""


class RedisPace:
    """GCRA (generic cell rate algorithm) in Redis: the key holds the theoretical arrival
    time of the next allowed send; a caller early by N µs waits N µs and asks again."""

    def __init__(self, redis, prefix: str = "pfdo:pace:") -> None:  # type: ignore[no-untyped-def]
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(GCRA)

    async def acquire(self, key: str, per_second: float) -> None:
        interval = int(1_000_000 / (per_second * MARGIN))
        while True:
            wait_us = int(await self._script(keys=[self._prefix + key], args=[interval]))
            if wait_us <= 0:
                return
            await asyncio.sleep(wait_us / 1_000_000)
