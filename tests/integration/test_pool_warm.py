"""A process opens its PostgreSQL connections before serving (an opening-day storm's first
seconds would open them all at once), and keeps them: they are in the pool afterwards."""

from __future__ import annotations

from sqlalchemy import text

from core.storage.db import Database


async def test_warm_opens_the_connections_and_keeps_them(db: Database) -> None:
    await db.warm(3)
    if db.engine.dialect.name == "sqlite":
        assert db.engine.pool.checkedin() == 0  # nothing to open ahead on a file
        return
    assert db.engine.pool.checkedin() == 3
    async with db.uow() as uow:  # served by one of them, none opened
        await uow.core(text("SELECT 1"))
        assert db.engine.pool.checkedin() == 2
