"""Building the engine from settings: database, dialog state, translator, signer."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

import bot.dialogs.flows  # noqa: F401  (registers every flow)
from bot.config import Settings
from bot.dialogs.engine import Engine
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore, RedisStateStore, StateStore
from bot.i18n import translator
from core.services import demo
from core.storage.db import Database
from core.storage.migrate import upgrade_async
from core.storage.models import Program

logger = logging.getLogger(__name__)


# loggers that print statement parameters (a child's name, a СНИЛС) at DEBUG: never below
# WARNING, whatever LOG_LEVEL says
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")


def quiet_parameter_loggers() -> None:
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def signing_secret(settings: Settings) -> bytes:
    """Buttons must verify on every replica and after a restart: the secret is configured,
    or derived from the bot tokens; only a tokenless terminal chat gets a random one."""
    if settings.bot_secret is not None:
        return settings.bot_secret.get_secret_value().encode()
    tokens = [
        t.get_secret_value()
        for t in (settings.telegram_bot_token, settings.vk_group_token)
        if t is not None
    ]
    if tokens:
        return hashlib.sha256(("pfdo-buttons|" + "|".join(tokens)).encode()).digest()
    return secrets.token_bytes(32)


@dataclass
class App:
    settings: Settings
    db: Database
    engine: Engine
    redis: object | None = None

    async def close(self) -> None:
        await self.db.dispose()
        if self.redis is not None:
            await self.redis.aclose()  # type: ignore[attr-defined]


async def build(settings: Settings, *, seed_if_empty: bool = False) -> App:
    quiet_parameter_loggers()
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    if seed_if_empty:
        async with db.uow() as uow:
            empty = not await uow.session.scalar(select(func.count()).select_from(Program))
            if empty:
                await demo.seed_demo(uow)
                await uow.commit()
                logger.info("demo region loaded into an empty database")
    redis = None
    states: StateStore
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
        states = RedisStateStore(redis)
    else:
        states = MemoryStateStore()
    engine = Engine(
        db, states, translator(), Signer(signing_secret(settings)), settings.default_language
    )
    return App(settings, db, engine, redis)
