"""The figures of core.reports shown the way people read them: a short text, charts as
PNG (matplotlib, Agg backend: no display), and the full tables as XLSX (openpyxl) and CSV.
Every word comes from locales/<lang>/reports.ftl."""

from bot.reports.charts import coverage_chart, money_chart
from bot.reports.tables import Table, tables, to_csv, to_xlsx
from bot.reports.text import summary

__all__ = [
    "Table",
    "coverage_chart",
    "money_chart",
    "summary",
    "tables",
    "to_csv",
    "to_xlsx",
]
