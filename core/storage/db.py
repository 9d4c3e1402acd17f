"""Engine and unit of work, the same for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///pfdo.db"

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    # naive UTC: both dialects store it the same way
    return datetime.now().replace(microsecond=0)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> AsyncEngine:
    # an error's text must not carry the statement's values: they may be a child's name
    # or СНИЛС, and errors end up in logs
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    kwargs.setdefault("connect_args", {"timeout": 30})
    # the unit of work always ends its transaction itself (commit or rollback): the pool's
    # own rollback on return would be a second round trip to the driver's thread
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)
    _sqlite_immediate(engine)
    return engine


def _sqlite_immediate(engine: AsyncEngine) -> None:
    """SQLAlchemy's documented pysqlite recipe: take control of BEGIN ourselves and make it
    BEGIN IMMEDIATE, so a read-then-write transaction holds the write lock from its start
    and two of them can't both read the same balance before either writes."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn):  # type: ignore[no-untyped-def]
        # a read-only unit of work takes no write lock: WAL readers run side by side
        readonly = conn.get_execution_options().get("pfdo_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


async def analyze(db: Database) -> None:
    """Refresh the planner's statistics after a bulk change (PostgreSQL's autovacuum does
    this by itself; SQLite only when asked)."""
    if db.engine.dialect.name == "sqlite":
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


class UnitOfWork:
    """One transaction. Rolls back unless ``commit()`` was called; repositories never commit."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self.session: AsyncSession
        self.now: datetime

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.now = self._clock()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]


class Database:
    """The engine, its session factory and the clock the services read the date from."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL, clock: Clock = utcnow, **kw: object):
        self.url = url
        self.engine = make_engine(url, **kw)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(
            self.engine.execution_options(pfdo_readonly=True), expire_on_commit=False
        )
        self.clock = clock

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock)

    def reader(self) -> UnitOfWork:
        """For reads only (search, cards, views): no write lock on SQLite. Whatever it
        writes is rolled back at the end."""
        return UnitOfWork(self.read_sessions, self.clock)

    async def dispose(self) -> None:
        await self.engine.dispose()
