"""Pacing sends by each platform's limits: one budget per limit, shared by the dialog's
replies and the notification worker, and with REDIS_URL by every process.

The algorithm is GCRA (generic cell rate algorithm): a key holds the theoretical arrival
time (TAT) of the next send; a send is allowed when TAT - now <= its tolerance, and moves
TAT one interval on. A reply's tolerance is 0: it goes as soon as the budget allows. A
notice's is negative (HEADROOM intervals): it goes only when the budget has been free a
little longer, so a reply takes the next free slot ahead of every waiting notice, and the
two together never exceed the rate. Only a person's own chat lets replies run ahead
(``burst``: quick presses answered at once). A 429 pushes TAT to the end of retry_after,
which pauses every sender of the bot.

In one process the same algorithm runs in memory; with Redis it is one Lua script (atomic).
It is written here rather than taken from a limiter library because none of those draws
two classes with different priorities from one bucket. If Redis cannot be reached the
process falls back to its own budget instead of not sending at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# stay under the limit: clocks and networks jitter, and a reply may come right after a
# notice (two sends close together once, then the interval again)
MARGIN = 0.96
HEADROOM = 2  # intervals a notice leaves free for a reply


@dataclass(frozen=True)
class Budget:
    key: str
    per_second: float
    burst: int = 0  # replies only: sends this chat may run ahead
    # an adaptive rate (``Adaptive.rate``), asked at each attempt rather than once: a send
    # that has waited in line since before a 429 must not take its slot at the old pace
    live: Callable[[], float] | None = None

    def rule(self, reply: bool) -> tuple[int, int, int]:
        per_second = self.live() if self.live is not None else self.per_second
        return _rule(per_second, reply, self.burst)


class Pace(Protocol):
    async def acquire(
        self, key: str, per_second: float, *, reply: bool = False, burst: int = 0
    ) -> None: ...

    async def acquire_all(self, *budgets: Budget, reply: bool = False) -> None:
        """One send that counts against several budgets (a chat's and the bot's): taken
        from all of them at once, when every one of them allows it."""
        ...

    async def pause(self, key: str, seconds: float) -> None: ...


class Adaptive:
    """A send rate that slows down when the platform says so and recovers gradually.

    A refusal (429 with ``retry_after``) halves it, never below ``floor`` of the setting;
    sends already in flight when it came get the same refusal, so one halving per
    ``retry_after`` (at least a second) counts. Once the pause is over the rate climbs
    back linearly, the whole way from 0 to the setting in ``recover_s`` seconds (from half
    in half that), as long as no other refusal comes. Per process: the pause itself is
    shared (``Pace.pause``), each process slows its own sends."""

    def __init__(
        self,
        per_second: float,
        recover_s: float = 30.0,
        floor: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.setting = per_second
        self.recover_s = recover_s
        self.floor = floor
        self.refusals = 0  # refusals that slowed the rate down (for tests and logs)
        self._clock = clock
        self._low = 1.0  # the share of the setting right after the last slow-down
        self._from = 0.0  # when the climb back started (the pause's end)
        self._cut_at = -1e18  # when the last slow-down came

    def share(self) -> float:
        if self._low >= 1:
            return 1.0
        climbed = max(0.0, self._clock() - self._from)
        share = self._low + (climbed / self.recover_s if self.recover_s > 0 else 1.0)
        if share >= 1:
            self._low = 1.0
            return 1.0
        return share

    def rate(self) -> float:
        return self.setting * self.share()

    def refused(self, retry_after: float) -> None:
        now = self._clock()
        wait = max(float(retry_after), 0.0)
        if now - self._cut_at < max(wait, 1.0):
            self._from = max(self._from, now + wait)  # the same 429 again: no second cut
            return
        self._low = max(self.share() / 2, self.floor)
        self._cut_at = now
        self._from = now + wait
        self.refusals += 1


def _interval_us(per_second: float) -> int:
    return int(1_000_000 / (per_second * MARGIN))


@functools.lru_cache(maxsize=256)  # a handful of rates: asked at every send (issue 30)
def _rule(per_second: float, reply: bool, burst: int) -> tuple[int, int, int]:
    """(interval, tolerance, floor) in µs: a send is allowed when TAT - now <= tolerance,
    and moves TAT to max(TAT, now + floor) + interval. A notice's tolerance and floor are
    both -HEADROOM intervals (it keeps the rate, a little behind); a reply's floor is 0."""
    interval = _interval_us(per_second)
    if reply:
        return interval, burst * interval, 0
    return interval, -HEADROOM * interval, -HEADROOM * interval


class Lines:
    """One first-come-first-served line per budget and class (replies, notices) in this
    process: only the head of a line asks the budget, the others wait their turn. Without
    it every waiter polls and whoever wakes at the right moment goes next: measured with
    64 people answered from a 30/s budget, p50 38 ms but p99 25 s. Replies and notices
    queue apart, so a notice held back for a reply never blocks the replies behind it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, bool], asyncio.Lock] = {}
        self._users: dict[tuple[str, bool], int] = {}

    def busy(self, keys: list[str], reply: bool) -> bool:
        """Whether any of these lines has someone in it (waiting or at its head)."""
        return any((key, reply) in self._locks for key in keys)

    @contextlib.asynccontextmanager
    async def turn(self, key: str, reply: bool) -> AsyncIterator[None]:
        line = (key, reply)
        lock = self._locks.setdefault(line, asyncio.Lock())  # asyncio.Lock wakes in order
        self._users[line] = self._users.get(line, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[line] -= 1
            if not self._users[line]:  # nobody in this line: forget it (per-chat keys)
                del self._users[line]
                del self._locks[line]

    async def take(
        self, keys: list[str], reply: bool, attempt: Callable[[], Awaitable[tuple[int, int]]]
    ) -> None:
        """Wait at the head of every line, always in the order given (a chat's before the
        bot's), and ask the budgets (``attempt``: µs to wait, and the first budget that
        is not free) until they allow the send. While a budget is not free only the lines
        up to it are held: a person pressing quickly waits for their own chat without
        holding the bot's line, where everyone else's replies queue."""
        held: list[contextlib.AbstractAsyncContextManager[None]] = []
        try:
            while True:
                while len(held) < len(keys):
                    line = self.turn(keys[len(held)], reply)
                    await line.__aenter__()
                    held.append(line)
                wait_us, blocking = await attempt()
                if wait_us <= 0:
                    return
                while len(held) > blocking + 1:
                    await held.pop().__aexit__(None, None, None)
                await asyncio.sleep(wait_us / 1_000_000)
        finally:
            while held:
                await held.pop().__aexit__(None, None, None)


class LocalPace:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._tat: OrderedDict[str, int] = OrderedDict()
        self._max = max_keys
        self._lines = Lines()

    @staticmethod
    def _now() -> int:
        return int(time.monotonic() * 1_000_000)

    def _try(self, keys: list[str], rules: list[tuple[int, int, int]]) -> tuple[int, int]:
        """µs to wait (0: taken from every budget) and the first budget not free."""
        now = self._now()
        known = self._tat
        wait, blocking, tats = 0, len(keys), []
        for i, key in enumerate(keys):
            interval, tolerance, floor = rules[i]
            tat = known.get(key, 0)
            if tat < now + floor:
                tat = now + floor
            late = tat - now - tolerance
            if late > 0:
                wait, blocking = max(wait, late), min(blocking, i)
            tats.append(tat + interval)
        if wait > 0:
            return wait, blocking
        for key, tat in zip(keys, tats, strict=True):
            known[key] = tat
            known.move_to_end(key)
        while len(known) > self._max:
            known.popitem(last=False)
        return 0, 0

    async def acquire(
        self, key: str, per_second: float, *, reply: bool = False, burst: int = 0
    ) -> None:
        await self.acquire_all(Budget(key, per_second, burst), reply=reply)

    async def acquire_all(self, *budgets: Budget, reply: bool = False) -> None:
        keys = [b.key for b in budgets]
        if (
            not self._lines.busy(keys, reply)
            and self._try(keys, [b.rule(reply) for b in budgets])[0] <= 0
        ):
            # nobody in any of its lines: this send is their head, and the budgets are
            # asked at once, with no await between the look and the take (one process);
            # what finds a budget not free queues in the lines below (issue 30: the lines'
            # locks were most of a reply's pacing, 30 µs, when nobody else was sending)
            return

        async def attempt() -> tuple[int, int]:
            return self._try(keys, [b.rule(reply) for b in budgets])

        await self._lines.take(keys, reply, attempt)

    async def pause(self, key: str, seconds: float) -> None:
        until = self._now() + int(seconds * 1_000_000)
        self._tat[key] = max(self._tat.get(key, 0), until)


# every key: (interval, tolerance, floor) in ARGV; a send is taken from all or none
GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local blocking = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[3 * i - 2])
  local tolerance = tonumber(ARGV[3 * i - 1])
  local floor = now + tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', key) or floor)
  if tat < floor then tat = floor end
  if tat - now - tolerance > 0 then
    if tat - now - tolerance > wait then wait = tat - now - tolerance end
    if blocking == 0 then blocking = i end
  end
  tats[i] = tat + interval
end
if wait > 0 then return {wait, blocking - 1} end
for i, key in ipairs(KEYS) do
  -- kept while it can still hold a send back: until TAT less the lowest floor (a
  -- notice's TAT is often in the past, and a negative PX is refused by SET), in whole ms
  local keep = math.ceil((tats[i] - now - tonumber(ARGV[3 * i])) / 1000)
  redis.call('SET', key, tats[i], 'PX', math.max(keep, 0) + 1000)
end
return {0, 0}
"""

PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or 0)
if tat < untl then
  redis.call('SET', KEYS[1], untl, 'PX', math.max(math.ceil((untl - now) / 1000), 0) + 1000)
end
return 0
"""


class RedisPace:
    """The same GCRA in Redis: every process draws from one budget per key."""

    def __init__(self, redis, prefix: str = "pfdo:pace:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(GCRA)
        self._pause = redis.register_script(PAUSE)
        self._fallback = LocalPace()
        self._lines = Lines()

    async def acquire(
        self, key: str, per_second: float, *, reply: bool = False, burst: int = 0
    ) -> None:
        await self.acquire_all(Budget(key, per_second, burst), reply=reply)

    async def acquire_all(self, *budgets: Budget, reply: bool = False) -> None:
        keys = [self._prefix + b.key for b in budgets]
        unavailable = False

        async def attempt() -> tuple[int, int]:
            nonlocal unavailable
            args = [n for b in budgets for n in b.rule(reply)]
            try:
                wait_us, blocking = await self._script(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                logger.warning("shared budget unavailable (%s): local pace", type(exc).__name__)
                unavailable = True
                return 0, 0
            return int(wait_us), int(blocking)

        await self._lines.take([b.key for b in budgets], reply, attempt)
        if unavailable:
            await self._fallback.acquire_all(*budgets, reply=reply)

    async def pause(self, key: str, seconds: float) -> None:
        await self._fallback.pause(key, seconds)
        try:
            await self._pause(keys=[self._prefix + key], args=[int(seconds * 1_000_000)])
        except (RedisError, OSError) as exc:
            logger.warning("shared pause not recorded (%s)", type(exc).__name__)
