"""Where a person is in a dialog: the screen and the flow's data. JSON-serialisable, so
it can live in memory (one process) or in Redis (several replicas, restarts)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


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


class MemoryStateStore:
    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    async def get(self, key: str) -> DialogState | None:
        raw = self._states.get(key)
        return DialogState.loads(raw) if raw else None

    async def set(self, key: str, state: DialogState) -> None:
        self._states[key] = state.dumps()


class RedisStateStore:
    """Dialog state in Redis: survives a restart, shared by replicas. Expires after 30 days
    of silence (the parent starts from the menu again)."""

    TTL = 30 * 24 * 3600

    def __init__(self, redis, prefix: str = "pfdo:state:") -> None:  # type: ignore[no-untyped-def]
        self._redis = redis
        self._prefix = prefix

    async def get(self, key: str) -> DialogState | None:
        raw = await self._redis.get(self._prefix + key)
        return DialogState.loads(raw) if raw else None

    async def set(self, key: str, state: DialogState) -> None:
        await self._redis.set(self._prefix + key, state.dumps(), ex=self.TTL)
