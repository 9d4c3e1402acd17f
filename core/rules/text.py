"""Text normalisation for search: case- and ё/е-insensitive."""

from __future__ import annotations


def fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())
