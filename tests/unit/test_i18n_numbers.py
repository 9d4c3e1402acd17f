"""The translator's bundle formats integer parameters from a cache (bot.i18n._Bundle, issue
30), through its own copy of fluent.runtime's format_pattern. Every message of every
language, with integers where it takes parameters, must read exactly as fluent.runtime's
own bundle writes it: a changed fluent.runtime (its format_pattern, its plural choice,
its number formatting) shows here, not in a parent's message."""

from __future__ import annotations

import re

import pytest
from fluent.runtime import FluentBundle, FluentResource

from bot.i18n import LANGUAGES, LOCALES_DIR, Translator, _Bundle
from bot.words import functions

VARIABLE = re.compile(r"\$([A-Za-z][\w-]*)")
# one, few and many in Russian; thousands grouped; zero and negatives
NUMBERS = (0, 1, 2, 5, 11, 21, 22, 25, 1234, 1_000_000, -3)


def _bundles(lang: str) -> tuple[FluentBundle, FluentBundle, set[str]]:
    """Ours and fluent.runtime's, on the same files, and every parameter name the files use
    (a message ignores those it does not take)."""
    ours = _Bundle([lang], functions=functions(lang), use_isolating=False)
    theirs = FluentBundle([lang], functions=functions(lang), use_isolating=False)
    names: set[str] = set()
    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        source = path.read_text(encoding="utf-8")
        ours.add_resource(FluentResource(source))
        theirs.add_resource(FluentResource(source))
        names |= set(VARIABLE.findall(source))
    return ours, theirs, names


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_reads_as_fluent_writes_it(lang: str) -> None:
    ours, theirs, names = _bundles(lang)
    compared = 0
    for key in sorted(Translator().keys[lang]):
        message, same = ours.get_message(key).value, theirs.get_message(key).value
        if message is None or same is None:
            continue
        for n in NUMBERS:
            args = dict.fromkeys(names, n)
            mine, my_errors = ours.format_pattern(message, args)
            fluent, fluent_errors = theirs.format_pattern(same, args)
            assert str(mine) == str(fluent), (key, n)
            assert [type(e) for e in my_errors] == [type(e) for e in fluent_errors], key
            compared += 1
    assert compared > 100 * len(NUMBERS)  # the files were read: hundreds of messages


def test_number_with_options_is_not_the_bare_integer_cached() -> None:
    """NUMBER($n, minimumIntegerDigits: 3) formats with its options before and after the
    bare { $n } of the same integer was cached: the cache holds only Fluent's default
    words of an integer."""
    source = "bare = { $n }\npadded = { NUMBER($n, minimumIntegerDigits: 3) }\n"
    ours = _Bundle(["ru"], use_isolating=False)
    ours.add_resource(FluentResource(source))

    def show(key: str) -> object:
        pattern = ours.get_message(key).value
        assert pattern is not None
        return ours.format_pattern(pattern, {"n": 7})[0]

    assert (show("padded"), show("bare"), show("padded"), show("bare")) == ("007", "7", "007", "7")
