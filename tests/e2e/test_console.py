"""`python -m bot console` driven through the parent's walk with piped input."""

from __future__ import annotations

import os
import re
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
    "Иванова Анна Петровна",  # the parent's name, for the passport check
    "1",  # ask for the funded one too
    "/confirm",  # the demo's person is the МОЦ's confirmer too
    "1",  # the child waiting
    "1",  # the data match: confirm
    "/search",  # one child: the results at once, for her age and district
    "радиоэлектроника",  # a word typed on the results searches within them
    "1",  # the first result (a program the certificate pays)
    "1",  # the first group
    "1",  # confirm
    "/apps",
    "/balance",
    # the same terminal acts as the organisation, then the month ends
    "/demo",
    "/demo 1",  # staff of the town's organisations
    "/menu",
    "6",  # applications to my groups
    "1",  # Мария's
    "1",  # accept
    "/apps",  # the family reads the contract offered and accepts it
    "1",  # Мария's application
    "1",  # the contract
    "1",  # I accept the contract
    "/menu",
    "6",  # applications to my groups
    "1",  # Мария's again
    "1",  # enrol
    "1",  # from the group's next class day
    "/demo 3",  # the month has ended: closed, debited
    "/balance",
    "1",  # Мария's statement
    "1",  # the earlier month
]


def test_console_walk(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        "LOG_LEVEL": "WARNING",
        # a school month, whatever day the test runs on (the demo's own clock)
        "DEMO_TODAY": "2026-11-16",
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
        # as the organisation: the card, accept, the family accepts the contract offered,
        # enrol; the family's notices printed as they arrive, saying what next
        "Ребёнок: Иванова Мария, 10 лет",
        "🔔 📝 Мария, «Радиоэлектроника»: заявка принята.",
        "предлагает договор-оферту",
        "ДОГОВОР-ОФЕРТА",
        "Договор заключён",
        "🔔 📝 Мария, «Радиоэлектроника»: ребёнок зачислен.",
        # the month closed: the debit notice in the terminal, then the statement
        "Закрыт ноябрь 2026\xa0г.: списаний 1",
        "🔔 💳 Списания за ноябрь 2026\xa0г.:",
        "• Мария, «Радиоэлектроника»: списано 1\xa0250\xa0₽",
        "Выписка по сертификату",
        "списано 1\xa0250\xa0₽ за ноябрь 2026\xa0г. — «Радиоэлектроника»",
        "Движения за ноябрь 2026\xa0г.:",
        "зачислено на сертификат 20\xa0000\xa0₽",
        "зарезервировано 5\xa0000\xa0₽ под программу «Радиоэлектроника»",
    ):
        assert expected in out, expected
    assert "[1]" in out


def _buttons(screen: str) -> dict[int, str]:
    """The numbered buttons of one printed screen: {number: label}."""
    return {
        int(m[1]): m[2].strip()
        for m in re.finditer(r"\[(\d+)\] (.+?)(?=\s{2}\[\d+\]|$)", screen, re.MULTILINE)
    }


def test_typed_words_never_renumber_the_buttons(tmp_path: Path):
    """Words typed on a button screen offer a search, and the offer comes after the
    buttons already on screen: a number typed a moment later presses what it pressed
    before (issue 29: «3» opened the wrong thing)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        "LOG_LEVEL": "WARNING",
        "DEMO_TODAY": "2026-11-16",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("VK_GROUP_TOKEN", None)
    walk = ["1", "/menu", "робототехника"]  # consent; the menu; words typed
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="\n".join(walk) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    screens = result.stdout.split("\n> ")
    before, after = _buttons(screens[-3]), _buttons(screens[-2])
    assert "Главное меню" in screens[-3] and len(before) >= 3, screens[-3]
    assert "найдём одним нажатием" in screens[-2], screens[-2]
    # every button keeps its number, the offer is numbered after them
    assert {n: after[n] for n in before} == before, (before, after)
    assert after[len(before) + 1] == "🔎 Найти «робототехника»", after
    assert len(after) == len(before) + 1
