"""Engine and unit of work, the same for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Executable,
    SQLColumnExpression,
    create_engine,
    event,
    literal_column,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from core.storage.fast import Lanes

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///pfdo.db"

Clock = Callable[[], datetime]
P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's serialization failure and deadlock: the transaction did nothing and may be
# run again as it was
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
ATTEMPTS = 5


class RetryTransaction(Exception):
    """A use case found a row it had read move under it before it could lock it (an
    application that changed family while being decided): run it again from the start."""


def _why(outcome: object) -> str:
    exc = outcome.exception() if outcome is not None else None  # type: ignore[attr-defined]
    if isinstance(exc, DBAPIError):
        return str(getattr(exc.orig, "sqlstate", "?"))
    return "moved"


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, RetryTransaction):
        return True
    if isinstance(exc, DBAPIError):
        return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    return False


def utcnow() -> datetime:
    # naive UTC: both dialects store it the same way, whatever the server's own zone
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


DEFAULT_TIMEZONE = "Europe/Moscow"


def ephemeral_secret() -> bytes:
    """A register key for a database object given none (tests, benchmarks): random, so no
    secret lives in the source, and digests made under it are recognised by this object
    only. A deployment passes its own REGISTER_SECRET (bot/keys.py)."""
    return secrets.token_bytes(32)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> AsyncEngine:
    # an error's text must not carry the statement's values: they may be a child's name
    # or СНИЛС, and errors end up in logs
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        # no ping before each checkout (a round trip per unit of work: 141 vs 126
        # updates/s in bench/storm_bench). A connection that died (a restart, a network
        # cut) fails its first statement instead; SQLAlchemy drops it and the pool, the
        # person is told "temporarily unavailable" within the reply deadline, and the next
        # event gets a fresh connection (tests/integration/test_outages.py)
        kwargs.setdefault("pool_pre_ping", False)
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
    _sqlite_begin(engine.sync_engine)


def _sqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # deleted rows (a withdrawn family's children) are overwritten, not left in free pages
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
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


def _sqlite_reads(url: str) -> Engine | None:
    """A plain (sync) pysqlite engine on the same file, for Database.read; None for a
    database in memory (another connection would see another database)."""
    if sqlite_path(url) is None:
        return None
    sync_url = make_url(url).set(drivername="sqlite")
    engine = create_engine(
        sync_url,
        hide_parameters=True,
        pool_reset_on_return=None,
        connect_args={"timeout": 30, "check_same_thread": False},
        execution_options={"pfdo_readonly": True},
    )
    _sqlite_begin(engine)
    return engine


class _InlineSession:
    """The part of an AsyncSession a read uses (execute, scalar, scalars, get), answered
    at once by a sync Session: Database.read runs the whole read on one thread."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session
        self.bind = session.bind

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalars(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(*args, **kwargs)

    async def connection(self) -> _InlineConnection:
        return _InlineConnection(self.sync_session.connection())

    async def close(self) -> None:
        self.sync_session.close()


class _InlineConnection:
    """The session's connection, for UnitOfWork.core on a reader thread."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.connection.execute(*args, **kwargs)


def _to_the_end(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine that never waits (a read over _InlineSession) to its result."""
    try:
        coro.send(None)
    except StopIteration as done:
        return cast(R, done.value)
    coro.close()
    raise RuntimeError("a read waited for something other than its own statements")


# a SQLite read whose cost (CPU on its thread: the statements and the Python around them)
# stays under this runs on the event loop itself. Handing a read to a reader thread and
# back costs two thread wake-ups: on a loaded machine 5 to 6 of the 8 ms of a /balance
# (bench/dialog_bench --spans), for a read of about 1 ms of CPU. Nor did the thread let the
# loop go on meanwhile: most of a read is SQLAlchemy's Python, which holds the GIL (only
# sqlite3's own steps release it). A longer read (a search, a report) keeps its thread.
INLINE_READ_NS = 3_000_000
INLINE_AFTER = 3  # runs on a thread before a read's cost is trusted (the first not counted)
DECAY = 0.9  # each run, the remembered worst cost moves this much of the way back


class ReadCosts:
    """The worst recent CPU cost of each read function (by its code: a closure made anew
    for each call is the same read), which decides where it runs."""

    __slots__ = ("_seen", "limit_ns")

    def __init__(self, limit_ns: int = INLINE_READ_NS) -> None:
        self._seen: dict[object, tuple[int, float]] = {}
        self.limit_ns = limit_ns

    @staticmethod
    def key(fn: object) -> object:
        return getattr(fn, "__code__", fn)

    def inline(self, key: object) -> bool:
        runs, worst = self._seen.get(key, (0, 0.0))
        return runs >= INLINE_AFTER and worst < self.limit_ns

    def note(self, key: object, cost_ns: int) -> None:
        runs, worst = self._seen.get(key, (0, 0.0))
        # the first run is not the read's cost: it compiled the statements (SQLAlchemy's
        # cache) and may have opened the connection
        cost = float(cost_ns) if runs else 0.0
        self._seen[key] = (runs + 1, max(cost, worst * DECAY))


def _costed(costs: ReadCosts, key: object, coro: Coroutine[Any, Any, R]) -> R:
    """_to_the_end, its CPU time noted (this thread's: not what it waited for)."""
    began = time.thread_time_ns()
    try:
        return _to_the_end(coro)
    finally:
        costs.note(key, time.thread_time_ns() - began)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def one_of(column: SQLColumnExpression[str], values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN ('a', 'b')``, the values written into the statement's text. An IN of
    a bound list is expanded on every execution (SQLAlchemy's post-compile rebuilds the
    text each time: 1.8 % of a replica's CPU in bench/storm_bench); the hot statements'
    lists are the code's own constants (statuses), the same every time. Never a
    person's input: the values must be plain words."""
    words = sorted(values)
    if not all(w.replace("_", "").isalnum() and w.isascii() for w in words):
        raise ValueError(f"not a plain word among {words!r}")
    return column.in_([literal_column(f"'{w}'") for w in words])


class UnitOfWork:
    """One transaction. Rolls back unless ``commit()`` was called; repositories never commit."""

    def __init__(
        self,
        sessions: Callable[[], AsyncSession],
        clock: Clock,
        zone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE),
        register_secret: bytes | None = None,
        lanes: Lanes | None = None,
    ) -> None:
        self._sessions = sessions
        # PostgreSQL: the hot statements' short way (core/storage/fast.py)
        self.lanes = lanes
        self._clock = clock
        self._zone = zone
        # keys the digests a register entry keeps of a child after a withdrawal
        self.register_secret = register_secret or ephemeral_secret()
        self.session: AsyncSession
        self.now: datetime  # naive UTC, as stored

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
        # closing rolls back whatever was not committed (the transaction's own rollback,
        # whatever the pool's reset): one step, not a rollback and then a close
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def core(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        """A Core statement (plain columns, DML) on this unit of work's connection and
        transaction, past the ORM's work per statement (its compile state, its result
        set-up, its bulk-insert path): for the hot statements of a storm. Whatever the
        session holds unflushed is flushed first, as the session's own execute would. On
        PostgreSQL a statement marked ``hot`` goes further, past SQLAlchemy's asyncio
        layer (core/storage/fast.py): what it returns is then read as a Result is read
        (rows by place and by name, first, one, all, scalar, rowcount)."""
        session = self.session
        if isinstance(session, AsyncSession) and (session.new or session.dirty or session.deleted):
            await session.flush()
        connection = await session.connection()
        lanes = self.lanes
        if lanes is not None:
            lane = lanes.of(statement)
            if lane is not None:
                return await lane.run(connection, params)
        return await connection.execute(statement, params)

    @property
    def today(self) -> date:
        """The region's date (TIMEZONE), not the server's: which month has ended, a
        child's age, the school year."""
        return self.now.replace(tzinfo=UTC).astimezone(self._zone).date()

    @property
    def zone(self) -> ZoneInfo:
        """The region's time zone (its calendar months and days)."""
        return self._zone

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name  # type: ignore[union-attr]


class Database:
    """The engine, its session factory and the clock the services read the date from."""

    def __init__(
        self,
        url: str = DEFAULT_DATABASE_URL,
        clock: Clock = utcnow,
        timezone: str = DEFAULT_TIMEZONE,
        register_secret: bytes | None = None,
        **kw: object,
    ):
        self.url = url
        # the deployment's REGISTER_SECRET (bot/keys.py); none given: one of this object's
        # own, never a constant of the source
        self.register_secret = register_secret or ephemeral_secret()
        self.zone = ZoneInfo(timezone)
        self.engine = make_engine(url, **kw)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        reads = self.engine.execution_options(pfdo_readonly=True)
        if not is_sqlite(url):
            # PostgreSQL: a read needs no transaction of its own, so none is begun or
            # rolled back (two round trips fewer per screen); each statement sees what
            # was committed when it started
            reads = reads.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessions = async_sessionmaker(reads, expire_on_commit=False)
        # SQLite: a read runs whole on a thread of its own, over a plain sqlite3
        # connection (WAL: readers do not wait for the writer). aiosqlite passes every
        # cursor call to its thread and back (BEGIN, then cursor, execute, fetch and close
        # for each statement, then the rollback: 13 round trips for a screen of two
        # statements); this is one.
        self.sync_reads = _sqlite_reads(url)
        self._read_threads: ThreadPoolExecutor | None = None
        if self.sync_reads is not None:
            sync_sessions = sessionmaker(self.sync_reads, expire_on_commit=False)
            self._inline_sessions: Callable[[], AsyncSession] = lambda: cast(
                AsyncSession, _InlineSession(sync_sessions())
            )
            self._read_threads = ThreadPoolExecutor(4, thread_name_prefix="sqlite-read")
        self.read_costs = ReadCosts()
        # PostgreSQL: the hot statements' short way (None: every statement as usual)
        self.lanes: Lanes | None = None if is_sqlite(url) else Lanes(self.engine.dialect)
        self.clock = clock
        # SQLite takes one writer at a time, and a writer waiting for the file's lock polls
        # for it (sqlite3's busy handler: sleeps of up to 100 ms), so it can miss every gap
        # between another writer's short transactions (a chunked import's, seen in CI).
        # This process's writers (``run``) take turns here instead, in arrival order
        self._sqlite_turns = asyncio.Lock() if is_sqlite(url) else None
        # transactions run again, by reason (sqlstate or "moved"): the harness reports it
        self.retries: Counter[str] = Counter()

    def today(self) -> date:
        """The region's date now."""
        return self.clock().replace(tzinfo=UTC).astimezone(self.zone).date()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock, self.zone, self.register_secret, self.lanes)

    async def run(
        self,
        fn: Callable[Concatenate[UnitOfWork, P], Awaitable[R]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """``fn`` in one transaction, committed. A deadlock or a serialization failure
        rolls everything back and runs it again (a few times, with jitter), so a person
        sees either the result or the refusal, never the database's error."""
        from tenacity import (
            AsyncRetrying,
            retry_if_exception,
            stop_after_attempt,
            wait_random_exponential,
        )

        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.01, max=0.2),
            retry=retry_if_exception(retryable),
            reraise=True,
        ):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number > 1:
                    why = _why(attempt.retry_state.outcome)
                    logger.warning("%s: attempt %d after %s", fn.__name__, number, why)
                    self.retries[why] += 1
                if self._sqlite_turns is None:
                    async with self.uow() as uow:
                        result = await fn(uow, *args, **kwargs)
                        await uow.commit()
                else:
                    async with self._sqlite_turns, self.uow() as uow:
                        result = await fn(uow, *args, **kwargs)
                        await uow.commit()
        return result

    async def warm(self, connections: int) -> None:
        """Opens ``connections`` of the pool (PostgreSQL) before the first updates need
        them, and imports what the first ``run`` would: an opening-day storm's first
        seconds would otherwise open them all at once, each with its authentication and
        the driver's set-up, on the replica and on PostgreSQL (bench/storm_bench). One that
        fails to open is logged and left to be opened when needed."""
        import tenacity  # noqa: F401  (``run``'s, imported there)

        if is_sqlite(self.url):
            return
        opened = await asyncio.gather(
            *(self.engine.connect().start() for _ in range(connections)),
            return_exceptions=True,
        )
        failed = [c for c in opened if isinstance(c, BaseException)]
        if failed:
            logger.warning(
                "%d of %d connections not opened: %r", len(failed), connections, failed[0]
            )
        await asyncio.gather(*(c.close() for c in opened if not isinstance(c, BaseException)))

    def reader(self) -> UnitOfWork:
        """For reads only (search, cards, views): no write lock on SQLite. Whatever it
        writes is rolled back at the end."""
        return UnitOfWork(
            self.read_sessions, self.clock, self.zone, self.register_secret, self.lanes
        )

    async def read(
        self,
        fn: Callable[Concatenate[UnitOfWork, P], Awaitable[R]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """``fn``'s reads in one unit of work (one snapshot), without a write lock. On a
        SQLite file the whole of ``fn`` runs at once over a plain sqlite3 connection, so
        it may await nothing but its session's execute, scalar, scalars and get: on a
        reader thread, or on the loop itself when it has been seen to cost less than
        ``read_costs.limit_ns`` of CPU (``ReadCosts``)."""
        if self._read_threads is None:
            async with self.reader() as uow:
                return await fn(uow, *args, **kwargs)

        async def whole() -> R:
            uow = UnitOfWork(self._inline_sessions, self.clock, self.zone, self.register_secret)
            async with uow:
                return await fn(uow, *args, **kwargs)

        costs = self.read_costs
        key = costs.key(fn)
        if costs.inline(key):
            return _costed(costs, key, whole())
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_threads, _costed, costs, key, whole())

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine statements go through (to listen to their events)."""
        return [self.engine.sync_engine] + ([self.sync_reads] if self.sync_reads else [])

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_threads is not None:
            self._read_threads.shutdown(wait=True)
        if self.sync_reads is not None:
            self.sync_reads.dispose()
