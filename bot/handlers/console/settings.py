"""The terminal chat's settings: CONSOLE_FILES_DIR (.env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from bot.config import Settings


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", env_ignore_empty=True)

    # where the terminal chat saves a screen's files (printing their path); unset: a new
    # temporary directory for each run
    files_dir: Path | None = None

    @classmethod
    def of(cls, settings: Settings) -> ConsoleSettings:
        return settings.part(cls)
