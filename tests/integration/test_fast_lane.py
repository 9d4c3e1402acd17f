"""The hot statements' short way to PostgreSQL (core/storage/fast.py) reads and writes
what SQLAlchemy's usual way does: every hot statement is run both ways on the same rows
and gives the same rows, by place and by name; a refusal of PostgreSQL's is SQLAlchemy's
exception (an IntegrityError the callers catch, a deadlock ``Database.run`` retries); the
statements are seen by ``before_cursor_execute``; and the storm's steps take it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert
from sqlalchemy.exc import IntegrityError

from core.enrolment import enrolment
from core.storage import fast
from core.storage.db import Database
from core.storage.models import Identity
from tests.conftest import _truncate
from tests.support.clock import FakeClock
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url, clock=FakeClock(datetime(2026, 10, 5, 12)))
    await _truncate(database)
    yield database
    await database.dispose()


async def _world(db: Database) -> dict[str, Any]:
    await setup_region(db, quota=100, rows=[catalogue_row(1, seats=1, price=2000)])
    parent, child = await parent_with_child(db, "1")
    other, other_child = await parent_with_child(db, "2")
    g = await group_id(db, "g1")
    async with db.uow() as uow:
        await enrolment.apply(uow, parent, child, g)  # the seat: the second one waits
        await uow.commit()
    return {
        "parent_id": other,
        "pid": other,
        "child_id": other_child,
        "group_id": g,
        "program_id": 1,
        "municipality_id": 1,
        "year": 2026,
        "calendar_year": 2026,
        "school_year": 2026,
        "platform": "tg",
        "external_id": "2",
        "limit": 30,
        "new_certificate_id": None,
        "new_child_id": other_child,
        "new_contact_phone": None,
        "new_created_at": datetime(2026, 10, 5, 12),
        "new_first_month": 2026 * 12 + 9,
        "new_group_id": g,
        "new_last_month": 2027 * 12 + 4,
        "new_monthly_price": 200000,
        "new_monthly_share": 200000,
        "new_parent_id": other,
        "new_program_id": 1,
        "new_register": "certified",
        "new_reserved_left": 0,
        "new_updated_at": datetime(2026, 10, 5, 12),
    }


async def _rows(db: Database, statement: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The statement's rows by place and by name, in a transaction rolled back after."""
    async with db.uow() as uow:
        result = await uow.core(statement, params)
        rows = result.all() if statement.is_select or result.returns_rows else []
        return [(tuple(r), {k: getattr(r, k) for k in r._fields}) for r in rows]


async def test_every_hot_statement_gives_what_the_usual_way_gives(pg: Database) -> None:
    values = await _world(pg)
    lanes = pg.lanes
    assert lanes is not None
    compared = 0
    for statement in list(fast._HOT.values()):
        if statement is _DOUBLE or statement is _ACCOUNT:  # the test's own, below
            continue
        lane = lanes.of(statement)
        assert lane is not None, str(statement)[:80]  # every hot statement fits
        compiled = statement.compile(dialect=pg.engine.dialect)
        params = {name: values[name] for name in compiled.binds if name in values}
        short = await _rows(pg, statement, params)
        pg.lanes = None
        try:
            usual = await _rows(pg, statement, params)
        finally:
            pg.lanes = lanes
        if "INSERT INTO" in str(statement):  # a sequence is not rolled back: ids differ
            short = [(t[1:], {k: v for k, v in m.items() if k != "id"}) for t, m in short]
            usual = [(t[1:], {k: v for k, v in m.items() if k != "id"}) for t, m in usual]
        assert short == usual, str(statement)[:80]
        compared += bool(short)
    # the rows are there to compare: most statements find the family's rows
    assert compared >= 8


_DOUBLE = fast.hot(
    insert(Identity).values(
        parent_id=bindparam("parent_id"), platform="tg", external_id=bindparam("external_id")
    )
)

_ACCOUNT = fast.hot(
    Identity.__table__.select().where(Identity.external_id == bindparam("external_id"))
)


async def test_a_refusal_is_sqlalchemys_exception_and_the_statement_is_seen(
    pg: Database,
) -> None:
    await setup_region(pg, rows=[catalogue_row(1)])
    parent, _ = await parent_with_child(pg, "1")
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(pg.engine.sync_engine, "before_cursor_execute", hook)
    try:
        with pytest.raises(IntegrityError):  # the account "1" is the family's already
            async with pg.uow() as uow:
                await uow.core(_DOUBLE, {"parent_id": parent, "external_id": "1"})
    finally:
        event.remove(pg.engine.sync_engine, "before_cursor_execute", hook)
    assert seen and seen[-1].startswith("INSERT INTO identities")
    # the connection went back to the pool whole: the next unit of work is served
    async with pg.uow() as uow:
        await uow.core(_DOUBLE, {"parent_id": parent, "external_id": "9"})
        await uow.commit()
    async with pg.reader() as uow:
        known = await uow.core(_ACCOUNT, {"external_id": "9"})
        assert [r.parent_id for r in known.all()] == [parent]


async def test_the_storms_statements_take_the_short_way(pg: Database) -> None:
    """What test_update_path pins by count, here by way: every statement of the card and
    the application (BEGIN and COMMIT aside) goes by the short way."""
    from bot.dialogs.engine import PUBLIC, Engine
    from bot.dialogs.events import Event
    from bot.dialogs.flows import FLOWS
    from bot.dialogs.signing import Signer
    from bot.dialogs.state import MemoryStateStore
    from bot.i18n import translator
    from core.usecases import UseCases

    await setup_region(pg, quota=100, rows=[catalogue_row(1, seats=1, price=2000)])
    await parent_with_child(pg, "1", born=date(2016, 3, 5))
    signer = Signer(b"k")
    engine = Engine(FLOWS, UseCases(pg), MemoryStateStore(), translator(), signer, deadline=10)
    await engine.handle(Event("tg", "1", "command", text="start"))
    ways: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        ways.append("short" if cursor is None else "usual")

    event.listen(pg.engine.sync_engine, "before_cursor_execute", hook)
    try:
        card = await engine.handle(
            Event("tg", "1", "button", payload=signer.sign(PUBLIC, "prog:1"))
        )
        applied = await engine.handle(
            Event("tg", "1", "button", payload=card.screen.buttons[0].payload)
        )
    finally:
        event.remove(pg.engine.sync_engine, "before_cursor_execute", hook)
    assert "Заявка" in applied.screen.text or "заявк" in applied.screen.text, applied.screen.text
    assert ways and set(ways) == {"short"}, ways
