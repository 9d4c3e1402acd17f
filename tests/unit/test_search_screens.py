"""The search of issue 29 on the fake core, in both locales and for a teen: one question
at most, a results line that tells namesakes apart and says why not, the filters' presses,
a typed address matched or answered with examples; and the pure rules it reads addresses
and providers' names by."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.dialogs.actions import OpenSearch
from bot.dialogs.flows import search_near, search_question, search_results
from bot.dialogs.screen import Screen, render
from bot.i18n import ADULT, LANGUAGES, TEEN
from core.rules.catalogue import short_provider, street_key, street_of
from tests.support.fake_core import WHY_NOT, FakeCore
from tests.support.wording import address_problems, wording_problems
from tests.unit.test_screens import KID, KID2, SIGNER, VARIANTS, StrictTranslator, make_ctx, scene

TEEN_ID = 2


def _words(screen: Screen, lang: str, you: str = ADULT) -> tuple[str, list[str]]:
    rendered = render(screen, lang, StrictTranslator(), lambda a: SIGNER.sign("tg:1", a), you)
    return rendered.text, [b.label for b in rendered.buttons]


def _check(text: str, buttons: list[str], lang: str, you: str) -> None:
    for shown in (text, *buttons):
        assert wording_problems(shown, lang) == [], shown
        if lang == "ru":
            assert address_problems(shown, you) == [], shown
    assert all(len(b) <= 40 for b in buttons), buttons


def _ctx(lang: str, kids=(KID,), *, teen: bool = False):  # type: ignore[no-untyped-def]
    core = FakeCore(dataclasses.replace(scene(VARIANTS[0]), children=list(kids)))
    ctx = make_ctx(lang, core)
    if teen:
        ctx.state.data["teen"] = TEEN_ID
    return ctx


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_one_child_gets_the_results_at_once_two_are_asked_about(lang):
    ctx = _ctx(lang)
    await search_question.search(ctx, OpenSearch())
    assert ctx.state.screen == "results"
    q = ctx.flow(search_question.Query)
    assert (q.child, q.age, q.muni, q.muni_name) == (KID.id, KID.age, 1, "г. Биробиджан")
    ctx = _ctx(lang, kids=(KID, KID2))
    await search_question.search(ctx, OpenSearch())
    assert ctx.state.screen == "search-child"
    ctx = _ctx(lang, kids=())
    await search_question.search(ctx, OpenSearch())
    assert ctx.state.screen == "results"
    assert ctx.flow(search_question.Query).muni is None  # every district


@pytest.mark.parametrize(("lang", "you"), [("ru", ADULT), ("ru", TEEN), ("en", ADULT)])
async def test_each_line_names_district_and_provider_and_why_not(lang, you):
    ctx = _ctx(lang, teen=you == TEEN)
    await search_question.search(ctx, OpenSearch())
    text, buttons = _words(await search_results.results(ctx), lang, you)
    _check(text, buttons, lang, you)
    lines = [p for p in text.split("\n\n") if re.match(r"\d+\. ", p)]
    assert len(lines) == 10  # ten a page
    assert all("г. Биробиджан, Дом детского творчества" in line for line in lines), lines
    assert "⛔" not in lines[0]
    assert all("⛔" in line for line in lines[1:])  # every reason has its words
    assert len({line.split("⛔")[1] for line in lines[1:]}) == len(WHY_NOT)
    assert buttons[:10] == [str(n) for n in range(1, 11)]
    # «свободных мест: 2, 1.8 км» is gone: a sentence, a decimal comma in Russian
    if lang == "ru":
        assert "1,2 км" in text or "1,3 км" in text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_filter_press_keeps_the_others(lang):
    ctx = _ctx(lang)
    await search_question.search(ctx, OpenSearch())
    for what in ("online", "ovz", "seats", "free", "paid", "mine"):
        screen = await search_results.on_toggle(ctx, search_results.Toggle(what))
        _check(*_words(screen, lang), lang, ADULT)
    q = ctx.flow(search_question.Query)
    # the three toggles stay on; of the prices, the last pressed
    assert (q.online, q.ovz, q.free, q.pay, q.age, q.muni) == (True, True, True, "mine", 10, 1)
    _, buttons = _words(await search_results.results(ctx), lang)
    assert sum(b.startswith("✅") for b in buttons) == 6  # district, age, mine, three toggles
    await search_results.on_toggle(ctx, search_results.Toggle("mine"))
    assert q.pay == ""


@pytest.mark.parametrize(("lang", "you"), [("ru", ADULT), ("ru", TEEN), ("en", ADULT)])
async def test_nothing_found_offers_each_widening_with_its_count(lang, you):
    core = FakeCore(dataclasses.replace(scene(VARIANTS[0]), page=[]))
    ctx = make_ctx(lang, core)
    if you == TEEN:
        ctx.state.data["teen"] = TEEN_ID
    text, buttons = _words(await search_results.results(ctx), lang, you)
    _check(text, buttons, lang, you)
    widen = [b for b in buttons if re.search(r" — \d+\+?$", b)]
    assert len(widen) == 8, buttons
    assert any(b.endswith("200+") for b in widen)


@pytest.mark.parametrize(("lang", "you"), [("ru", ADULT), ("ru", TEEN), ("en", ADULT)])
async def test_a_typed_address_is_matched_or_answered_with_examples(lang, you):
    ctx = _ctx(lang, teen=you == TEEN)
    await search_question.search(ctx, OpenSearch())
    ctx.state.screen = "search-location"
    missing = await search_near.on_address(ctx, "Несуществующая улица 5")
    text, buttons = _words(missing, lang, you)
    _check(text, buttons, lang, you)
    assert ctx.state.screen == "search-location"
    assert "ул. Калинина, ул. Ленина" in text
    found = await search_near.on_address(ctx, "Ленина 12")
    text, buttons = _words(found, lang, you)
    _check(text, buttons, lang, you)
    assert ctx.state.screen == "results" and "ул. Ленина" in text
    q = ctx.flow(search_question.Query)
    assert q.near == [48.79, 132.92] and q.street == "ул. Ленина"
    assert "📍 ул. Ленина" in buttons


def test_a_venue_s_street_and_a_provider_s_short_name():
    assert street_of("г. Биробиджан, ул. Калинина, 74") == "ул. Калинина"
    assert street_of("с. Ленинское, пр. 60-летия СССР, 3") == "пр. 60-летия СССР"
    assert street_of("г. Биробиджан, Ленина 5") == "Ленина 5"
    assert street_key("ул. Калинина") == street_key("Калинина, 74") == "калинина"
    assert street_key("улица Шолом-Алейхема 12") == "шолом-алейхема"
    assert street_key("пр. 60-летия СССР") == "60-летия ссср"
    assert short_provider("МБУ ДО «Дом детского творчества», г. Биробиджан") == (
        "Дом детского творчества"
    )
    assert short_provider("ИП Самойлова Е. В. (студия развития)") == (
        "ИП Самойлова Е. В. (студия развития)"
    )
