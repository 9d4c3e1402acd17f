"""The hot statements' short way to PostgreSQL: a Core statement marked ``hot`` is compiled
once and run on the unit of work's own asyncpg connection and transaction, past the
per-statement work of SQLAlchemy's asyncio layer (its greenlet, execution context, result
set-up): 0.17 ms of CPU for the card's family statement where the same statement through
``UnitOfWork.core`` took 0.48 (issue 30: the opening-day storm's statements).

What is the same: the SQL text (the statement compiled by the engine's dialect), the
transaction (the driver adapter's own, begun as SQLAlchemy's cursor begins it, under its
lock), the prepared statement (the adapter's cache), the errors (translated as SQLAlchemy
translates them: an IntegrityError is still one, a deadlock still retried by
``Database.run``), the columns' conversions (each picked as SQLAlchemy picks it, by the
column's type in the driver's description, at the first run), and the
``before_cursor_execute`` event for those listening to it (the tests that count a step's
statements). What is refused, the statement then run as usual: a statement whose
parameters expand (``IN`` of a list), and one whose column names would not be attributes
of a row. It leans on names SQLAlchemy keeps internal (the adapter cursor's
``_prepare_and_execute`` and ``_rows``, a compiled statement's ``_bind_processors`` and
``_result_columns``), as of the version uv.lock pins: tests/integration/test_fast_lane.py
runs every hot statement both ways, and fails if they change."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

_HOT: dict[int, Executable] = {}  # id -> the statement itself (kept: its id stays its own)


def hot(statement: Executable) -> Executable:
    """Marks a statement built once (a module's constant) for the short way."""
    _HOT[id(statement)] = statement
    return statement


def is_hot(statement: Executable) -> bool:
    return _HOT.get(id(statement)) is statement


class Lane:
    """One hot statement compiled for one dialect: its SQL, its parameters in order with
    the dialect's conversions, and a row type with its columns' names."""

    __slots__ = ("_columns", "_compiled", "_order", "_out", "_processors", "_row", "sql")

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise Unfit("parameters that expand")
        if not compiled.positional or compiled.positiontup is None:
            raise Unfit("not positional")
        self._compiled = compiled
        self.sql: str = compiled.string
        self._order: tuple[str, ...] = tuple(compiled.positiontup)
        processors = compiled._bind_processors
        self._processors = tuple(processors.get(name) for name in self._order)
        self._row: Callable[[Any], Any] | None = None
        columns = getattr(compiled, "_result_columns", None) or []
        self._columns = columns
        # the dialect's conversions of the columns on the way out, as SQLAlchemy picks them:
        # by each column's type in the driver's description, read at the first run
        self._out: tuple[Callable[[Any], Any] | None, ...] | None = None
        if columns:
            names = [c.keyname for c in columns]
            try:
                row = namedtuple("Row", names)  # type: ignore[misc]
            except ValueError as exc:
                raise Unfit(f"column names {names!r}") from exc
            self._row = row._make

    def args(self, params: Mapping[str, Any] | None) -> list[Any]:
        values = self._compiled.construct_params(params or {})
        return [
            value if proc is None else proc(value)
            for value, proc in zip(
                (values[name] for name in self._order), self._processors, strict=True
            )
        ]

    async def run(self, connection: AsyncConnection, params: Mapping[str, Any] | None) -> Rows:
        args = self.args(params)
        sync = connection.sync_connection
        assert sync is not None
        dispatch = sync.dispatch.before_cursor_execute
        if dispatch:
            dispatch(sync, None, self.sql, tuple(args), None, False)
        raw = await connection.get_raw_connection()
        adapted: Any = raw.dbapi_connection
        cursor = adapted.cursor()
        try:
            # the adapter's own way: its lock, its transaction begun, its prepared
            # statements' cache, its errors
            await cursor._prepare_and_execute(self.sql, args)
        except Exception as exc:
            dialect = sync.dialect
            base = dialect.loaded_dbapi.Error
            if not isinstance(exc, base):
                raise
            gone = dialect.is_disconnect(exc, adapted, cursor)
            if gone:
                await connection.invalidate(exc)
            raise DBAPIError.instance(
                self.sql, args, exc, base, connection_invalidated=gone, dialect=dialect
            ) from exc
        make = self._row
        if make is None:
            return Rows([], cursor.rowcount)
        out = self._out
        if out is None:
            out = self._out = self._conversions(sync.dialect, cursor.description)
        if out:
            rows = [
                make([v if p is None else p(v) for v, p in zip(r, out, strict=True)])
                for r in cursor._rows
            ]
        else:
            rows = [make(r) for r in cursor._rows]
        return Rows(rows, cursor.rowcount)

    def _conversions(
        self, dialect: Dialect, description: Any
    ) -> tuple[Callable[[Any], Any] | None, ...]:
        """Each column's conversion (none where the driver's value is the one SQLAlchemy
        gives), or () when no column has one."""
        out = tuple(
            c.type._cached_result_processor(dialect, d[1])
            for c, d in zip(self._columns, description, strict=True)
        )
        return out if any(p is not None for p in out) else ()


class Unfit(Exception):
    """A statement the short way does not take (it runs as usual)."""


class Rows:
    """What ``UnitOfWork.core`` returns from the short way: SQLAlchemy's Result as the hot
    statements' callers read it (rows by name and by place)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise _one_error(len(self._rows))
        return self._rows[0]

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise _one_error(len(self._rows))
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> Scalars:
        return Scalars([r[0] for r in self._rows])


class Scalars(list[Any]):
    def all(self) -> list[Any]:
        return list(self)

    def first(self) -> Any:
        return self[0] if self else None


def _one_error(count: int) -> Exception:
    from sqlalchemy.exc import MultipleResultsFound, NoResultFound

    if count == 0:
        return NoResultFound("No row was found when one was required")
    return MultipleResultsFound("Multiple rows were found when exactly one was required")


class Lanes:
    """The compiled hot statements of one engine (its dialect), made on first use."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._lanes: dict[int, Lane | None] = {}

    def of(self, statement: Executable) -> Lane | None:
        """The statement's lane; None for a statement not marked hot, or unfit."""
        if not is_hot(statement):
            return None
        key = id(statement)
        try:
            return self._lanes[key]
        except KeyError:
            pass
        try:
            lane: Lane | None = Lane(statement, self._dialect)
        except Unfit:
            lane = None
        self._lanes[key] = lane
        return lane
