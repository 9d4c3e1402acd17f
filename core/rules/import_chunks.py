"""Reading a large import file safely and applying it in chunks (issue 25, "imports at
scale"), for any import of the region's data.

A bad cell never aborts the file: a NUL byte (PostgreSQL refuses it in text), a field over
FIELD_MAX characters (the csv module raises on it, ending the whole read) or a NaN amount
(import_cells.kopecks) is a RowError naming the row and the column, and the other rows go
on. Columns may be optional: a row then says which columns the file had, so a column left
out keeps what is stored. An import then applies the rows a chunk at a time (CHUNK,
BUDGET), each chunk its own short transaction, so a family's action waits for one chunk at
most, never for the whole file (core.register.register_import.import_register).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from core.rules.import_cells import RowError

# the csv module's own default limit: a field longer than this is a bad cell, not a file
FIELD_MAX = 131_072
# a chunk applies at most CHUNK rows under its lock, and begins no row once BUDGET
# seconds have passed in it: a family's action waits about one budget at most, however
# slow the rows are on the day (measured: docs/import.md)
CHUNK = 500
BUDGET = 0.1


def read(
    text: str, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, RowError]], str, frozenset[str]]:
    """(rows, bad rows, missing required columns, the columns the file has)."""
    text = text.lstrip("\ufeff")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    previous = csv.field_size_limit()
    # read any length, then refuse the cell: the csv module's own error ends the read
    csv.field_size_limit(max(previous, len(text) + 1))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [h.strip() for h in (reader.fieldnames or []) if h]
        missing = [c for c in required if c not in header]
        if missing:
            return [], [], ", ".join(missing), frozenset(header)
        wanted = set(required) | set(optional)
        rows: list[tuple[int, dict[str, str]]] = []
        bad: list[tuple[int, RowError]] = []
        for raw in reader:
            line = reader.line_num
            row = {}
            problem = None
            for key, value in raw.items():
                if not key or key.strip() not in wanted:
                    continue
                cell = value if isinstance(value, str) else ""
                if "\x00" in cell:
                    problem = problem or RowError("bad-character", key.strip())
                elif len(cell) > FIELD_MAX:
                    problem = problem or RowError("too-long", key.strip(), max=FIELD_MAX)
                row[key.strip()] = cell.strip()
            if problem is not None:
                bad.append((line, problem))
            else:
                rows.append((line, row))
        return rows, bad, "", frozenset(header)
    finally:
        csv.field_size_limit(previous)
