"""Every word a person reads comes from locales/<lang>/*.ftl (Project Fluent).

Fluent picks plural forms by the language's CLDR rules, so no if-chains on numbers here.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.resolver import CurrentEnvironment, Pattern, ResolverEnvironment
from fluent.runtime.types import FluentInt, FluentNone, FluentNumber
from fluent.runtime.utils import native_to_fluent

from bot.words import Day, Month, functions

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("ru", "en")
DEFAULT = "ru"
# python-fluent refuses a placeable longer than 2,500 characters (a guard against patterns
# that expand without end: fluent/runtime/resolver.py MAX_PART_LENGTH) and shows an error
# instead; a parameter is data and may be longer (an announcement, a description), so a
# long one goes through Fluent as a short marker and is put in place after
PLACEABLE_MAX = 2000
PLAIN_KEPT = 10_000  # messages without parameters remembered (there are fewer keys)
NUMBERS_KEPT = 10_000  # integers in words remembered (seats, counts, places in a list)
PUBLIC_KEPT = 4_096  # public messages with their parameters remembered (cards' texts)


def pick_language(code: str | None) -> str:
    """A platform's language code (ru, en-US, uk …): ours if we have it, else Russian."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT


@lru_cache(maxsize=NUMBERS_KEPT)
def _int_words(value: int, locale: Locale) -> str:
    return FluentInt(value).format(locale)


class _Int(FluentInt):
    """An integer parameter whose words, as Fluent writes a bare { $n } (babel's number
    pattern, the locale's grouping), are computed once while remembered: babel builds and
    applies a pattern on every call (the dialog engine's rendering, issue 30)."""

    def format(self, locale: Locale) -> str:
        if self.options is not FluentNumber.default_number_format_options:
            return super().format(locale)  # NUMBER($n, …) with options: as Fluent does
        return _int_words(int(self), locale)


class _Bundle(FluentBundle):
    """FluentBundle.format_pattern (fluent.runtime 0.4) with integer arguments as _Int:
    its native_to_fluent would make any int, ours too, a plain FluentInt."""

    def format_pattern(
        self, pattern: Pattern, args: dict[str, Any] | None = None
    ) -> tuple[str | FluentNone, list[Exception]]:
        fluent_args = {
            name: _Int(value) if type(value) is int else native_to_fluent(value)
            for name, value in (args or {}).items()
        }
        errors: list[Exception] = []
        env = ResolverEnvironment(
            context=self, current=CurrentEnvironment(args=fluent_args), errors=errors
        )
        try:
            result = pattern(env)
        except ValueError as e:
            errors.append(e)
            result = "{???}"
        return result, errors


class Translator:
    def __init__(self, root: Path = LOCALES_DIR) -> None:
        self.bundles: dict[str, FluentBundle] = {}
        self.keys: dict[str, set[str]] = {}
        self._plain: dict[tuple[str, str, str], str] = {}
        self._public: dict[tuple[Any, ...], str] = {}
        for lang in LANGUAGES:
            bundle = _Bundle([lang], functions=functions(lang), use_isolating=False)
            keys: set[str] = set()
            for path in sorted((root / lang).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                bundle.add_resource(resource)
                keys.update(entry.id.name for entry in resource.body if hasattr(entry, "id"))
            self.bundles[lang] = bundle
            self.keys[lang] = keys

    def plain(self, lang: str, key: str, you: str = "adult") -> str:
        """A message with no parameters but who reads it (a title, most buttons): formatted
        once, then remembered (the dialog engine's rendering, issue 30)."""
        known = self._plain.get((lang, key, you))
        if known is None:
            known = self(lang, key, you=you)
            if len(self._plain) >= PLAIN_KEPT:
                self._plain.clear()
            self._plain[(lang, key, you)] = known
        return known

    def public(self, lang: str, key: str, params: dict[str, Any]) -> str:
        """A message whose parameters are public (a program's card: the catalogue's words,
        no family's): formatted once for the same parameters while remembered
        (``PUBLIC_KEPT``): every family of an opening-day storm opens the same few cards
        (issue 30: a card's text took 0.24 ms of its 0.37 ms rendering). Never for a
        message that names a person: nothing of a family is kept here."""
        try:
            memo: tuple[Any, ...] | None = (lang, key, *sorted(params.items()))
            known = self._public.get(memo)  # type: ignore[arg-type]
        except TypeError:  # a parameter that is no key
            memo, known = None, None
        if known is None:
            known = self(lang, key, **params)
            if memo is not None:
                if len(self._public) >= PUBLIC_KEPT:
                    self._public.clear()
                self._public[memo] = known
        return known

    def has(self, lang: str, key: str) -> bool:
        return key in self.keys.get(lang, ())

    def __call__(self, lang: str, key: str, **params: Any) -> str:
        lang = lang if lang in self.bundles else DEFAULT
        bundle = self.bundles[lang]
        if not bundle.has_message(key):
            logger.error("missing locale key %s for %s", key, lang)
            bundle = self.bundles[DEFAULT]
            if not bundle.has_message(key):
                return key
        message = bundle.get_message(key)
        if message.value is None:  # a message with attributes only: nothing to show
            return key
        args = format_args(lang, params)
        long: dict[str, str] = {}
        for name, value in args.items():
            if isinstance(value, str) and len(value) > PLACEABLE_MAX:
                marker = f"\ue000{len(long)}\ue001"  # private-use characters: never in data
                long[marker] = value
                args[name] = marker
        text, errors = bundle.format_pattern(message.value, args)
        if errors:
            logger.error("locale key %s (%s): %s", key, lang, errors[0])
        out = str(text)
        for marker, value in long.items():
            out = out.replace(marker, value)
        return out


# who reads: a child of 14+ in an account of their own ("teen") is addressed as ты, everyone
# else as Вы; a locale chooses by `{ $you -> [teen] … *[adult] … }`
ADULT = "adult"
TEEN = "teen"


def format_args(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"you": ADULT}
    for name, value in params.items():
        if isinstance(value, Month | Day):
            out[name] = value  # the locale picks its case: { MONTH($from, case: "gent") }
        elif isinstance(value, date):
            out[name] = value.strftime("%d.%m.%Y")
        elif isinstance(value, bool):
            out[name] = "yes" if value else "no"
        elif value is None:
            out[name] = ""
        else:
            out[name] = value
    return out


def money(kopecks: int, lang: str = DEFAULT) -> str:
    """1234550 -> '12 345,50 ₽' (ru) or '12,345.50 ₽' (en); whole roubles without kopecks."""
    sign = "-" if kopecks < 0 else ""
    rub, kop = divmod(abs(kopecks), 100)
    group = "\u00a0" if lang == "ru" else ","
    whole = f"{rub:,}".replace(",", group)
    frac = "" if kop == 0 else ("," if lang == "ru" else ".") + f"{kop:02d}"
    return f"{sign}{whole}{frac}\u00a0₽"


def rub(kopecks: int) -> Decimal:
    return Decimal(kopecks) / 100


@cache
def translator() -> Translator:
    return Translator()
