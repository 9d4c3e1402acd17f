"""Text normalisation: search keys (case- and ё/е-insensitive) and the reasons staff type."""

from __future__ import annotations

from core.errors import DomainError

# the longest reason a family reads for a refusal; the rest is cut off
REASON_MAX = 500


def fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def clean_reason(reason: str, required: str = "reason_required") -> str:
    """A typed reason as the family will read it: runs of white space folded to one space,
    cut at REASON_MAX; an empty one is refused with the ``required`` error code."""
    why = " ".join(reason.split())[:REASON_MAX]
    if not why:
        raise DomainError(required)
    return why
