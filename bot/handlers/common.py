"""Pieces every messenger's handler needs: duplicate updates dropped, one person's events in
order. Memory for one process; Redis when REDIS_URL is set (several replicas)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from redis.exceptions import RedisError

from bot.dialogs.state import TURN, RedisStateStore, Turn

logger = logging.getLogger(__name__)


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
    """SET NX with a day's expiry: Telegram stops re-sending an update long before that.
    With the person's Redis lock, the mark is set in the lock's own script (``mark``).

    With Redis unreachable an update counts as new: a rare repeat answered twice is better
    than a person answered never."""

    def __init__(self, redis, prefix: str = "pfdo:seen:", ttl: int = 86_400) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl

    def mark(self, key: str) -> Seen:
        """``key`` to be marked with the person's lock, in the lock's round trip."""
        return Seen(self._prefix + key, self._ttl)

    async def first_time(self, key: str) -> bool:
        try:
            return bool(await self._redis.set(self._prefix + key, b"1", nx=True, ex=self._ttl))
        except (RedisError, OSError) as exc:
            logger.warning("duplicate check unavailable (%s): handled as new", type(exc).__name__)
            return True


@dataclass(frozen=True, slots=True)
class Seen:
    """An update to mark seen with the person's lock (``RedisOrder.hold``)."""

    key: str  # its Redis key
    keep: int  # seconds


class KeyedLock:
    """One asyncio.Lock per person, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(
        self, key: str, state_key: str | None = None, seen: Seen | None = None
    ) -> AsyncIterator[bool]:
        """``state_key`` and ``seen`` are for the Redis order's sake: one process needs
        nothing of the first and checks the second before (``PerUserOrder``). Yields True:
        the event is handled."""
        lock = self.enter(key)
        try:
            async with lock:
                yield True
        finally:
            self.leave(key)

    def enter(self, key: str) -> asyncio.Lock:
        """The person's lock, counted as held or waited for until ``leave`` (what ``hold``
        does, without a context manager's generator: Telegram's middleware, issue 30)."""
        found = self._locks.get(key)
        if found is None:
            lock = asyncio.Lock()
            self._locks[key] = (lock, 1)
            return lock
        self._locks[key] = (found[0], found[1] + 1)
        return found[0]

    def leave(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


# the update marked seen (when ARGV[3] gives its expiry), the lock taken and the person's
# state read in one round trip. An update marked by another holder (its token, not this
# one's) is a redelivery: 2, nothing taken. A retry while the lock is busy finds its own mark.
TAKE = """
if ARGV[3] ~= '' and not redis.call('SET', KEYS[3], ARGV[1], 'NX', 'EX', ARGV[3]) then
  if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {2, ''} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2]) or ''}
end
return {0, ''}
"""

# the state written, the update marked handled and the lock released in one round trip;
# the lock only if it is still this holder's (it may have expired and been taken since)
GIVE = """
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], 'done', 'EX', ARGV[4]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class UpdateMark:
    """A webhook update to mark handled when the person's lock is given back (set by the
    webhook handler around the dispatch; ``done`` tells it the mark was written)."""

    key: str  # its Redis key
    keep: int  # seconds
    done: bool = False


MARK: ContextVar[UpdateMark | None] = ContextVar("pfdo_update_mark", default=None)


class RedisOrder:
    """One person's events one at a time across every replica (a Redis lock per person).

    Taking the lock also reads the person's dialog state, and giving it back writes the
    state and marks the webhook update handled (``Turn``, ``UpdateMark``): two round trips
    where there were six.

    A lock whose release was lost (Redis unreachable at that moment) must not hold the
    person for long afterwards: it expires after ``ttl`` seconds, and nobody waits more
    than ``wait`` seconds for it; past that the event goes on without it (the engine
    itself answers within its deadline, so a real holder is rarely that slow).
    """

    def __init__(
        self,
        redis,
        states: RedisStateStore,
        prefix: str = "pfdo:order:",
        ttl: float = 15,
        wait: float = 3,
        poll: float = 0.02,
    ) -> None:
        self._redis = redis
        self._states = states
        self._prefix = prefix
        self._ttl_ms = int(ttl * 1000)
        self._wait = wait
        self._poll = poll
        self._take = redis.register_script(TAKE)
        self._give = redis.register_script(GIVE)
        self._local = KeyedLock()  # same-process callers queue here, in arrival order

    @asynccontextmanager
    async def hold(
        self, key: str, state_key: str, seen: Seen | None = None
    ) -> AsyncIterator[bool]:
        """The person's turn; with ``seen``, the update is marked seen in the same round
        trip, and a redelivered one is given no turn: False is yielded, nothing is held."""
        async with self._local.hold(key):
            turn = Turn(self._states.key(state_key))
            token = uuid.uuid4().hex
            if await self._acquire(key, token, turn, seen) is None:
                yield False
                return
            reset = TURN.set(turn)
            failed = True
            try:
                yield True
                failed = False
            finally:
                TURN.reset(reset)
                turn.closed = True
                await self._release(key, token, turn, None if failed else MARK.get())

    async def _acquire(self, key: str, token: str, turn: Turn, seen: Seen | None) -> bool | None:
        """True: the lock is this holder's; False: going on without it; None: the update
        was seen before."""
        deadline = time.monotonic() + self._wait
        keys = [self._prefix + key, turn.key, seen.key if seen else turn.key]
        args = [token, self._ttl_ms, seen.keep if seen else ""]
        while True:
            try:
                got, raw = await self._take(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                # Redis is unreachable: this process's order still holds, and the update
                # counts as new (a rare repeat answered twice is better than a person
                # answered never); the engine answers "temporarily unavailable" if it
                # needs Redis too
                logger.warning("per-person lock unavailable (%s)", type(exc).__name__)
                return False
            if got == 2:
                return None
            if got:
                turn.fetched, turn.raw = True, raw or None
                return True
            if time.monotonic() >= deadline:
                logger.warning("per-person lock not free after %.0f s: going on", self._wait)
                return False
            await asyncio.sleep(self._poll)

    async def _release(self, key: str, token: str, turn: Turn, mark: UpdateMark | None) -> None:
        try:
            await self._give(
                keys=[self._prefix + key, turn.key, mark.key if mark else turn.key],
                args=[
                    token,
                    turn.pending or "",
                    self._states.ttl,
                    mark.keep if mark else "",
                ],
            )
        except (RedisError, OSError) as exc:
            logger.warning("per-person lock not given back (%s)", type(exc).__name__)
            return
        if mark is not None:
            mark.done = True


class UpdateLedger(Protocol):
    """Webhook updates: claimed before processing, done after, released on failure."""

    async def claim(self, key: str) -> str:
        """ "new" (process it), "done" (a duplicate: answer 200) or "busy" (another replica
        is on it: answer 503 so Telegram asks again later)."""
        ...

    async def done(self, key: str) -> None: ...
    async def release(self, key: str) -> None: ...

    def mark(self, key: str) -> UpdateMark | None:
        """Where the person's lock may mark the update done with its release, if it can."""
        ...


class MemoryUpdateLedger:
    def __init__(self) -> None:
        self._state: OrderedDict[str, str] = OrderedDict()

    async def claim(self, key: str) -> str:
        state = self._state.get(key)
        if state is not None:
            return state
        self._state[key] = "busy"
        if len(self._state) > 100_000:
            self._state.popitem(last=False)
        return "new"

    async def done(self, key: str) -> None:
        self._state[key] = "done"

    async def release(self, key: str) -> None:
        self._state.pop(key, None)

    def mark(self, key: str) -> UpdateMark | None:
        return None


class RedisUpdateLedger:
    """A short lease while processing (a crashed replica's claim runs out and Telegram's
    retry is processed), a day's memory once done."""

    def __init__(
        self,
        redis,
        prefix: str = "pfdo:update:",
        lease: int = 60,
        keep: int = 86_400,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease = lease
        self._keep = keep

    async def claim(self, key: str) -> str:
        if await self._redis.set(self._prefix + key, b"busy", nx=True, ex=self._lease):
            return "new"
        state = await self._redis.get(self._prefix + key)
        if state is None:  # the lease ran out between the two calls
            return await self.claim(key)
        return state.decode()

    async def done(self, key: str) -> None:
        await self._redis.set(self._prefix + key, b"done", ex=self._keep)

    async def release(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    def mark(self, key: str) -> UpdateMark | None:
        return UpdateMark(self._prefix + key, self._keep)
