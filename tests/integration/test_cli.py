"""Operator commands through click, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.__main__ import cli
from core.audit import audit
from tests.support.world import HEADER, catalogue_row

COMMANDS = [
    "migrate",
    "seed-demo",
    "import-catalog",
    "import-municipalities",
    "import-certificates",
    "close-month",
    "new-year",
    "grant-role",
    "revoke-role",
    "roles",
    "audit",
    "report",
    "payments",
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
    path = tmp_path / "catalogue.csv"
    good = catalogue_row(1, muni="birobidzhan")
    bad = catalogue_row(2, muni="birobidzhan", ages=(9, 3))
    path.write_text(HEADER + "\n" + good + "\n" + bad + "\n", encoding="utf-8")
    result = run("import-catalog", str(path))
    assert result.exit_code == 1
    assert "Строка 3: age_min: минимальный возраст больше максимального" in result.output
    assert "новых 1" in result.output


def test_import_certificates_says_what_it_added_changed_and_left_alone(run, tmp_path):
    run("seed-demo")
    path = tmp_path / "register.csv"
    header = "number,surname,name,birth_date,municipality_code,status,balance_rub\n"
    good = "05-0000001-1,Орлова,Дарья,12.04.2015,birobidzhan,учёта,\n"
    closed = "05-0000002-1,Орлов,Лев,12.04.2012,birobidzhan,закрыт,\n"
    nan = "05-0000003-1,Орлова,Ия,12.04.2013,birobidzhan,ПФ,NaN\n"
    path.write_text(header + good + closed + nan, encoding="utf-8")
    refused = run("import-certificates", "--all-or-nothing", str(path))
    assert refused.exit_code == 1
    assert "Строка 4: balance_rub: нужна сумма в рублях" in refused.output
    assert "ничего не загружено" in refused.output
    first = run("import-certificates", str(path))
    assert first.exit_code == 1 and "новых 2" in first.output
    path.write_text(header + good + closed.replace("закрыт", "учёта"), encoding="utf-8")
    again = run("import-certificates", str(path))
    assert again.exit_code == 0, again.output
    assert "Без изменений: 1." in again.output
    assert "сертификат закрыт и не открывается заново: 1" in again.output
    assert "новых 0, обновлено 0" in again.output


def test_import_catalog_bad_cells_and_all_or_nothing(run, tmp_path):
    run("seed-demo")
    path = tmp_path / "catalogue.csv"
    rows = [
        catalogue_row(901, muni="birobidzhan"),
        catalogue_row(902, muni="birobidzhan", price="NaN"),
        catalogue_row(903, muni="birobidzhan", name="Робо\x00техника"),
        catalogue_row(904, muni="birobidzhan").replace("Описание 904", "я" * 140_000),
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


@pytest.mark.parametrize("command", ["worker", "vk"])
def test_a_busy_health_port_is_named_not_a_traceback(run, monkeypatch, command):
    import socket

    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen()
    port = taken.getsockname()[1]
    monkeypatch.setenv("HEALTH_PORT", str(port))
    # VK's token alone: nothing is asked of VK before the health server starts
    monkeypatch.setenv("VK_GROUP_TOKEN", "vk-token")
    monkeypatch.setenv("VK_GROUP_ID", "1")
    monkeypatch.setenv("VK_API_BASE", "http://127.0.0.1:9")
    try:
        result = run(command)
    finally:
        taken.close()
    assert result.exit_code == 1
    assert "HEALTH_PORT" in result.output and str(port) in result.output
    assert "Traceback" not in result.output


def test_staff_and_operator_commands_are_listed(run):
    listed = run("--help").output
    for command in ("grant-role", "revoke-role", "roles", "audit"):
        assert command in listed


def test_roles_are_granted_listed_revoked_and_audited(run, tmp_path, monkeypatch):
    monkeypatch.setenv("USER", "anna")
    monkeypatch.setenv("LOGNAME", "anna")
    run("seed-demo")
    granted = run("grant-role", "coordinator", "tg:123", "--municipality", "birobidzhan")
    assert granted.exit_code == 0, granted.output
    listed = run("roles")
    assert listed.exit_code == 0
    assert "coordinator\ttg:123\tbirobidzhan\t" in listed.output
    assert listed.output.rstrip().endswith("operator:anna")
    revoked = run("revoke-role", "coordinator", "tg:123")
    assert revoked.exit_code == 0, revoked.output
    assert "отозвана у tg:123: 1 назначение" in revoked.output
    assert "Отменено объявлений" not in revoked.output  # none was waiting
    again = run("revoke-role", "coordinator", "tg:123")
    assert again.exit_code == 1
    assert "нет такой роли" in again.output
    assert run("roles").output.strip() == "Ролей не выдано."
    assert run("close-month", "2025-10").exit_code == 0
    exported = run("audit")
    assert exported.exit_code == 0
    lines = exported.output.splitlines()
    assert lines[0] == ",".join(audit.COLUMNS)
    acts = [line.split(",")[2:7] for line in lines[1:]]
    assert ["operator:anna", "", "grant", "ok", "birobidzhan"] in acts
    assert ["operator:anna", "", "revoke", "ok", "birobidzhan"] in acts
    assert ["operator:anna", "", "close-month", "ok", ""] in acts
    assert any(a[2] == "import-catalog" for a in acts) is False  # seed-demo is no import
    mine = run("audit", "--municipality", "birobidzhan", "--from", "2000-01-01", "-o", "a.csv")
    assert mine.exit_code == 0
    rows = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [r.split(",")[4] for r in rows] == ["grant", "revoke"]
    assert run("audit", "--to", "2000-01-01").output.splitlines()[1:] == []


def test_audit_refuses_bad_arguments(run):
    run("seed-demo")
    bad_date = run("audit", "--from", "2026-13-01")
    assert bad_date.exit_code == 2
    assert "2026-10-31" in bad_date.output
    reversed_period = run("audit", "--from", "2026-10-02", "--to", "2026-10-01")
    assert reversed_period.exit_code == 2
    nowhere = run("audit", "--municipality", "nowhere")
    assert nowhere.exit_code == 1
    assert "Такого муниципалитета нет" in nowhere.output
    assert run("revoke-role", "boss", "tg:1").exit_code == 2
    assert run("revoke-role", "provider", "telegram-1").exit_code == 1


def test_a_refused_operator_command_is_audited_too(run):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.rules.calendar import month_label, month_of

    run("seed-demo")
    current = month_label(month_of(datetime.now(ZoneInfo("Europe/Moscow")).date()))
    assert run("close-month", current).exit_code == 1
    last = run("audit").output.splitlines()[-1].split(",")
    assert last[4:6] == ["close-month", "month_not_ended"]
    assert last[-1] == f"month:{current}"


def test_the_operator_role_is_granted_and_revoked_by_the_cli(run, monkeypatch):
    """The operator (told when a month closes by itself) needs no municipality or
    provider; granted, listed and revoked like the others, each in the audit trail."""
    monkeypatch.setenv("USER", "anna")
    monkeypatch.setenv("LOGNAME", "anna")
    granted = run("grant-role", "operator", "tg:321")
    assert granted.exit_code == 0, granted.output
    listed = run("roles")
    assert "operator\ttg:321\t—\t" in listed.output
    revoked = run("revoke-role", "operator", "tg:321")
    assert revoked.exit_code == 0, revoked.output
    assert run("roles").output.strip() == "Ролей не выдано."
    trail = run("audit").output
    assert "grant" in trail and "revoke" in trail and "role:operator" in trail
