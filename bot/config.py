"""Settings: one pydantic-settings object, built in __main__, never at import time."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from pydantic import Field, PrivateAttr, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.storage.db import DEFAULT_DATABASE_URL

ENV_FILE = ".env"
P = TypeVar("P", bound=BaseSettings)


class Settings(BaseSettings):
    """The core's and the process's settings. Each messenger's are its package's own
    (bot/handlers/<name>/settings.py, read through ``part``), so adding a messenger does
    not touch this file."""

    # an empty variable (as .env.example leaves them) means "not set"
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", env_ignore_empty=True)
    # what was given for the messengers' settings, the .env file read, their models built
    _given: dict[str, Any] = PrivateAttr(default_factory=dict)
    _env_file: Any = PrivateAttr(default=ENV_FILE)
    _parts: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        fields = type(self).model_fields
        own = {k: v for k, v in values.items() if k in fields or k.startswith("_")}
        super().__init__(**own)
        self._given = {k: v for k, v in values.items() if k not in own}
        self._env_file = values.get("_env_file", ENV_FILE)

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None

    # answered within this many seconds even when the database or Redis hangs
    reply_deadline_s: float = Field(default=1.5, gt=0)
    redis_timeout_s: float = Field(default=0.25, gt=0)
    database_connect_timeout_s: float = Field(default=2, gt=0)
    database_statement_timeout_s: float = Field(default=60, gt=0)
    # PostgreSQL connections each process keeps open (10 more for bursts): see app.py
    database_pool_size: int = Field(default=24, gt=0)
    state_ttl_s: int = Field(default=6 * 3600, gt=0)  # a dialog (and its draft) is kept
    # signs buttons; required on PostgreSQL, else generated beside the SQLite file (keys.py)
    bot_secret: SecretStr | None = None
    # keys the digests by which a withdrawn child's register entry is recognised when the
    # child is registered again; set once per deployment and keep it. Required on
    # PostgreSQL; the SQLite demo generates one beside its file (bot/keys.py)
    register_secret: SecretStr | None = None
    # the region's time zone: its date decides which month has ended, ages, school years;
    # coordinators' scheduled times are read in it
    timezone: str = "Europe/Moscow"
    default_language: str = Field(default="ru", pattern="^(ru|en)$")
    # the terminal demo's first day (its clock starts there, 09:00 in TIMEZONE, and /demo
    # moves it on); unset: today. The messengers always run on the real clock.
    demo_today: date | None = None
    # an application no provider answers is closed after this many days (the family told)
    application_expiry_days: int = Field(default=10, ge=1, le=365)
    # the operator of the personal data, named in the privacy policy with the periods
    # things are kept for (STATE_TTL_S, APPLICATION_EXPIRY_DAYS)
    operator_name: str = Field(default="", max_length=300)
    operator_address: str = Field(default="", max_length=300)
    operator_contact: str = Field(default="", max_length=200)  # for requests about the data
    low_balance_rub: int = 1000  # a debit notice warns below this available balance
    # a dead worker's claimed rows go to another after this; a live one keeps extending
    worker_lease_s: float = Field(default=10, gt=0)
    worker_enabled: bool = True  # the outbox worker runs inside `run`
    # the worker closes each ended month on the first day of the next one (TIMEZONE) and
    # tells the operators; off: only `close-month` by hand
    auto_close_month: bool = True
    log_level: str | None = None  # INFO for the bots, WARNING for operator commands
    log_format: str = Field(default="text", pattern="^(text|json)$")
    # liveness, readiness and /metrics (a webhook's port answers the first two, never
    # /metrics: it faces the internet)
    health_port: int | None = 8081

    def part(self, kind: type[P]) -> P:
        """A messenger's own settings (the model its package in bot/handlers/ defines, with
        its env prefix: TELEGRAM_, VK_, MAX_), read from the same sources as these: what
        was given to ``Settings(...)`` under its prefix (``telegram_bot_token=…``), then the
        environment, then the same .env file. Built once per kind."""
        found = self._parts.get(kind)
        if not isinstance(found, kind):
            prefix = str(kind.model_config.get("env_prefix", "")).lower()
            given = {
                k[len(prefix) :]: v for k, v in self._given.items() if k.lower().startswith(prefix)
            }
            found = kind(_env_file=self._env_file, **given)
            self._parts[kind] = found
        return found


# what Telegram and MAX both accept in a webhook secret (base64's +, / and = are refused)
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,256}")


def webhook_secret_ok(secret: SecretStr | None) -> bool:
    """A secret a messenger echoes back with each webhook delivery: long enough not to be
    guessed, of the characters Telegram and MAX both accept."""
    return secret is not None and SECRET_PATTERN.fullmatch(secret.get_secret_value()) is not None
