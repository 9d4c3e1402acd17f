"""Words in the right form: the Fluent functions the locales call (bot/i18n.py registers them).

A locale says which form it needs (``{ NAME($child, case: "gent") }``, ``{ MONTH($from,
case: "gent") }``); the forms of Russian words come from pymorphy3 and its OpenCorpora
dictionary, never from endings guessed here. Other languages get the word as it is. No word a
person reads is written in this module: only grammar.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.dates import format_date
from fluent.runtime.types import FluentType

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

# the cases a locale may ask for (OpenCorpora's grammemes)
CASES = frozenset({"nomn", "gent", "datv", "accs", "ablt", "loct"})
NBSP = "\u00a0"
QUOTES = {"ru": ("«", "»"), "en": ("\u201c", "\u201d")}
_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?")


@cache
def morph() -> MorphAnalyzer:
    """The analyser, loaded once on first use (about 0.2 s, 15 MB)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def _lang(locale: Locale | str) -> str:
    return locale.language if isinstance(locale, Locale) else str(locale).split("_")[0]


def _case(case: Any) -> str:
    value = str(case or "nomn")
    if value not in CASES:
        raise ValueError(f"unknown case {value}")
    return value


def _keep_shape(form: str, original: str) -> str:
    """The inflected word written as the original was (capital, ё)."""
    if original[:1].isupper():
        form = form[:1].upper() + form[1:]
    return form


@cache
def inflect_name(name: str, case: str) -> str:
    """A person's first name in a case: «Анна» → «Анны». A name the dictionary does not know
    as a first name is left as it is (better unchanged than wrongly declined)."""
    if case == "nomn":
        return name
    out = []
    for part in name.split(" "):
        match = _WORD.fullmatch(part)
        if match is None:
            out.append(part)
            continue
        parses = [p for p in morph().parse(part) if {"Name", "nomn"} in p.tag]
        parses = parses or [p for p in morph().parse(part) if {"Patr", "nomn"} in p.tag]
        form = parses[0].inflect({case}) if parses else None
        out.append(_keep_shape(form.word, part) if form is not None else part)
    return " ".join(out)


@cache
def inflect_month(nominative: str, case: str) -> str:
    """A month's name (as babel writes it, nominative) in a case: «январь» → «января»."""
    if case == "nomn":
        return nominative
    for p in morph().parse(nominative):
        if p.tag.POS == "NOUN" and "inan" in p.tag and "sing" in p.tag and "Name" not in p.tag:
            form = p.inflect({case, "sing"})
            if form is not None:
                return form.word
    return nominative


@cache
def inflect_head(phrase: str, case: str) -> str:
    """A phrase whose first word is a common noun, that word in a case: «Группа 1» →
    «Группе 1» (loct). The rest is left as it is."""
    head, sep, rest = phrase.partition(" ")
    if case == "nomn" or _WORD.fullmatch(head) is None:
        return phrase
    for p in morph().parse(head):
        if p.tag.POS == "NOUN" and "nomn" in p.tag and "Name" not in p.tag:
            form = p.inflect({case})
            if form is not None:
                return _keep_shape(form.word, head) + sep + rest
    return phrase


class Month(FluentType):
    """A calendar month (its index, year * 12 + month - 1, as core/rules/calendar keeps it),
    with its year or without (the first of «с января по май 2027 г.»)."""

    def __init__(self, index: int, *, year: bool = True) -> None:
        self.index = index
        self.year = year

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Month) and (other.index, other.year) == (self.index, self.year)

    def __hash__(self) -> int:
        return hash((self.index, self.year))

    def __repr__(self) -> str:
        return f"Month({self.index}, year={self.year})"

    @property
    def first_day(self) -> date:
        year, month0 = divmod(self.index, 12)
        return date(year, month0 + 1, 1)

    def words(self, locale: Locale | str, case: str = "nomn") -> str:
        return _month_words(self.index, self.year, str(locale), case)

    def format(self, locale: Locale) -> str:
        return self.words(locale)


class Day(FluentType):
    """A day in words, as a date in a sentence reads: «31 августа 2027 г.», "August 31, 2027"
    (a plain ``date`` is shown as 31.08.2027)."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Day) and other.day == self.day

    def __hash__(self) -> int:
        return hash(self.day)

    def __repr__(self) -> str:
        return f"Day({self.day!r})"

    def format(self, locale: Locale) -> str:
        return _day_words(self.day, str(locale))


# a month's or a day's words depend on nothing else: babel's formatting (a locale parsed
# per call) and the inflection are done once per month, day, language and case, not on
# every card and quote (issue 30: the storm's card names two months)
WORDS_KEPT = 4096


@lru_cache(maxsize=WORDS_KEPT)
def _month_words(index: int, year: bool, locale: str, case: str) -> str:
    y, month0 = divmod(index, 12)
    day = date(y, month0 + 1, 1)
    if _lang(locale) == "ru":
        name = inflect_month(format_date(day, "LLLL", locale="ru"), case)
        # «2027 г.»: the year spelt as Russian documents do, never broken from its number
        return f"{name} {day.year}{NBSP}г." if year else name
    return format_date(day, "LLLL y" if year else "LLLL", locale=locale)


@lru_cache(maxsize=WORDS_KEPT)
def _day_words(day: date, locale: str) -> str:
    text = format_date(day, "long", locale=locale)
    # «2027 г.» never broken from its number, as in Month (babel puts a narrow space)
    return re.sub(r"[ \u202f]г\.", f"{NBSP}г.", text) if _lang(locale) == "ru" else text


def span(first: int, last: int) -> tuple[Month, Month]:
    """A span of months: the year once when both are in it («с января по май 2027 г.»)."""
    return Month(first, year=first // 12 != last // 12), Month(last)


def functions(lang: str) -> dict[str, Any]:
    """The custom functions of a language's bundle."""

    def name_fn(value: Any, *, case: Any = "nomn") -> str:
        text = str(value)
        return inflect_name(text, _case(case)) if lang == "ru" else text

    def word_fn(value: Any, *, case: Any = "nomn") -> str:
        text = str(value)
        return inflect_head(text, _case(case)) if lang == "ru" else text

    def month_fn(value: Any, *, case: Any = "nomn") -> str:
        if not isinstance(value, Month):
            return str(value)  # no month to name ("—")
        return value.words(lang, _case(case))

    def starts_fn(value: Any, *, word: Any = "") -> str:
        """Whether a name begins with the word the locale gives: a selector for a name that
        already says what it is («Группа 1» is a group: no «группа «Группа 1»»)."""
        match = re.match(r"\w+", str(value).strip())
        first = match.group(0).lower() if match else ""
        return "yes" if first and first == str(word).lower() else "no"

    def quote_fn(value: Any) -> str:
        """A name in the language's quotes, unless it brings its own (МБУ ДО «ДДТ»): never
        «МБУ ДО «ДДТ»» nor ««Юный техник»»."""
        text = str(value)
        if re.search(r"[«»\"“”„]", text):
            return text
        opening, closing = QUOTES.get(lang, QUOTES["en"])
        return f"{opening}{text}{closing}"

    def within_fn(value: Any, place: Any) -> str:
        """Whether an address already names its town or district («г. Биробиджан, ул. …»
        within «г. Биробиджан»): then the town is not repeated after it."""
        core = re.sub(r"^(г\.|город|пгт\.?|с\.|п\.)\s*", "", str(place).strip(), flags=re.I)
        core = re.sub(r"\s+(район|муниципальный район|округ|городской округ)$", "", core)
        return "yes" if core and core.lower() in str(value).lower() else "no"

    return {
        "NAME": name_fn,
        "MONTH": month_fn,
        "WORD": word_fn,
        "STARTS": starts_fn,
        "QUOTE": quote_fn,
        "WITHIN": within_fn,
    }
