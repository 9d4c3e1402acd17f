"""The wording check itself: it finds what it is meant to find, and nothing in plain text."""

from __future__ import annotations

import pytest

from tests.support.wording import wording_problems


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ребёнок зачислен(а) в группу", "ru"),
        ("✅ Согласен(на)", "ru"),
        ("Кнопка «Открыть программу» (№ 42).", "ru"),
        ("Откройте prog_42", "en"),
        ("Получат родителей: 1", "ru"),
        ("Ещё зарезервировано: 100 ₽", "ru"),
        ("Средства ПФ списаны", "ru"),
        ("Реестр: предпрофессиональная", "ru"),
        ("Статус: None", "ru"),
        ("Ошибка: application_not_found", "ru"),
        ("You have 2 child(ren) and 1 application(s)", "en"),
        ("Hello { $name }", "en"),
    ],
)
def test_forbidden_forms_are_found(text, lang):
    assert wording_problems(text, lang)


def test_plain_text_passes():
    assert (
        wording_problems("Мария зачислена в группу «Робототехника». Занятия по средам.", "ru")
        == []
    )
    assert wording_problems("Maria is enrolled; classes are on Wednesdays.", "en") == []
