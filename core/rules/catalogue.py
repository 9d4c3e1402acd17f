"""The six official directions and the four program registers (codes are locale keys)."""

from __future__ import annotations

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
