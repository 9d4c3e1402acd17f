"""Settings: one pydantic-settings object, built in __main__, never at import time."""

from __future__ import annotations

import re
from datetime import date

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.storage.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    # an empty variable (as .env.example leaves them) means "not set"
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_api_base: AnyHttpUrl | None = None
    telegram_webhook_url: AnyHttpUrl | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_host: str = "0.0.0.0"  # in a container: listen on every interface
    telegram_webhook_port: int = 8080

    vk_group_token: SecretStr | None = None
    vk_group_id: int | None = None
    vk_api_base: AnyHttpUrl | None = None

    max_bot_token: SecretStr | None = None
    max_api_base: AnyHttpUrl | None = None
    # set: MAX delivers updates to this URL (+ /max/webhook), else long polling
    max_webhook_url: AnyHttpUrl | None = None
    max_webhook_secret: SecretStr | None = None  # MAX echoes it in X-Max-Bot-Api-Secret
    max_webhook_host: str = "0.0.0.0"
    max_webhook_port: int = 8082

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
    telegram_rate: float = 30  # messages a second per bot
    telegram_chat_rate: float = 1  # messages a second per chat
    vk_rate: float = 20  # API requests a second per community token
    max_rate: float = 30  # MAX Bot API requests a second per bot
    max_chat_rate: float = 2  # MAX: answers a second in one dialog
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

    @property
    def max_webhook_secret_ok(self) -> bool:
        """MAX accepts a secret of 5 to 256 characters A-Z, a-z, 0-9, _ and - (POST
        /subscriptions, ``secret``: ``^[a-zA-Z0-9_-]{5,256}$``, dev.max.ru); ask for 16 or
        more, like Telegram's."""
        return _secret_ok(self.max_webhook_secret)

    @property
    def webhook_secret_ok(self) -> bool:
        """Webhook mode needs a secret Telegram echoes back, long enough not to be guessed,
        of the characters Telegram accepts (setWebhook ``secret_token``: "1-256 characters.
        Only characters A-Z, a-z, 0-9, _ and - are allowed", core.telegram.org/bots/api)."""
        return _secret_ok(self.telegram_webhook_secret)


# what both platforms accept in a webhook secret (base64's +, / and = are refused)
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,256}")


def _secret_ok(secret: SecretStr | None) -> bool:
    return secret is not None and SECRET_PATTERN.fullmatch(secret.get_secret_value()) is not None
