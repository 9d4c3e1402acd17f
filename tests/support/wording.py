"""Forms a careful public-service text never shows a family (issue 14): gender or number in
brackets where a selector can decide, words that are not words or read wrongly, internal
codes and values leaking from the program."""

from __future__ import annotations

import re

FORBIDDEN = {
    "ru": [
        (re.compile(r"\((а|ы|и|о|на|ла|ло|ли)\)"), "a form in brackets: a selector decides"),
        (re.compile(r"отзанят"), "not a word"),
        (re.compile(r"Получат родителей"), "unnatural: say who will receive it"),
        (re.compile(r"Ещё зарезервировано"), "reads as 'in addition'"),
        (re.compile(r"\bПФ\b"), "reads as the pension fund"),
        (re.compile(r"журнал", re.IGNORECASE), "a technical word"),
        (re.compile(r"Реестр: "), "a register's name, not what it means for the family"),
    ],
    "en": [
        (re.compile(r"\((s|es)\)"), "a form in brackets: a selector decides"),
    ],
}
EVERYWHERE = [
    (re.compile(r"\bNone\b|\bnull\b|\bTrue\b|\bFalse\b"), "a program value leaked"),
    (re.compile(r"[{}]"), "an unresolved placeholder"),
    (re.compile(r"\b[a-z]+_[a-z_]+\b"), "an internal code (snake_case)"),
    (re.compile(r"\bprog_\d+|\bid\s*[:=№]\s*\d+|№\s*\d+\)", re.IGNORECASE), "an internal id"),
    (re.compile(r"Traceback|Exception|Error:"), "a program error"),
]


def wording_problems(text: str, lang: str) -> list[str]:
    """What is wrong with a text shown to a person (empty when nothing)."""
    found = []
    for pattern, why in [*FORBIDDEN.get(lang, []), *EVERYWHERE]:
        match = pattern.search(text)
        if match:
            found.append(f"{why}: {match.group(0)!r} in {text[:120]!r}")
    return found
