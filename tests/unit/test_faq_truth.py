"""The FAQ names only buttons that exist: every «…» in an answer is the label of a button
(btn-*) in the same language, and no answer calls the acceptance the contract while the
acceptance notice asks the family to come and sign it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, translator

# a button named in an answer: «…» after the words that point to one
ROOT = Path(__file__).resolve().parents[2]
QUOTED = re.compile(
    r"(?:нажмите|кнопк\w*|затем|разделе|→|press|then|under|with)[^«.]{0,30}«([^»]+)»"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_button_the_faq_names_exists(lang):
    t = translator()
    # the labels of the buttons some screen shows (a key the code names), with no
    # parameter (a button the FAQ can name by its words)
    used = _button_keys()
    labels = [
        t(lang, key)
        for key in sorted(t.keys[lang])
        if key.startswith("btn-")
        and any(key == u or (u.endswith("-") and key.startswith(u)) for u in used)
        and "VariableReference" not in _source(t, lang, key)
    ]
    named = []
    for n in range(1, 11):
        answer = t(lang, f"faq-a{n}")
        named += [(n, q) for q in QUOTED.findall(answer)]
    assert named, "the FAQ names buttons"
    missing = [(n, q) for n, q in named if not any(q in label for label in labels)]
    assert missing == []


def test_the_acceptance_is_not_called_the_contract():
    t = translator()
    assert "это и есть договор" not in t("ru", "faq-a8")
    assert "that is the contract" not in t("en", "faq-a8")
    # the acceptance notice asks to come and sign: the FAQ says the contract follows it
    assert "заключите договор" in t(
        "ru",
        "n-next-accepted",
        provider="p",
        address="a",
        group="g",
        schedule="s",
        certificate="no",
        number="",
        paid="no",
    )
    assert "договор" in t("ru", "faq-a8")


def _button_keys() -> set[str]:
    """Every btn-* key the bot's code names (an f-string's prefix, as "btn-pq-")."""
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        found |= set(re.findall(r"[\"'](btn-[a-z0-9-]+)", path.read_text(encoding="utf-8")))
    return found


def _source(t, lang, key):  # type: ignore[no-untyped-def]
    return repr(t.bundles[lang].get_message(key).value)
