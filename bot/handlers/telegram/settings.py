"""Telegram's settings: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE, TELEGRAM_WEBHOOK_URL,
TELEGRAM_WEBHOOK_SECRET, TELEGRAM_WEBHOOK_HOST, TELEGRAM_WEBHOOK_PORT, TELEGRAM_RATE,
TELEGRAM_CHAT_RATE, TELEGRAM_REPLY_RATE, TELEGRAM_RECOVER_S (.env.example)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import webhook_secret_ok

if TYPE_CHECKING:
    from bot.config import Settings


class TelegramSettings(BaseSettings):
    # an empty variable (as .env.example leaves them) means "not set"
    model_config = SettingsConfigDict(
        env_prefix="TELEGRAM_", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr | None = None
    api_base: AnyHttpUrl | None = None  # a stand-in's address (tests, benchmarks)
    webhook_url: AnyHttpUrl | None = None  # set: a webhook replica, else long polling
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # in a container: listen on every interface
    webhook_port: int = 8080
    rate: float = 30  # messages a second per bot
    chat_rate: float = 1  # messages a second per chat
    # the dialog's replies and edits, ahead of every notice in the same budget; unset:
    # TELEGRAM_RATE, so replies and notices together keep to it (README "Limits")
    reply_rate: float | None = Field(default=None, gt=0)
    # after a 429 the rate halves, then climbs back to the setting over this many seconds
    recover_s: float = Field(default=30.0, ge=0)

    @classmethod
    def of(cls, settings: Settings) -> TelegramSettings:
        return settings.part(cls)

    @property
    def replies_per_second(self) -> float:
        return self.reply_rate if self.reply_rate is not None else self.rate

    @property
    def webhook_secret_ok(self) -> bool:
        """Webhook mode needs a secret Telegram echoes back, long enough not to be guessed,
        of the characters Telegram accepts (setWebhook ``secret_token``: "1-256 characters.
        Only characters A-Z, a-z, 0-9, _ and - are allowed", core.telegram.org/bots/api)."""
        return webhook_secret_ok(self.webhook_secret)
