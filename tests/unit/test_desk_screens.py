"""The МОЦ's desk screens in both languages (issue 28 item 3): the queue's filters, search
and numbered lines; the card with the parent's name and the buttons to correct a typo;
the correction's prompt per field; the parent's name asked with how long it is kept."""

from __future__ import annotations

import dataclasses

import pytest

from bot.dialogs.flows.confirm import FilterDesk, OpenConfirmation, OpenCorrection
from bot.dialogs.screen import render
from bot.dialogs.screens import Screens
from core import port
from tests.support.fake_core import FakeCore
from tests.support.wording import wording_problems
from tests.unit.test_screens import (
    LANGUAGES,
    PENDING,
    ROUTES,
    SIGNER,
    VARIANTS,
    make_ctx,
    scene,
    strict,
)

CROWD = [dataclasses.replace(PENDING, id=n, surname=f"Фамилия{n}") for n in range(1, 11)]


def _core(**changes) -> FakeCore:  # type: ignore[no-untyped-def]
    return FakeCore(dataclasses.replace(scene(VARIANTS[0]), **changes))


async def _show(lang: str, name: Screens, core: FakeCore, **review):  # type: ignore[no-untyped-def]
    ctx = make_ctx(lang, core)
    ctx.state.data["confirm"] = {"page": 0, "certificate_id": 1, **review}
    built = await ROUTES.screens[name](ctx)
    rendered = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a))
    for shown in (rendered.text, *(b.label for b in rendered.buttons)):
        assert wording_problems(shown, lang) == [], shown
    assert len(rendered.rows) <= 10
    return built, rendered


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_ten_numbered_lines_the_filters_and_no_snils(lang):
    built, shown = await _show(
        lang, Screens.CONFIRM_QUEUE, _core(pending=CROWD, pending_total=500)
    )
    assert built.expect == "text"  # a text typed here is a search of the desk
    for n in range(1, 11):
        assert f"{n}. Фамилия{n} Мария Петровна, 05.03.2016, № 01-0000001-8" in shown.text
    assert "11223344595" not in shown.text and "112-233" not in shown.text  # no СНИЛС
    numbers = [b.action for b in built.rows[0] + built.rows[1]]
    assert numbers == [OpenConfirmation(n) for n in range(1, 11)]
    filters = [b.action for row in built.rows for b in row if isinstance(b.action, FilterDesk)]
    assert filters == [FilterDesk(w.value) for w in port.Desk]
    assert ("страница 1 из 50" if lang == "ru" else "page 1 of 50") in shown.text
    assert "●" in next(b.label for b in shown.buttons if "500" in b.label)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_search_with_no_result_says_so_and_keeps_the_filters(lang):
    _, shown = await _show(lang, Screens.CONFIRM_QUEUE, _core(), query="Сидоров")
    assert ("ничего не найдено" if lang == "ru" else "nothing found") in shown.text
    assert "«Сидоров»" in shown.text or "“Сидоров”" in shown.text
    labels = " ".join(b.label for b in shown.buttons)
    assert ("Новые" if lang == "ru" else "New") in labels
    assert ("Сбросить поиск" if lang == "ru" else "Clear the search") in labels


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_corrections_filter_opens_corrections(lang):
    built, shown = await _show(lang, Screens.CONFIRM_QUEUE, _core(), which="corrections")
    assert isinstance(built.rows[0][0].action, OpenCorrection)
    assert ("Исправления данных" if lang == "ru" else "Corrections of") in shown.text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_card_names_the_parent_and_offers_the_fixes(lang):
    named = dataclasses.replace(PENDING, applicant="Иванова Анна Петровна")
    _, shown = await _show(lang, Screens.CONFIRM_CARD, _core(pending=[named]))
    assert "Иванова Анна Петровна" in shown.text
    labels = [b.label for b in shown.buttons]
    words = ["Фамилия", "Имя", "Отчество", "Дата рождения", "СНИЛС"]
    if lang == "en":
        words = ["Surname", "Name", "Patronymic", "Birth date", "SNILS"]
    for word in words:
        assert any(word in label for label in labels), (word, labels)
    # a request with no parent's name (a teen's own): said, not left blank
    _, bare = await _show(lang, Screens.CONFIRM_CARD, _core(pending=[PENDING]))
    assert ("не указан" if lang == "ru" else "not given") in bare.text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("field", list(port.AmendField))
async def test_the_fix_prompt_shows_the_value_now(lang, field):
    built, shown = await _show(lang, Screens.CONFIRM_AMEND, _core(), field=field.value)
    assert built.expect == "text"
    now = {
        "surname": "Иванова",
        "name": "Мария",
        "patronymic": "Петровна",
        "birth_date": "05.03.2016",
        "snils": "112-233-445 95",
    }[field.value]
    assert now in shown.text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_parents_name_is_asked_with_how_long_it_is_kept(lang):
    ctx = make_ctx(lang, _core())
    built = await ROUTES.screens[Screens.CERT_APPLICANT](ctx)
    text = render(built, lang, strict(), lambda a: SIGNER.sign("tg:1", a)).text
    assert built.expect == "text"
    kept = "только до этой проверки" if lang == "ru" else "only until that check"
    assert kept in text
    assert wording_problems(text, lang) == []
