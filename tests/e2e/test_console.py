"""`python -m bot console` driven through the parent's walk with piped input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WALK = [
    "1",  # consent
    "/children",
    "1",  # add a child
    "Иванова",
    "Мария",
    "1",  # skip the patronymic
    "31.02.2016",  # a wrong date: asked again
    "05.03.2016",
    "1",  # skip SNILS
    "бир",  # search the municipality list
    "2",  # г. Биробиджан
    "1",  # save
    "1",  # request the certificate
    "1",  # ask for the funded one too
    "/confirm",  # the demo's person is the МОЦ's confirmer too
    "1",  # the child waiting
    "1",  # the data match: confirm
    "/search",
    "1",  # technical
    "2",  # г. Биробиджан
    "1",  # for Мария
    "1",  # show everything
    "1",  # the first result
    "1",  # the first group
    "1",  # confirm
    "/apps",
    "/balance",
]


def test_console_walk(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("VK_GROUP_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="\n".join(WALK) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for expected in (
        "Спасибо! Согласие сохранено.",
        "Фамилия ребёнка?",
        "Не получилось понять дату",
        "Проверьте, всё ли верно",
        "Заявка на сертификат принята.",
        "Запрос записан.",
        "Проверьте по документам",
        "Данные подтверждены",
        "Найдено:",
        "Стоимость:",
        "Заявка подана.",
        "Заявки (1):",
        "Баланс сертификатов",
        "Зарезервировано:",
    ):
        assert expected in out, expected
    assert "[1]" in out
