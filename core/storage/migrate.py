"""Run Alembic migrations from code (tests, the CLI, the bot's first start)."""

from __future__ import annotations

import asyncio
import fcntl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.storage.db import sqlite_path

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def _upgrade(url: str, revision: str) -> None:
    """One migrator at a time: PostgreSQL takes an advisory lock in env.py; for a SQLite
    file, a lock file beside it does the same across processes."""
    path = sqlite_path(url)
    if path is None or str(path) == ":memory:":
        command.upgrade(alembic_config(url), revision)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            command.upgrade(alembic_config(url), revision)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(url: str, revision: str = "head") -> None:
    """env.py runs its own event loop for the async engine; from inside a running loop
    that has to happen on another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _upgrade(url, revision)
        return
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_upgrade, url, revision).result()


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(_upgrade, url, revision)
