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
        # issue 29: natural Russian
        (re.compile(r"(?<![\d.])(0[1-9]|1[0-2])\.20\d\d\b"), "a month in digits: say its name"),
        (re.compile(r"\d\.\d+\s*(км|м)\b"), "a decimal point: Russian writes a comma"),
        (re.compile(r"\bребёнка [А-ЯЁ][а-яё]+"), "a name after «ребёнка»: the name in its case"),
        (re.compile(r"«[^«»]*«[^«»]*»[^«»]*»|««|»»"), "quotes inside quotes"),
        (re.compile(r"(?i)\bгрупп[а-яё]* «групп"), "a group named twice"),
        (re.compile(r"\b(г\. [А-ЯЁ][а-яё-]+)\b.*\(\1\)"), "the town repeated"),
        (re.compile(r"свободных мест: \d+,"), "a count as a form field inside a sentence"),
        (re.compile(r"\b[А-ЯЁ][а-яё]+ \(\d{1,2}\)(?!:)"), "an age without its word"),
        (re.compile(r"(?<!\.)\.\.(?!\.)"), "a doubled full stop (after «г.»)"),
        (
            re.compile(r"(?i)сертификат[а-яё]* (с номиналом|финансирования)"),
            "another name for the funded certificate: «персонифицированного финансирования»",
        ),
    ],
    "en": [
        (re.compile(r"\((s|es)\)"), "a form in brackets: a selector decides"),
        (re.compile(r"with a nominal"), "another name for the funded certificate"),
        (re.compile(r"(?<![\d.])(0[1-9]|1[0-2])\.20\d\d\b"), "a month in digits: say its name"),
        (re.compile(r"“[^“”]*“|””"), "quotes inside quotes"),
        (re.compile(r"(?i)\bgroup “group"), "a group named twice"),
        (re.compile(r"\b[A-Z][a-z]+ \(\d{1,2}\)(?!:)"), "an age without its word"),
    ],
}
EVERYWHERE = [
    (re.compile(r"\bNone\b|\bnull\b|\bTrue\b|\bFalse\b"), "a program value leaked"),
    (re.compile(r"[{}]"), "an unresolved placeholder"),
    (re.compile(r"\b[a-z]+_[a-z_]+\b"), "an internal code (snake_case)"),
    (re.compile(r"\bprog_\d+|\bid\s*[:=№]\s*\d+|№\s*\d+\)", re.IGNORECASE), "an internal id"),
    (re.compile(r"Traceback|Exception|Error:"), "a program error"),
]

# how a text addresses its reader (issue 29): a child of 14+ in an account of their own is
# addressed as ты throughout, a parent as Вы throughout, never a mix
VY_FORMS = re.compile(
    r"(?i)(?<![а-яё])(вы|вас|вам|вами|ваш[а-яё]*)(?![а-яё])"
    r"|(?<![а-яё])[а-яё]{2,}(ите|йте|ьте)(?![а-яё])"
)
TY_FORMS = re.compile(
    r"(?i)(?<![а-яё])(ты|тебя|тебе|тобой|тво[йяеёи][а-яё]*)(?![а-яё])"
    r"|(?<![а-яё])(хочешь|можешь|получишь|увидишь|напиши|нажми|выбери|открой|отправь)(?![а-яё])"
)


def address_problems(text: str, you: str) -> list[str]:
    """Вы-forms in a teen's text, ты-forms in a parent's (empty when none)."""
    pattern = VY_FORMS if you == "teen" else TY_FORMS
    return [
        f"{m.group(0)!r} for a {you} in {text[max(0, m.start() - 60) : m.end() + 60]!r}"
        for m in pattern.finditer(text)
    ]


def wording_problems(text: str, lang: str) -> list[str]:
    """What is wrong with a text shown to a person (empty when nothing)."""
    found = []
    for pattern, why in [*FORBIDDEN.get(lang, []), *EVERYWHERE]:
        match = pattern.search(text)
        if match:
            found.append(f"{why}: {match.group(0)!r} in {text[:120]!r}")
    return found
