"""The deployment files: docker-compose.yml is valid, and it sets only what the code reads."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.handlers import all_platforms
from bot.handlers.console.settings import ConsoleSettings
from bot.handlers.telegram.settings import TelegramSettings

ROOT = Path(__file__).resolve().parents[2]
THIRD_PARTY = {"POSTGRES_PASSWORD"}  # read by the postgres image, documented for it


def settings_variables() -> set[str]:
    """The process's variables and each messenger's (its package's model, its prefix), the
    terminal chat's included."""
    names = {name.upper() for name in Settings.model_fields}
    for model in [*(p.settings for p in all_platforms()), ConsoleSettings]:
        prefix = str(model.model_config.get("env_prefix", ""))
        names |= {f"{prefix}{name}".upper() for name in model.model_fields}
    return names


def env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value
    return out


SECRETS = ("POSTGRES_PASSWORD", "BOT_SECRET", "REGISTER_SECRET")


def _compose_config(folder: Path, env: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        reason = "docker-compose (Debian's package) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, folder / name)
    (folder / ".env").write_text(env, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean,
    )


def test_compose_file_is_valid_once_the_secrets_are_set(tmp_path):
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    filled = example + "".join(f"\n{name}=0123456789abcdef0123" for name in SECRETS)
    result = _compose_config(tmp_path, filled)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", SECRETS)
def test_compose_will_not_start_without_a_secret(tmp_path, missing):
    """No usable secret ships: .env.example leaves them empty, and compose requires each."""
    example = env_example()
    assert all(example[name] == "" for name in SECRETS)
    env = (ROOT / ".env.example").read_text(encoding="utf-8") + "".join(
        f"\n{name}=0123456789abcdef0123" for name in SECRETS if name != missing
    )
    result = _compose_config(tmp_path, env)
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr


def test_compose_sets_only_variables_the_code_reads():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    ours = {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("pfdo-bot")
    }
    assert set(ours) == {"migrate", "telegram", "vk", "max", "worker"}
    known = settings_variables()
    for name, service in ours.items():
        env = service.get("environment") or {}
        unknown = set(env) - known
        assert not unknown, (name, unknown)


def test_env_example_documents_every_setting_and_nothing_else():
    keys = set(env_example())
    assert keys - THIRD_PARTY <= settings_variables()
    assert settings_variables() <= keys


def test_env_example_parses_as_settings(tmp_path, monkeypatch):
    for key in settings_variables():
        monkeypatch.delenv(key, raising=False)
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(_env_file=env)
    assert TelegramSettings.of(settings).bot_token is None  # empty means unset
    for platform in all_platforms():  # each messenger's part parses too
        settings.part(platform.settings)
    assert settings.timezone == "Asia/Vladivostok"
