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
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_TTL_S = 6 * 3600
# made once: json.dumps(..., ensure_ascii=False) builds a JSONEncoder on every call, its
# keyword arguments not being the defaults (issue 30: 1.6 of a save's 9 µs)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class DialogState:
    screen: str = "start"
    data: dict[str, Any] = field(default_factory=dict)
    lang: str = "ru"

    def dumps(self) -> str:
        # not dataclasses.asdict: it deep-copies the data only to serialise them
        return _ENCODE({"screen": self.screen, "data": self.data, "lang": self.lang})

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


@dataclass
class Turn:
    """One person's event handled under their lock (``RedisOrder``): the lock is taken
    together with reading their state, and released together with writing it back (and
    with marking the update handled), so an event costs two Redis round trips for all
    three instead of six. Seen by the state store through ``TURN`` while it is open."""

    key: str  # the state's Redis key
    fetched: bool = False  # ``raw`` holds what the lock's script read
    raw: bytes | None = None
    pending: str | None = None  # the state to write with the release
    closed: bool = False


TURN: ContextVar[Turn | None] = ContextVar("pfdo_turn", default=None)


class RedisStateStore:
    """Dialog state in Redis: survives a restart, shared by replicas, expires ``ttl``
    seconds after the person's last message. Inside an open ``Turn`` for the same key the
    state read with the lock is used, and the write waits for the lock's release."""

    def __init__(self, redis, prefix: str = "pfdo:state:", ttl: int = DEFAULT_TTL_S) -> None:  # type: ignore[no-untyped-def]
        self._redis = redis
        self._prefix = prefix
        self.ttl = ttl

    def key(self, key: str) -> str:
        return self._prefix + key

    def _turn(self, key: str) -> Turn | None:
        turn = TURN.get()
        if turn is None or turn.closed or turn.key != self._prefix + key:
            return None
        return turn

    async def get(self, key: str) -> DialogState | None:
        turn = self._turn(key)
        if turn is not None and turn.pending is not None:
            return DialogState.loads(turn.pending)
        if turn is not None and turn.fetched:
            raw = turn.raw
        else:
            raw = await self._redis.get(self._prefix + key)
        return DialogState.loads(raw) if raw else None

    async def set(self, key: str, state: DialogState) -> None:
        turn = self._turn(key)
        if turn is not None:
            turn.pending = state.dumps()
            return
        await self._redis.set(self._prefix + key, state.dumps(), ex=self.ttl)

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        for key in keys:
            turn = self._turn(key)
            if turn is not None:
                turn.pending, turn.raw = None, None
        await self._redis.delete(*(self._prefix + k for k in keys))
