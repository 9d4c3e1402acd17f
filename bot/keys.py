"""The deployment's secrets: REGISTER_SECRET (keys the digests by which a withdrawn child's
register entry is recognised) and BOT_SECRET (signs buttons). No secret lives in the source.

On PostgreSQL (a deployment) both must be set: a missing one refuses to start, saying how
to set it. On a SQLite file (the terminal demo, one machine) a missing one is generated
once, kept beside the database file (``pfdo.db.register-secret``, ``pfdo.db.bot-secret``,
readable by its owner only) and reused, so the digests and the buttons outlive a restart;
a database in memory gets a random one per process."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from pathlib import Path

import click
from pydantic import SecretStr

from bot.config import Settings
from bot.i18n import translator
from core.storage.db import is_sqlite, sqlite_path

logger = logging.getLogger(__name__)
SECRET_BYTES = 32


class MissingSecret(click.ClickException):
    """A secret a deployment must set is not set: the operator's message says how."""

    def __init__(self, settings: Settings, variable: str) -> None:
        message = translator()(settings.default_language, "cli-need-secret", variable=variable)
        super().__init__(message)
        self.variable = variable


def register_key(settings: Settings) -> bytes:
    return _secret(settings, settings.register_secret, "REGISTER_SECRET", "register-secret")


def button_key(settings: Settings) -> bytes:
    return _secret(settings, settings.bot_secret, "BOT_SECRET", "bot-secret")


def _secret(settings: Settings, given: SecretStr | None, variable: str, suffix: str) -> bytes:
    if given is not None:
        return given.get_secret_value().encode()
    url = settings.database_url
    if not is_sqlite(url):
        raise MissingSecret(settings, variable)
    path = sqlite_path(url)
    if path is None:  # a database in memory lives as long as this process
        return secrets.token_bytes(SECRET_BYTES)
    return kept_beside(path.with_name(f"{path.name}.{suffix}"))


def kept_beside(path: Path) -> bytes:
    """The secret in ``path``, made there first if there is none: created exclusively
    with mode 0600, so two processes starting at once end up with one secret."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    value = secrets.token_hex(SECRET_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
    logger.info("a secret was generated beside the demo database")
    return value.encode()


def _read(path: Path) -> bytes:
    for _ in range(50):  # another process may be writing it this very moment
        with contextlib.suppress(FileNotFoundError):
            value = path.read_text(encoding="ascii").strip()
            if value:
                return value.encode()
        time.sleep(0.01)
    message = translator()("ru", "cli-secret-file-empty", path=str(path))
    raise click.ClickException(message)
