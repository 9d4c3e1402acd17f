"""Reading an import file: its rows, and each cell checked into a value or a RowError
naming the cell (the locale key import-<code>), for every import of the region's data."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

YES = {"1", "да", "yes", "true", "y", "д"}
NO = {"0", "нет", "no", "false", "n", "н", ""}


class RowError(ValueError):
    """A bad cell: a code (the locale key import-<code>), the column and the limits."""

    def __init__(self, code: str, column: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.params = params


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, RowError]] = field(default_factory=list)
    # a chunked import that failed part-way: the line of the first row not applied (the
    # rows before it are); None when it ran to the end
    stopped_at: int | None = None
    # an all-or-nothing import that found bad rows: nothing was written
    nothing_applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and self.stopped_at is None

    def add(self, part: ImportReport) -> None:
        """A chunk's own counts and errors, added once it has committed."""
        self.created += part.created
        self.updated += part.updated
        self.errors.extend(part.errors)


def rows(text: str, columns: tuple[str, ...]) -> tuple[list[tuple[int, dict[str, str]]], str]:
    text = text.lstrip("\ufeff")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # the csv module refuses a field over 131,072 characters by raising mid-file; no
    # field is longer than the file, and each cell's own limit reports it by its column
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        return [], ", ".join(missing)
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows, ""


def integer(row: dict[str, str], col: str, lo: int, hi: int) -> int:
    try:
        value = int(row[col])
    except ValueError as exc:
        raise RowError("not-integer", col) from exc
    if not lo <= value <= hi:
        raise RowError("out-of-range", col, min=lo, max=hi)
    return value


def kopecks(row: dict[str, str], col: str) -> int:
    """Roubles to kopecks (spaces, no-break spaces and a decimal comma allowed)."""
    raw = row.get(col, "").replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise RowError("not-amount", col) from exc
    if not value.is_finite():  # NaN, Infinity: Decimal reads them, no sum is one
        raise RowError("not-amount", col)
    if value < 0 or value > Decimal(10_000_000) or value != value.quantize(Decimal("0.01")):
        raise RowError("bad-amount", col)
    return int(value * 100)


def decimal(row: dict[str, str], col: str, limit: float) -> float | None:
    if not row[col]:
        return None
    try:
        value = float(row[col].replace(",", "."))
    except ValueError as exc:
        raise RowError("not-number", col) from exc
    if not -limit <= value <= limit:
        raise RowError("coordinate-range", col)
    return value


def day(row: dict[str, str], col: str) -> date | None:
    value = row.get(col, "")
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError("not-date", col)


def limit(row: dict[str, str], col: str) -> int | None:
    return integer(row, col, 0, 100) if row.get(col) else None


def text(row: dict[str, str], col: str, limit: int, required: bool = True) -> str:
    value = row.get(col, "")
    if required and not value:
        raise RowError("empty", col)
    if len(value) > limit:
        raise RowError("too-long", col, max=limit)
    if "\x00" in value:  # PostgreSQL stores no NUL in text (SQLite would)
        raise RowError("nul-character", col)
    return value


def choice(row: dict[str, str], col: str, enum: Any, names: dict[str, Any]) -> Any:
    value = row[col].casefold().replace("ё", "е")
    if value in names:
        return names[value]
    try:
        return enum(value)
    except ValueError as exc:
        raise RowError("unknown-value", col) from exc


def flag(row: dict[str, str], col: str) -> bool:
    value = row[col].casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError("not-yes-no", col)
