"""The short text: what a coordinator reads first in the chat or the terminal."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from bot.i18n import money, translator
from core.reports import TARGETS, Coverage, MoneyYear, Report


def scope_name(report: Report, lang: str) -> str:
    if report.municipality_id is None:
        return translator()(lang, "report-region")
    return report.coverage[0].name


def year_name(m: MoneyYear, lang: str) -> str:
    t = translator()
    if m.period == "calendar":
        return t(lang, "report-year-calendar", year=str(m.year))
    return t(lang, "report-year-school", year=str(m.year), next=str(m.year + 1))


def _coverage_lines(c: Coverage, lang: str) -> list[str]:
    t = translator()
    lines = []
    if c.children_5_17:
        lines.append(
            t(lang, "report-children-known", children=c.children_5_17, year=str(c.counted_year))
        )
    else:
        lines.append(t(lang, "report-children-unknown"))
    for key, count in (
        ("report-registered", c.registered),
        ("report-certified", c.certified),
        ("report-funded", c.funded),
        ("report-enrolled", c.enrolled),
    ):
        share = c.share(count)
        label = t(lang, key)
        if share is None:
            lines.append(t(lang, "report-line-count", label=label, count=count))
        else:
            lines.append(t(lang, "report-line-share", label=label, count=count, share=share))
    if c.children_5_17:
        lines.append(t(lang, "report-targets", first=TARGETS[0], second=TARGETS[1]))
    return lines


def summary(report: Report, lang: str, zone: ZoneInfo) -> str:
    """A dozen lines: coverage against the targets, the queue, the year's money, the
    programs' seats and the organisations."""
    t = translator()
    day = report.at.replace(tzinfo=UTC).astimezone(zone).date()
    lines = [t(lang, "report-title", scope=scope_name(report, lang), date=day), ""]
    lines += _coverage_lines(report.total, lang)
    q = report.queue_total
    if q.length:
        lines.append(t(lang, "report-queue", count=q.length, days=q.longest_wait_days or 0))
    else:
        lines.append(t(lang, "report-queue-none"))
    m = report.money
    available = m.months[-1].available if m.months else m.opening_available
    amounts = {
        "year": year_name(m, lang),
        "credited": money(m.credited, lang),
        "debited": money(m.debited, lang),
        "available": money(available, lang),
    }
    if m.limit is None:
        lines.append(t(lang, "report-money", **amounts))
    else:
        lines.append(t(lang, "report-money-limit", limit=money(m.limit, lang), **amounts))
    d = report.directions
    lines.append(
        t(
            lang,
            "report-programs",
            programs=sum(r.programs for r in d),
            seats=sum(r.seats for r in d),
            taken=sum(r.taken for r in d),
            waiting=sum(r.waiting for r in d),
        )
    )
    o = report.organisations
    lines.append(
        t(
            lang,
            "report-organisations",
            count=len(o),
            contracts=sum(r.contracts for r in o),
            pupils=sum(r.pupils for r in o),
        )
    )
    return "\n".join(lines)
