"""Where a person is in a dialog: the screen and the flow's data. JSON-serialisable, so
it can live in memory (one process) or in Redis (several replicas, restarts).

A draft in the state may hold a child's name, birth date and СНИЛС, so a state lives only
a few hours after the person's last message (STATE_TTL_S); after that the person starts
from the menu again. A family that withdraws its consent has the states of all its
messenger accounts deleted at once.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

DEFAULT_TTL_S = 6 * 3600


@dataclass
class DialogState:
    screen: str = "start"
    data: dict[str, Any] = field(default_factory=dict)
    lang: str = "ru"

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str | bytes) -> DialogState:
        value = json.loads(raw)
        return cls(screen=value["screen"], data=value["data"], lang=value["lang"])


class StateStore(Protocol):
    async def get(self, key: str) -> DialogState | None: ...
    async def set(self, key: str, state: DialogState) -> None: ...
    async def delete(self, *keys: str) -> None: ...


class MemoryStateStore:
    """One process: states in a dict, each forgotten ``ttl`` seconds after it was set."""

    def __init__(self, ttl: float = DEFAULT_TTL_S, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._states: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._ttl = ttl
        self._clock = clock

    async def get(self, key: str) -> DialogState | None:
        found = self._states.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            del self._states[key]
            return None
        return DialogState.loads(found[1])

    async def set(self, key: str, state: DialogState) -> None:
        now = self._clock()
        self._states[key] = (now + self._ttl, state.dumps())
        self._states.move_to_end(key)
        # the oldest first: drop what has expired, so silence does not keep data either
        while self._states:
            oldest = next(iter(self._states.values()))
            if oldest[0] > now:
                break
            self._states.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._states.pop(key, None)


class RedisStateStore:
    """Dialog state in Redis: survives a restart, shared by replicas, expires ``ttl``
    seconds after the person's last message."""

    def __init__(self, redis, prefix: str = "pfdo:state:", ttl: int = DEFAULT_TTL_S) -> None:  # type: ignore[no-untyped-def]
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl

    async def get(self, key: str) -> DialogState | None:
        raw = await self._redis.get(self._prefix + key)
        return DialogState.loads(raw) if raw else None

    async def set(self, key: str, state: DialogState) -> None:
        await self._redis.set(self._prefix + key, state.dumps(), ex=self._ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + k for k in keys))
