"""The six official directions and the four program registers (codes are locale keys)."""

from __future__ import annotations

import re
from enum import StrEnum


class Direction(StrEnum):
    TECHNICAL = "technical"  # техническая
    SCIENCE = "science"  # естественнонаучная
    SPORTS = "sports"  # физкультурно-спортивная
    ARTS = "arts"  # художественная
    TOURISM = "tourism"  # туристско-краеведческая
    SOCIAL = "social"  # социально-гуманитарная


class Register(StrEnum):
    CERTIFIED = "certified"  # сертифицированные: paid from a funded certificate
    SIGNIFICANT = "significant"  # значимые: budget
    PREPROFESSIONAL = "preprofessional"  # предпрофессиональные: municipal task
    OTHER = "other"  # иные: budget


BUDGET_REGISTERS = frozenset({Register.SIGNIFICANT, Register.PREPROFESSIONAL, Register.OTHER})


# the legal forms a provider's full name starts with («МБУ ДО «…»»): a results line
# names the organisation by what families call it
_LEGAL_FORM = re.compile(
    r"^(?:[МГ][БАК]?[ОУ]?У|АНО|ЧУ|НОУ|ООО|ОО)(?:\s+(?:ДО|ДОД|ЦДО))?\s+", re.IGNORECASE
)
_TOWN_TAIL = re.compile(r",\s*(?:г\.|пос\.|п\.|с\.|пгт)\s*[^,]+$")


def short_provider(name: str) -> str:
    """«МБУ ДО «Дом детского творчества», г. Биробиджан» → «Дом детского творчества»."""
    short = _TOWN_TAIL.sub("", name.strip())
    short = _LEGAL_FORM.sub("", short)
    if short.startswith("«") and short.endswith("»") and short.count("«") == 1:
        short = short[1:-1]
    return short.strip() or name.strip()


# a street's kind as an address writes it, and the folded words of it a search ignores
STREET_KINDS = {
    "ул": "ул.",
    "улица": "ул.",
    "пр": "пр.",
    "пр-т": "пр-т",
    "проспект": "пр-т",
    "пер": "пер.",
    "переулок": "пер.",
    "пл": "пл.",
    "площадь": "пл.",
    "б-р": "б-р",
    "бульвар": "б-р",
    "ш": "ш.",
    "шоссе": "ш.",
    "мкр": "мкр",
    "микрорайон": "мкр",
    "наб": "наб.",
    "набережная": "наб.",
    "проезд": "проезд",
}
_SETTLEMENT = re.compile(r"^(?:г|город|пос|посёлок|поселок|п|с|село|пгт|д|деревня)\.?\s", re.I)
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё-]+")


def street_of(address: str) -> str | None:
    """The street of a venue's address («г. Биробиджан, ул. Калинина, 74» → «ул. Калинина»):
    the part that names a street's kind, else the first part that is no settlement nor
    a house number."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    for p in parts:
        first = _WORD.findall(p.casefold())
        if first and first[0].rstrip(".") in STREET_KINDS:
            return p
    for p in parts:
        if _SETTLEMENT.match(p) or p[:1].isdigit() or p.casefold().startswith(("д.", "дом")):
            continue
        return p
    return None


def street_key(text: str) -> str:
    """A street's name without its kind, folded: «ул. Калинина» and «калинина 74» → «калинина»;
    a number within the name stays («пр. 60-летия СССР» → «60-летия ссср»)."""
    words = list(_WORD.findall(text.casefold().replace("ё", "е")))
    named = [w for w in words if w.rstrip(".") not in STREET_KINDS]
    # a house number at the end is no part of the street's name
    while named and named[-1].isdigit() and len(named) > 1:
        named.pop()
    return " ".join(named)
