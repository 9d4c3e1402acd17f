"""The report as people read it: the summary's figures, the XLSX opened back with
openpyxl holding every table, the CSV, the charts as PNG of the size promised; and the
`report` command, recorded in the audit trail."""

from __future__ import annotations

import csv
import io
import struct
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.__main__ import cli
from bot.i18n import translator
from bot.reports import charts, coverage_chart, money_chart, summary, tables, to_csv, to_xlsx
from core.reports import build
from tests.integration.test_reports import NOW, describe, write

ZONE = ZoneInfo("Europe/Moscow")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
async def report(sqlite_db, clock):
    clock.set(NOW)
    await write(sqlite_db, describe())
    return await sqlite_db.read(build, None)


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_the_xlsx_holds_every_table(report, lang):
    book = load_workbook(io.BytesIO(to_xlsx(report, lang)))
    expected = tables(report, lang)
    assert book.sheetnames == [t.sheet for t in expected]
    for table in expected:
        sheet = book[table.sheet]
        got = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        assert got[0] == table.columns
        want = [
            tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in table.rows
        ]
        assert [
            tuple(float(v) if isinstance(v, Decimal) else v for v in r) for r in got[1:]
        ] == want
    # the figures themselves, not only the same rows twice: coverage has each
    # municipality and the total, money each month from September to February
    coverage = list(book[expected[0].sheet].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in coverage] == [c.registered for c in report.coverage]
    money = list(book[expected[2].sheet].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in money] == [
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert [round(r[4] * 100) for r in money] == [m.debited for m in report.money.months]


async def test_the_csv_has_a_section_per_table(report):
    text = to_csv(report, "en")
    sections = text.split("\n\n")
    assert len(sections) == 5
    organisations = list(csv.reader(io.StringIO(sections[-1])))
    assert organisations[0] == ["Organisations"]
    assert len(organisations) - 2 == len(report.organisations)
    assert [int(r[5]) for r in organisations[2:]] == [o.pupils for o in report.organisations]


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_the_charts_are_pngs_a_phone_shows_whole(report, lang):
    width, height = png_size(coverage_chart(report, lang))
    # four rows (three municipalities and the total)
    assert (width, height) == (charts.WIDTH_PX, 260 + 170 * 4)
    assert png_size(money_chart(report, lang)) == (charts.WIDTH_PX, 1000)


async def test_the_summary_names_the_figures(sqlite_db, clock):
    clock.set(NOW)
    await write(sqlite_db, describe())
    report = await sqlite_db.read(build, 1)
    text = summary(report, "ru", ZONE)
    c = report.total
    assert text.startswith("Отчёт: North, на 10.02.2027")
    assert f"Зарегистрировано детей: {c.registered} — " in text
    share = f"{100 * c.funded / 40:.1f}".replace(".", ",")
    assert f"С сертификатом ПФДО: {c.funded} — {share} %" in text
    assert "Цель: 25 %, затем 50 %" in text
    q = report.queue_total
    days = translator()("ru", "report-queue", count=q.length, days=q.longest_wait_days)
    assert days in text
    assert "из лимита 120\u00a0000\u00a0₽" in text
    english = summary(report, "en", ZONE)
    assert "of the limit 120,000\u00a0₽" in english


def test_report_command_writes_the_files_and_is_audited(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("USER", "anna")
    monkeypatch.setenv("LOGNAME", "anna")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    assert run("seed-demo").exit_code == 0
    assert "report" in run("--help").output
    made = run("report", "--municipality", "birobidzhan", "--out", "b.xlsx")
    assert made.exit_code == 0, made.output
    assert "Отчёт: г. Биробиджан" in made.output
    for name in ("b.xlsx", "b-coverage.png", "b-money.png"):
        assert f"Отчёт записан: {name}" in made.output
    book = load_workbook(tmp_path / "b.xlsx")
    assert len(book.sheetnames) == 5
    assert png_size((tmp_path / "b-coverage.png").read_bytes())[0] == charts.WIDTH_PX
    listed = run("report")  # the region's tables on the terminal, as CSV
    assert listed.exit_code == 0
    assert listed.output.splitlines()[0] == "Охват"
    assert run("report", "--format", "xlsx").exit_code == 2  # a file only
    assert run("report", "--out", "r.txt").exit_code == 2
    nowhere = run("report", "--municipality", "nowhere")
    assert nowhere.exit_code == 1
    assert "Такого муниципалитета нет" in nowhere.output
    acts = [line.split(",") for line in run("audit").output.splitlines()[1:]]
    reads = [(a[2], a[4], a[5], a[6], a[-1]) for a in acts if a[4] == "report"]
    assert reads == [
        ("operator:anna", "report", "ok", "birobidzhan", "scope:birobidzhan format:xlsx"),
        ("operator:anna", "report", "ok", "", "scope:region format:csv"),
        ("operator:anna", "report", "municipality_not_found", "", "scope:nowhere format:csv"),
    ]
