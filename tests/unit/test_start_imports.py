"""What a process loads to start: the charts' and tables' libraries only when a report is
drawn (matplotlib and openpyxl were a third of a replica's or a worker's start; a worker
restarted after a crash resumes that much later)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "openpyxl")


def _loaded(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [m for m in out.stdout.split() if m.split(".")[0] in HEAVY]


def test_the_bot_and_the_worker_start_without_the_report_libraries():
    assert _loaded("import bot.app, bot.runners, bot.dialogs.flows") == []


def test_drawing_a_report_loads_them():
    # the check above can fail: the same probe sees them once a chart and a table are made
    loaded = _loaded(
        "from bot.reports import charts, tables\ncharts._thousands('ru')\nimport openpyxl.utils"
    )
    assert {m.split(".")[0] for m in loaded} == set(HEAVY)
