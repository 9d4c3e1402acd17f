"""The full tables, once, for both files: XLSX (a sheet each) and CSV (a section each)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from bot.i18n import rub, translator
from core.reports import Coverage, Queue, Report
from core.rules.calendar import month_label

Cell = str | int | Decimal | float | None
PERCENT = "0.0"
ROUBLES = "#,##0.00"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Table:
    sheet: str  # the sheet's name (31 characters at most)
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    formats: tuple[str | None, ...]  # a number format per column (XLSX)


def _share(c: Coverage, count: int) -> float | None:
    share = c.share(count)
    return None if share is None else round(share, 2)


def _scope(report: Report, rows: tuple[T, ...]) -> tuple[T, ...]:
    """One municipality's report: its row, not the same again as a total."""
    return rows if report.municipality_id is None else rows[:1]


def _coverage(report: Report, lang: str) -> Table:
    t = translator()
    rows = []
    for c in _scope(report, report.coverage):
        name = c.name if c.municipality_id is not None else t(lang, "report-total")
        rows.append(
            (
                name,
                c.code,
                c.children_5_17,
                c.counted_year,
                c.registered,
                c.certified,
                _share(c, c.certified),
                c.funded,
                _share(c, c.funded),
                c.enrolled,
                _share(c, c.enrolled),
            )
        )
    keys = (
        "municipality",
        "code",
        "children",
        "year",
        "registered",
        "certified",
        "certified-share",
        "funded",
        "funded-share",
        "enrolled",
        "enrolled-share",
    )
    formats = (None,) * 6 + (PERCENT, None, PERCENT, None, PERCENT)
    return _table(lang, "coverage", keys, rows, formats)


def _queue(report: Report, lang: str) -> Table:
    t = translator()
    names = {c.municipality_id: c.name for c in report.coverage}

    def row(q: Queue) -> tuple[Cell, ...]:
        name = names[q.municipality_id] if q.municipality_id is not None else None
        oldest = q.oldest_request.isoformat(sep=" ") if q.oldest_request else None
        return (name or t(lang, "report-total"), q.length, oldest, q.longest_wait_days)

    keys = ("municipality", "queue", "oldest", "wait-days")
    return _table(lang, "queue", keys, [row(q) for q in _scope(report, report.queue)], (None,) * 4)


def _money(report: Report, lang: str) -> Table:
    t = translator()
    m = report.money
    opening: tuple[Cell, ...] = (
        t(lang, "report-opening"),
        None,
        None,
        None,
        None,
        None,
        rub(m.opening_available),
        rub(m.limit) if m.limit is not None else None,
    )
    rows = [opening] + [
        (
            month_label(x.month),
            rub(x.credited),
            rub(x.blocked),
            rub(x.released),
            rub(x.debited),
            rub(x.expired),
            rub(x.available),
            None,
        )
        for x in m.months
    ]
    keys = (
        "month",
        "credited",
        "blocked",
        "released",
        "debited",
        "expired",
        "available",
        "limit",
    )
    return _table(lang, "money", keys, rows, (None,) + (ROUBLES,) * 7)


def _directions(report: Report, lang: str) -> Table:
    t = translator()
    rows = [
        (
            t(lang, f"direction-{d.direction}"),
            d.programs,
            d.groups,
            d.seats,
            d.taken,
            d.free,
            d.waiting,
        )
        for d in report.directions
    ]
    keys = ("direction", "programs", "groups", "seats", "taken", "free", "waiting")
    return _table(lang, "directions", keys, rows, (None,) * 7)


def _organisations(report: Report, lang: str) -> Table:
    rows = [
        (o.name, o.provider_id, o.programs, o.seats, o.contracts, o.pupils)
        for o in report.organisations
    ]
    keys = ("provider", "provider-id", "programs", "seats", "contracts", "pupils")
    return _table(lang, "organisations", keys, rows, (None,) * 6)


def _table(
    lang: str,
    sheet: str,
    keys: Sequence[str],
    rows: Sequence[tuple[Cell, ...]],
    formats: tuple[str | None, ...],
) -> Table:
    t = translator()
    return Table(
        t(lang, f"report-sheet-{sheet}")[:31],
        tuple(t(lang, f"report-col-{k}") for k in keys),
        tuple(rows),
        formats,
    )


def tables(report: Report, lang: str) -> list[Table]:
    return [
        _coverage(report, lang),
        _queue(report, lang),
        _money(report, lang),
        _directions(report, lang),
        _organisations(report, lang),
    ]


def to_xlsx(report: Report, lang: str) -> bytes:
    # imported on use, as core.accounting.payments does: the bot starts without it
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for table in tables(report, lang):
        sheet = book.create_sheet(table.sheet)
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append(list(row))
        for n, (title, fmt) in enumerate(zip(table.columns, table.formats, strict=True), 1):
            letter = get_column_letter(n)
            widest = max([len(title)] + [len(str(r[n - 1] or "")) for r in table.rows])
            sheet.column_dimensions[letter].width = min(48, max(10, widest + 2))
            if fmt is not None:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(report: Report, lang: str) -> str:
    """Every table in one file: its name on a line, its header, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n, table in enumerate(tables(report, lang)):
        if n:
            writer.writerow([])
        writer.writerow([table.sheet])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()
