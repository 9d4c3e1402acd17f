"""Pieces every surface adapter needs: duplicate updates dropped, one person's events in
order. Memory for one process; Redis when REDIS_URL is set (several replicas)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol


class SeenStore(Protocol):
    async def first_time(self, key: str) -> bool:
        """True the first time ``key`` is offered, False on every repeat."""
        ...


class MemorySeen:
    def __init__(self, capacity: int = 50_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    async def first_time(self, key: str) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


class RedisSeen:
    """SET NX with a day's expiry: Telegram stops re-sending an update long before that."""

    def __init__(self, redis, prefix: str = "pfdo:seen:", ttl: int = 86_400) -> None:  # type: ignore[no-untyped-def]
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl

    async def first_time(self, key: str) -> bool:
        return bool(await self._redis.set(self._prefix + key, b"1", nx=True, ex=self._ttl))


class KeyedLock:
    """One asyncio.Lock per person, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
