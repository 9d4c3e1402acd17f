"""Operator commands through click, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.__main__ import cli
from tests.support.world import HEADER, catalog_row

COMMANDS = [
    "migrate",
    "seed-demo",
    "import-catalog",
    "import-municipalities",
    "close-month",
    "new-year",
    "grant-role",
]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def go(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return go


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_seed_demo_builds_a_region_and_is_repeatable(run):
    first = run("seed-demo")
    assert first.exit_code == 0, first.output
    assert "муниципалитетов 6" in first.output
    again = run("seed-demo")
    assert again.exit_code == 0
    import sqlite3

    conn = sqlite3.connect("cli.db")
    programs, directions = conn.execute(
        "SELECT count(*), count(DISTINCT direction) FROM programs"
    ).fetchone()
    conn.close()
    assert programs >= 100
    assert directions == 6


def test_import_catalog_reports_bad_lines(run, tmp_path):
    run("seed-demo")
    path = tmp_path / "catalog.csv"
    good = catalog_row(1, muni="birobidzhan")
    bad = catalog_row(2, muni="birobidzhan", ages=(9, 3))
    path.write_text(HEADER + "\n" + good + "\n" + bad + "\n", encoding="utf-8")
    result = run("import-catalog", str(path))
    assert result.exit_code == 1
    assert "Строка 3: age_min: минимальный возраст больше максимального" in result.output
    assert "новых 1" in result.output


def test_import_catalog_bad_cells_and_all_or_nothing(run, tmp_path):
    run("seed-demo")
    path = tmp_path / "catalog.csv"
    rows = [
        catalog_row(901, muni="birobidzhan"),
        catalog_row(902, muni="birobidzhan", price="NaN"),
        catalog_row(903, muni="birobidzhan", name="Робо\x00техника"),
        catalog_row(904, muni="birobidzhan").replace("Описание 904", "я" * 140_000),
    ]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("import-catalog", "--all-or-nothing", str(path))
    assert result.exit_code == 1
    assert "Строка 3: price_rub: нужна сумма в рублях" in result.output
    assert "Строка 4: program_name: в ячейке нулевой символ (NUL)" in result.output
    assert "Строка 5: description: длиннее 4\xa0000 символов" in result.output
    assert "Ничего не загружено" in result.output
    result = run("import-catalog", str(path))
    assert result.exit_code == 1
    assert "новых 1" in result.output and "Ничего не загружено" not in result.output


def test_bad_arguments_exit_non_zero_with_a_message(run, tmp_path):
    assert run("close-month", "2026-13").exit_code == 2
    assert run("new-year", "1999").exit_code == 2
    assert run("import-catalog", str(tmp_path / "missing.csv")).exit_code == 2
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = run("import-catalog", str(binary))
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    result = run("grant-role", "coordinator", "tg:1", "--municipality", "nowhere")
    assert result.exit_code == 1
    assert "муниципалитета нет" in result.output
    result = run("grant-role", "coordinator", "telegram-1", "--municipality", "nowhere")
    assert result.exit_code == 1


def test_close_month_twice(run):
    run("seed-demo")
    first = run("close-month", "2025-10")
    assert first.exit_code == 0
    second = run("close-month", "2025-10")
    assert "уже был закрыт" in second.output


def test_surfaces_refuse_to_start_without_their_settings(run, monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN", "VK_GROUP_ID"):
        monkeypatch.delenv(name, raising=False)
    result = run("telegram")
    assert result.exit_code == 1
    assert "TELEGRAM_BOT_TOKEN" in result.output
    result = run("worker")
    assert result.exit_code == 1
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "short")
    result = run("telegram")
    assert result.exit_code == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in result.output


def test_close_month_refuses_a_month_that_has_not_ended(run):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.rules.calendar import month_label, month_of

    run("seed-demo")
    # the region's month (TIMEZONE's default), not the server's
    current = month_label(month_of(datetime.now(ZoneInfo("Europe/Moscow")).date()))
    result = run("close-month", current)
    assert result.exit_code == 1
    assert "ещё не закончился" in result.output
    assert "--close-missing" in run("new-year", "--help").output
