"""MAX's settings: MAX_BOT_TOKEN, MAX_API_BASE, MAX_WEBHOOK_URL, MAX_WEBHOOK_SECRET,
MAX_WEBHOOK_HOST, MAX_WEBHOOK_PORT, MAX_RATE, MAX_CHAT_RATE (.env.example)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AnyHttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import webhook_secret_ok

if TYPE_CHECKING:
    from bot.config import Settings


class MaxSettings(BaseSettings):
    # an empty variable (as .env.example leaves them) means "not set"
    model_config = SettingsConfigDict(env_prefix="MAX_", extra="ignore", env_ignore_empty=True)

    bot_token: SecretStr | None = None
    api_base: AnyHttpUrl | None = None  # a stand-in's address (tests, benchmarks)
    # set: MAX delivers updates to this URL (+ /max/webhook), else long polling
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None  # MAX echoes it in X-Max-Bot-Api-Secret
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8082
    rate: float = 30  # MAX Bot API requests a second per bot
    chat_rate: float = 2  # answers a second in one dialog

    @classmethod
    def of(cls, settings: Settings) -> MaxSettings:
        return settings.part(cls)

    @property
    def webhook_secret_ok(self) -> bool:
        """MAX accepts a secret of 5 to 256 characters A-Z, a-z, 0-9, _ and - (POST
        /subscriptions, ``secret``: ``^[a-zA-Z0-9_-]{5,256}$``, dev.max.ru); ask for 16 or
        more, like Telegram's."""
        return webhook_secret_ok(self.webhook_secret)
