"""Everything logged while a parent registers a child holds none of the child's data."""

from __future__ import annotations

import logging

from tests.e2e.test_telegram import press, say


async def test_logs_hold_no_names_no_snils_no_birth_dates(telegram_bot, caplog):
    caplog.set_level(logging.DEBUG)
    h = telegram_bot
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    menu = await say(h, "/children")
    step = await press(h, menu, "Добавить")
    step = await say(h, "Ёжикова")
    step = await say(h, "Снежана")
    step = await say(h, "Игоревна")
    step = await say(h, "17.04.2015")
    step = await say(h, "112-233-445 95")
    step = await press(h, step, "г. Биробиджан")
    step = await press(h, step, "Сохранить")
    assert "Ёжикова" in step.text
    # the same SNILS again: the same child, refused, and the refusal logs none of it
    step = await press(h, menu, "Добавить")
    for answer in ("Ёжиков", "Иван"):
        step = await say(h, answer)
    step = await press(h, step, "Пропустить")
    step = await say(h, "01.01.2014")
    step = await say(h, "11223344595")
    step = await press(h, step, "г. Биробиджан")
    step = await press(h, step, "Сохранить")
    assert "уже есть в вашем профиле" in step.text
    logged = caplog.text
    assert logged  # something was logged: the check is not vacuous
    for secret in (
        "Ёжиков",
        "Снежана",
        "Игоревна",
        "2015-04-17",
        "17.04.2015",
        "11223344595",
        "112-233-445",
    ):
        assert secret not in logged, secret
