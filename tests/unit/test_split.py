"""A long text cut into messages: where the cuts fall, and how long each part is in the
unit each messenger counts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.split import MAX_TEXT, TELEGRAM_TEXT, VK_TEXT, split_text, utf16_len

EMOJI = "😀"  # outside the BMP: 2 UTF-16 code units, 1 character
FAMILY = "👨\u200d👩\u200d👧"  # one picture of 3 emoji joined (8 code units)
FLAG = "🇷🇺"  # two regional indicators (4 code units)


def _words(text: str) -> list[str]:
    return re.split(r"\s+", text.strip())


def test_a_text_that_fits_is_sent_as_it_is():
    text = "  Привет 😀\n\nкак дела  "
    assert split_text(text, 100) == [text]
    # exactly at the limit, counted in UTF-16 (the emoji counts 2)
    exact = "ж" * (TELEGRAM_TEXT - 2) + EMOJI
    assert utf16_len(exact) == TELEGRAM_TEXT
    assert split_text(exact, TELEGRAM_TEXT) == [exact]


def test_paragraphs_are_kept_whole_when_they_fit():
    paragraphs = [f"Абзац {i}: " + "слово " * 30 + EMOJI for i in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text, 1000)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 1000 for p in parts)
    # every cut falls between paragraphs: each part is whole paragraphs
    assert "\n\n".join(parts) == text
    for part in parts:
        assert part.startswith("Абзац") and part.endswith(EMOJI)


def test_a_paragraph_longer_than_the_limit_is_cut_between_its_lines():
    lines = [f"строка {i} " + "ё" * 40 for i in range(30)]
    text = "Заголовок\n\n" + "\n".join(lines) + "\n\nКонец"
    parts = split_text(text, 500)
    assert parts[0] == "Заголовок"  # the paragraph before stays apart
    assert parts[-1] == "Конец"
    middle = parts[1:-1]
    assert "\n".join(middle) == "\n".join(lines)
    assert all(utf16_len(p) <= 500 for p in parts)


def test_a_line_longer_than_the_limit_is_cut_between_sentences_then_words():
    sentence = "Дети занимаются в группе по вторникам и четвергам."
    line = " ".join([sentence] * 10)
    parts = split_text(line, 120)
    assert all(p.endswith(".") for p in parts)  # whole sentences
    assert " ".join(parts) == line
    # one sentence longer than the limit: between words, never inside one
    words = " ".join(["длинноеслово"] * 50)
    parts = split_text(words, 100)
    assert all(utf16_len(p) <= 100 for p in parts)
    assert all(w == "длинноеслово" for p in parts for w in p.split(" "))


def test_a_word_longer_than_the_limit_is_cut_inside_it_but_never_inside_a_character():
    word = "ж" * 250
    assert split_text(word, 100) == ["ж" * 100, "ж" * 100, "ж" * 50]
    # an emoji at the boundary: it would straddle the cut, so it goes to the next part
    text = "ж" * 99 + EMOJI + "ж" * 10
    parts = split_text(text, 100)
    assert parts == ["ж" * 99, EMOJI + "ж" * 10]
    # an emoji that ends exactly at the limit stays
    text = "ж" * 98 + EMOJI + "ж" * 10
    assert split_text(text, 100) == ["ж" * 98 + EMOJI, "ж" * 10]


def test_joined_emoji_flags_and_accents_are_not_cut_apart():
    for thing in (FAMILY, FLAG, "👍🏽", "и\u0306", "1\ufe0f\u20e3"):  # й as и + breve; a keycap
        for before in range(12):
            text = "ж" * before + thing + "ж" * 12
            parts = split_text(text, 12)
            assert any(thing in p for p in parts), (thing, before, parts)
            assert "".join(parts) == text
            assert all(utf16_len(p) <= 12 for p in parts)


def test_telegram_counts_utf16_code_units():
    # 2,049 emoji are 2,049 characters but 4,098 code units: over Telegram's 4,096
    text = EMOJI * 2049
    assert len(text) < TELEGRAM_TEXT
    parts = split_text(text, TELEGRAM_TEXT)
    assert parts == [EMOJI * 2048, EMOJI]
    assert utf16_len(parts[0]) == TELEGRAM_TEXT


def test_max_parts_are_under_what_maxapi_accepts():
    # two paragraphs of 1,999 and the blank line between make 4,000: refused by maxapi
    text = "\n\n".join("ы" * 1999 for _ in range(3))
    assert [len(p) for p in split_text(text, MAX_TEXT)] == [1999] * 3
    text = "\n\n".join("ы" * 1998 for _ in range(3))  # 1,998 + 2 + 1,998 = 3,998 fit
    parts = split_text(text, MAX_TEXT)
    assert [len(p) for p in parts] == [3998, 1998]
    assert all(len(p) < 4000 for p in parts)  # maxapi: len(text) < 4000
    assert VK_TEXT == TELEGRAM_TEXT == 4096


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="жёЖ😀🇷🇺👍🏽 .!", min_size=1, max_size=40),
            st.sampled_from(["\n", "\n\n", " ", ". ", FAMILY]),
        ),
        max_size=60,
    ),
    st.integers(min_value=8, max_value=64),
)
def test_any_text_is_kept_whole_in_order_each_part_within_the_limit(pieces, limit):
    text = "".join(pieces)
    parts = split_text(text, limit)
    assert all(utf16_len(p) <= limit for p in parts)
    if utf16_len(text) > limit:
        # only whitespace is dropped, and only where a cut falls
        assert "".join(_words("".join(parts))) == "".join(_words(text))
        assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_sequence_longer_than_the_limit_with_its_modifier_is_cut_within_it():
    # found by the property above: a family emoji (8 units) and a skin tone (2) after a
    # letter, limit 9: the cut before the family left 10 units in one part
    parts = split_text("Ж\nЖ" + FAMILY + "🏽", 9)
    assert all(utf16_len(p) <= 9 for p in parts), parts
    assert "".join(parts).replace("\n", "") == "ЖЖ" + FAMILY + "🏽"
