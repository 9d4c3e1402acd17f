"""The wording check itself: it finds what it is meant to find, and nothing in plain text."""

from __future__ import annotations

import pytest

from tests.support.wording import address_problems, wording_problems


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


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Запись: Мария, с 01.2027 по 05.2027 (5 мес.).", "ru"),
        ("💳 Списания за 12.2026:", "ru"),
        ("Освободилось место для ребёнка Анна.", "ru"),
        ("Заключите договор с организацией «МБУ ДО «ДДТ», г. Биробиджан».", "ru"),
        ("Занятия: группа «Группа 1», Пн 15:00.", "ru"),
        ("Адрес: г. Биробиджан, ул. Калинина, 74 (г. Биробиджан)", "ru"),
        ("1. Робототехника — ДДТ. 2 500 ₽ в месяц, свободных мест: 2, 1.8 км", "ru"),
        ("1,8 км, ещё 1.8 км", "ru"),
        ("Мария (2)", "ru"),
        ("💳 Запросить сертификат с номиналом", "ru"),
        ("Оплачивается сертификатом финансирования.", "ru"),
        ("Enrolment: Maria, 01.2027 to 05.2027", "en"),
        ("A certificate with a nominal pays", "en"),
        ("Maria (2)", "en"),
        ("Classes: group “Group 1”, Mon", "en"),
    ],
)
def test_issue_29_forms_are_found(text, lang):
    assert wording_problems(text, lang)


def test_natural_forms_pass():
    for text in (
        "Запись: Мария, с января по май 2027\u00a0г. (5 месяцев).",
        "💳 Списания за декабрь 2026\u00a0г.:",
        "Освободилось место для Анны. Дата рождения: 05.03.2016, запрос от 22.11 10:00.",
        "Заключите договор с организацией МБУ ДО «ДДТ».",
        "Адрес: г. Биробиджан, ул. Калинина, 74",
        "1. Робототехника — ДДТ. 2 свободных места, 1,8 км",
        "Мария, 2 года",
        "Сертификат персонифицированного финансирования выдан.",
    ):
        assert wording_problems(text, "ru") == [], text


@pytest.mark.parametrize(
    ("text", "you"),
    [
        ("Выберите программу", "teen"),
        ("Ваша заявка подана", "teen"),
        ("Мы сообщим вам", "teen"),
        ("Готово: ты в семье", "adult"),
        ("Что хочешь сделать?", "adult"),
        ("Напиши слово", "adult"),
    ],
)
def test_the_wrong_address_is_found(text, you):
    assert address_problems(text, you)


def test_the_right_address_passes():
    assert address_problems("Выбери программу: твоя заявка уйдёт в организацию.", "teen") == []
    assert address_problems("Выберите программу: ваша заявка уйдёт в организацию.", "adult") == []
