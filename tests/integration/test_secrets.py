"""Secrets are deployment secrets (issue 24, item 3): none lives in the source; PostgreSQL
refuses to start without REGISTER_SECRET and BOT_SECRET, saying how to set them; the SQLite
demo generates each once beside its database file (mode 0600) and reuses it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import keys
from bot.__main__ import cli
from bot.app import build
from bot.config import Settings
from core.storage.db import Database


def _settings(url: str, **given: object) -> Settings:
    return Settings(_env_file=None, database_url=url, **given)  # type: ignore[arg-type]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"bot_secret": "b" * 32}, "REGISTER_SECRET"),
        ({"register_secret": "r" * 32}, "BOT_SECRET"),
        ({"telegram_bot_token": "1:x", "register_secret": "r" * 32}, "BOT_SECRET"),
    ],
)
async def test_postgres_refuses_to_start_without_a_secret(postgres_url, given, missing):
    with pytest.raises(keys.MissingSecret) as err:
        await build(_settings(postgres_url, **given))
    assert err.value.variable == missing
    assert f"{missing}=" in err.value.message and "openssl rand -hex 32" in err.value.message


@pytest.mark.postgres
async def test_postgres_starts_with_both_and_uses_them(postgres_url):
    app = await build(_settings(postgres_url, bot_secret="b" * 32, register_secret="r" * 32))
    try:
        assert app.db.register_secret == b"r" * 32
    finally:
        await app.close()


@pytest.mark.postgres
def test_an_operator_command_on_postgres_says_how_to_set_it(postgres_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.delenv("REGISTER_SECRET", raising=False)
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)
    result = CliRunner().invoke(cli, ["roles"])
    assert result.exit_code == 1
    assert "REGISTER_SECRET=" in result.output and "openssl rand -hex 32" in result.output
    monkeypatch.setenv("REGISTER_SECRET", "r" * 32)
    assert CliRunner().invoke(cli, ["roles"]).exit_code == 0


async def test_the_sqlite_demo_keeps_a_generated_secret_beside_its_file(
    sqlite_template: Path, tmp_path: Path
):
    import shutil

    db_file = tmp_path / "demo.db"
    shutil.copy(sqlite_template, db_file)
    url = f"sqlite+aiosqlite:///{db_file}"
    # tokens set or not, nothing is derived from them or taken from the source
    first = await build(_settings(url, telegram_bot_token="1:x"))
    try:
        register = first.db.register_secret
    finally:
        await first.close()
    kept = _kept(tmp_path)
    assert set(kept) == {"demo.db.register-secret", "demo.db.bot-secret"}
    for mode, value in kept.values():
        assert mode == 0o600
        assert len(value) == 64
    assert register == kept["demo.db.register-secret"][1].encode()
    again = await build(_settings(url))
    try:
        assert again.db.register_secret == register  # reused after a restart
    finally:
        await again.close()
    assert keys.button_key(_settings(url)) == kept["demo.db.bot-secret"][1].encode()
    # one given wins over the file
    assert keys.register_key(_settings(url, register_secret="given")) == b"given"


def _kept(folder: Path) -> dict[str, tuple[int, str]]:
    """The secret files in ``folder``: their mode and content."""
    return {
        p.name: (stat.S_IMODE(p.stat().st_mode), p.read_text().strip())
        for p in folder.iterdir()
        if "secret" in p.name
    }


def test_no_register_secret_lives_in_the_source():
    import core.storage.db as storage

    assert not hasattr(storage, "DEFAULT_REGISTER_SECRET")
    a, b = Database("sqlite+aiosqlite://"), Database("sqlite+aiosqlite://")
    assert a.register_secret != b.register_secret
    assert len(a.register_secret) == 32
