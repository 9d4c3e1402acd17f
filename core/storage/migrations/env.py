"""Alembic environment: async engine, batch mode so SQLite can alter tables."""

from __future__ import annotations

import asyncio
import logging.config
import os

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.storage.db import make_engine
from core.storage.models import Base
from core.storage.text_search import include_object

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


# pg_advisory_lock key held while migrating ("PFDM")
MIGRATION_LOCK = 0x5046_444D


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # two replicas started at once on a fresh database: the second waits here, then
            # finds the schema up to date (the lock ends with the connection)
            await conn.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            await conn.commit()
        await conn.run_sync(_configure)
        await conn.commit()
    await engine.dispose()


def _url() -> str:
    # code passes its URL explicitly; the alembic CLI takes DATABASE_URL, then alembic.ini
    return (
        config.attributes.get("url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
        or ""
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    asyncio.run(_run_async(_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
