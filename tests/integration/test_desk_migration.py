"""Migration 0027 fills the folded surname of the children registered before it (the desk
finds them by it) and goes back down cleanly, on both databases (each a fresh database of
this test's own, migrated to the revision before)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Boolean, Integer, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from core.storage.migrate import alembic_config, upgrade
from tests.support.services import PG_ADMIN_URL, pg_admin, require_postgres

BEFORE = "0026"  # the revision before the desk's (0027)
NOW = datetime(2026, 10, 5, 12)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    require_postgres()
    name = f"desk_mig_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _insert(conn: AsyncConnection, table: str, values: dict[str, object]) -> None:
    """A row with every NOT NULL column of the table at that revision given something."""
    columns = await conn.run_sync(lambda c: inspect(c).get_columns(table))
    row = dict(values)
    for col in columns:
        if col["name"] in row or col["nullable"] or col.get("default") is not None:
            continue
        kind = col["type"]
        row[col["name"]] = (
            False if isinstance(kind, Boolean) else 0 if isinstance(kind, Integer) else "x"
        )
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    await conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), row)


async def test_the_folded_surnames_are_filled(fresh_url: str):
    upgrade(fresh_url, BEFORE)
    engine = create_async_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            await _insert(conn, "municipalities", {"id": 1, "code": "town", "name": "Город"})
            await _insert(conn, "parents", {"id": 1, "created_at": NOW})
            for n, surname in enumerate(("СЕМЁНОВА", "Петрова-Водкина"), 1):
                await _insert(
                    conn,
                    "children",
                    {
                        "id": n,
                        "parent_id": 1,
                        "surname": surname,
                        "name": "Мария",
                        "birth_date": date(2016, 3, 5),
                        "municipality_id": 1,
                        "created_at": NOW,
                    },
                )
        await engine.dispose()
        upgrade(fresh_url)
        async with engine.connect() as conn:
            folded = (
                await conn.execute(text("SELECT surname_fold FROM children ORDER BY id"))
            ).all()
            certs = await conn.run_sync(lambda c: inspect(c).get_columns("certificates"))
        assert [f for (f,) in folded] == ["семенова", "петрова-водкина"]
        assert "applicant_name" in {c["name"] for c in certs}
        await engine.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(fresh_url), BEFORE)
        async with engine.connect() as conn:
            kids = await conn.run_sync(lambda c: inspect(c).get_columns("children"))
        assert "surname_fold" not in {c["name"] for c in kids}
    finally:
        await engine.dispose()
