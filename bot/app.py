"""Building the engine from settings: database, dialog state, translator, signer."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from typing import Any

from bot import keys
from bot.config import Settings
from bot.dialogs.context import Policy
from bot.dialogs.engine import Engine
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore, RedisStateStore, StateStore
from bot.i18n import translator
from bot.notify.pacing import LocalPace, Pace, RedisPace
from bot.words import morph
from core import port
from core.demo import Demo
from core.storage.db import Clock, Database
from core.storage.migrate import upgrade_async
from core.usecases import UseCases

logger = logging.getLogger(__name__)

# young collections every 7,000 allocations of tracked objects instead of CPython's 700: an
# update allocates thousands of short-lived ones that reference counting frees anyway
YOUNG_COLLECTION_EVERY = 7_000


def settle_heap() -> None:
    """Once a serving process has started: what startup built (modules, aiogram's and
    pydantic's classes, the locales) lives as long as the process, so it is moved out of
    the cyclic collector's sight (gc.freeze) and a full collection walks only what the
    updates allocate, and young collections run less often. storm_bench, one replica's
    collector: 3.5 s of its 63 s of CPU as CPython starts it, 2.0 s of 61 s frozen, 0.9 s
    of 61 s frozen and every 7,000 (gc.callbacks, one run each)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


# loggers that print statement parameters (a child's name, a СНИЛС) at DEBUG: never below
# WARNING, whatever LOG_LEVEL says
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")


def quiet_parameter_loggers() -> None:
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def database_options(settings: Settings) -> dict[str, Any]:
    """A dead PostgreSQL is noticed in seconds, not at the TCP timeout: connecting and
    each statement have a limit (a statement hung on a dead connection frees its pool
    slot when the limit passes)."""
    options: dict[str, Any] = {"register_secret": keys.register_key(settings)}
    if settings.database_url.startswith("sqlite"):
        return options
    return options | {
        # connections kept open: an overflow connection is closed as soon as it is given
        # back while the pool is full, so with SQLAlchemy's 5 a storm opened and closed
        # connections all the time (each with its TCP, TLS and authentication, and its
        # statements prepared again: py-spy showed both in a replica of storm_bench).
        # Overflow stays for bursts: without it (a fixed 12) the storm lost updates; 12
        # kept open still opened 248 connections in a storm run, 24 opened 131
        # (.env.example has the figures)
        "pool_size": settings.database_pool_size,
        "max_overflow": 10,
        "pool_timeout": settings.reply_deadline_s,
        "connect_args": {
            "timeout": settings.database_connect_timeout_s,
            "command_timeout": settings.database_statement_timeout_s,
        },
    }


@dataclass
class App:
    settings: Settings
    db: Database
    engine: Engine
    redis: object | None = None
    # the platforms' rate budgets, one per process (or shared through Redis): the dialog's
    # replies and the worker's notices draw from the same
    pace: Pace = field(default_factory=LocalPace)
    seeded: bool = False  # the demo region was loaded into an empty database just now
    demo: port.Demo = field(kw_only=True)  # the terminal chat's /demo

    async def warm(self) -> None:
        """What the first updates would pay for before serving them (an opening-day
        storm's first seconds): the database's connections opened, the Russian analyser
        loaded (a quote's months in words; 0.9 s of a replica's CPU in storm_bench)."""
        await self.db.warm(self.settings.database_pool_size)
        morph()

    async def close(self) -> None:
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()  # type: ignore[attr-defined]


def policy_of(settings: Settings) -> Policy:
    """What the privacy policy names from the settings."""
    return Policy(
        settings.operator_name,
        settings.operator_address,
        settings.operator_contact,
        max(1, -(-settings.state_ttl_s // 3600)),  # hours, rounded up: never understated
        settings.application_expiry_days,
    )


async def build(
    settings: Settings, *, seed_if_empty: bool = False, clock: Clock | None = None
) -> App:
    """``clock``: the terminal demo's (a messenger's app runs on the real one)."""
    quiet_parameter_loggers()
    # buttons verify on every replica and after a restart; both secrets are the
    # deployment's (a missing one refuses to start before anything is touched)
    signing = keys.button_key(settings)
    options = database_options(settings)
    await upgrade_async(settings.database_url)
    if clock is not None:
        options["clock"] = clock
    db = Database(settings.database_url, timezone=settings.timezone, **options)
    demo = Demo(db)
    seeded = False
    if seed_if_empty:
        seeded = await demo.seed_if_empty()
        if seeded:
            logger.info("demo region loaded into an empty database")
    redis = None
    states: StateStore
    if settings.redis_url:
        from redis.asyncio import Redis

        # a local Redis answers in well under a millisecond: a quarter of a second without
        # an answer means it is gone, and the person is told so within the reply deadline
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_s,
            socket_connect_timeout=settings.redis_timeout_s,
        )
        states = RedisStateStore(redis, ttl=settings.state_ttl_s)
    else:
        states = MemoryStateStore(ttl=settings.state_ttl_s)
    engine = Engine(
        FLOWS,
        UseCases(db),
        states,
        translator(),
        Signer(signing),
        settings.default_language,
        settings.timezone,
        deadline=settings.reply_deadline_s,
        policy=policy_of(settings),
    )
    pace: Pace = RedisPace(redis) if redis is not None else LocalPace()
    return App(settings, db, engine, redis, pace, seeded, demo=demo)
