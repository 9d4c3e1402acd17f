"""The Fluent functions that put Russian words in their forms (bot/words.py), through the
locales as a family reads them."""

from __future__ import annotations

import pytest
from fluent.runtime import FluentResource

from bot.i18n import Translator
from bot.words import Month, inflect_head, inflect_name, span

NOV_2026 = 2026 * 12 + 10


@pytest.mark.parametrize(
    ("name", "case", "form"),
    [
        ("Анна", "gent", "Анны"),
        ("Мария", "gent", "Марии"),
        ("Пётр", "gent", "Петра"),
        ("Никита", "datv", "Никите"),
        ("Любовь", "gent", "Любови"),
        ("Глеб", "ablt", "Глебом"),
        ("Пётр Ильич", "gent", "Петра Ильича"),
        ("Анна", "nomn", "Анна"),
        ("Q-7", "gent", "Q-7"),  # not a Russian word: as it is
    ],
)
def test_a_first_name_in_its_case(name, case, form):
    assert inflect_name(name, case) == form


def test_a_group_name_declined_by_its_head():
    assert inflect_head("Группа 1", "loct") == "Группе 1"
    assert inflect_head("Старшая", "loct") == "Старшая"  # not a noun: as it is


def test_months_in_words():
    ru, en = "ru", "en"
    assert Month(NOV_2026).words(ru) == "ноябрь 2026\u00a0г."
    assert Month(NOV_2026).words(ru, "gent") == "ноября 2026\u00a0г."
    assert Month(NOV_2026 + 2).words(ru, "gent") == "января 2027\u00a0г."
    assert Month(NOV_2026 + 6, year=False).words(ru, "accs") == "май"
    assert Month(NOV_2026 + 1).words(ru, "loct") == "декабре 2026\u00a0г."
    assert Month(NOV_2026).words(en) == "November 2026"


def test_a_span_names_its_year_once_when_it_is_one():
    first, last = span(2027 * 12, 2027 * 12 + 4)
    assert (first.year, last.year) == (False, True)
    first, last = span(NOV_2026, 2027 * 12 + 4)
    assert (first.year, last.year) == (True, True)


def _say(lang: str, pattern: str, **args) -> str:
    t = Translator()
    t.bundles[lang].add_resource(FluentResource(f"probe = {pattern}\n"))
    t.keys[lang].add("probe")
    return t(lang, "probe", **args)


def test_the_functions_from_a_locale():
    first, last = span(2027 * 12, 2027 * 12 + 4)
    period = 'с { MONTH($a, case: "gent") } по { MONTH($b, case: "accs") }'
    assert _say("ru", period, a=first, b=last) == "с января по май 2027\u00a0г."
    assert _say("en", "{ MONTH($a) } to { MONTH($b) }", a=first, b=last) == "January to May 2027"
    assert _say("ru", 'для { NAME($c, case: "gent") }', c="Анна") == "для Анны"
    assert _say("en", 'for { NAME($c, case: "gent") }', c="Anna") == "for Anna"
    assert _say("ru", "{ QUOTE($p) }", p="ДДТ") == "«ДДТ»"
    assert _say("ru", "{ QUOTE($p) }", p="МБУ ДО «ДДТ»") == "МБУ ДО «ДДТ»"
    assert _say("en", "{ QUOTE($p) }", p="Robots") == "\u201cRobots\u201d"
    where = "{ WITHIN($a, $m) }"
    assert _say("ru", where, a="г. Биробиджан, ул. Калинина, 74", m="г. Биробиджан") == "yes"
    assert _say("ru", where, a="ул. Ленина, 1", m="г. Биробиджан") == "no"
    assert _say("ru", where, a="с. Смидович, ул. Лесная, 2", m="Смидовичский район") == "no"
    starts = '{ STARTS($g, word: "группа") }'
    assert _say("ru", starts, g="Группа 1") == "yes"
    assert _say("ru", starts, g="Старшая") == "no"
    assert _say("ru", "{ NUMBER($d, maximumFractionDigits: 1) } км", d=1.84) == "1,8 км"


def test_a_month_the_locale_does_not_decline_reads_whole():
    assert _say("ru", "за { $m }", m=Month(NOV_2026)) == "за ноябрь 2026\u00a0г."
