"""When two registrations are the same child, and the keys a register entry keeps of it.

A child is the same child when the СНИЛС matches; where either registration has no СНИЛС,
when the full name and the birth date match in the same municipality (names compared
case- and ё/е-insensitively).

A certificate whose family withdrew its data (or removed the child) stays in the register:
the municipality keeps its number, status, money and ledger. It keeps no name, birth date
or СНИЛС, only two keyed digests (HMAC-SHA-256 with the deployment's REGISTER_SECRET): a
pseudonym that recognises the same child registering again, and that cannot be turned back
into the data without the secret (de-personalisation by identifiers, as 152-ФЗ allows).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from core.rules.text import fold


@dataclass(frozen=True, slots=True)
class Person:
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    snils: str | None
    municipality_id: int

    @classmethod
    def of(cls, data: object) -> Person:
        """From a child's row, a typed registration or a register entry: the same fields."""
        return cls(
            surname=data.surname,  # type: ignore[attr-defined]
            name=data.name,  # type: ignore[attr-defined]
            patronymic=data.patronymic,  # type: ignore[attr-defined]
            birth_date=data.birth_date,  # type: ignore[attr-defined]
            snils=data.snils,  # type: ignore[attr-defined]
            municipality_id=data.municipality_id,  # type: ignore[attr-defined]
        )

    @property
    def folded_name(self) -> str:
        return fold(" ".join(p for p in (self.surname, self.name, self.patronymic or "") if p))


def same_child(a: Person, b: Person) -> bool:
    if a.snils and b.snils:
        return a.snils == b.snils
    return (
        a.birth_date == b.birth_date
        and a.municipality_id == b.municipality_id
        and a.folded_name == b.folded_name
    )


@dataclass(frozen=True, slots=True)
class RegisterKeys:
    snils_key: str | None
    person_key: str


def register_keys(secret: bytes, person: Person) -> RegisterKeys:
    def digest(value: str) -> str:
        return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()

    return RegisterKeys(
        snils_key=digest(f"snils:{person.snils}") if person.snils else None,
        person_key=digest(
            f"person:{person.municipality_id}:{person.birth_date.isoformat()}:{person.folded_name}"
        ),
    )
