"""VK's settings: VK_GROUP_TOKEN, VK_GROUP_ID, VK_API_BASE, VK_RATE (.env.example)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AnyHttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from bot.config import Settings


class VkSettings(BaseSettings):
    # an empty variable (as .env.example leaves them) means "not set"
    model_config = SettingsConfigDict(env_prefix="VK_", extra="ignore", env_ignore_empty=True)

    group_token: SecretStr | None = None
    group_id: int | None = None
    api_base: AnyHttpUrl | None = None  # a stand-in's address (tests, benchmarks)
    rate: float = 20  # API requests a second per community token

    @classmethod
    def of(cls, settings: Settings) -> VkSettings:
        return settings.part(cls)
