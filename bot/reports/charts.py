"""Charts as PNG, drawn to be read on a phone: 1080 px wide, big type, a few bars.

matplotlib's Agg backend draws without a display, and a Figure made directly (not
pyplot) holds no global state, so two reports drawn at once in threads never meet."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.i18n import translator
from core.reports import TARGETS, Coverage, Report

WIDTH_PX = 1080
DPI = 100
FONT = 20  # points: ≈ 28 px at 100 dpi, about the chat's own text on a phone
COLOURS = ("#4C72B0", "#55A868", "#DD8452", "#C44E52", "#8172B3")

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

# matplotlib is imported when a chart is drawn, not when the bot starts: it was a third of
# a process's start (2-3 s at load 5), paid by every replica and worker on each restart


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    # a fixed size (no bbox_inches="tight"): the picture is always 1080 px wide
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def coverage_chart(report: Report, lang: str) -> bytes:
    """Each municipality's (and the region's) share of children aged 5–17 with a
    certificate, a funded one, and studying, against the 25 % and 50 % targets."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    t = translator()
    rows: list[Coverage] = list(report.coverage)
    if report.municipality_id is not None:
        rows = rows[:1]  # one municipality: its row, not the same again as the total
    measures = (
        ("report-col-certified", lambda c: c.certified),
        ("report-col-funded", lambda c: c.funded),
        ("report-col-enrolled", lambda c: c.enrolled),
    )
    bar = 0.26
    height_px = 260 + 170 * len(rows)
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    ax = figure.add_axes((0.30, 160 / height_px, 0.66, 1 - 250 / height_px))
    labels = []
    top = 0.0
    for n, c in enumerate(rows):
        y = len(rows) - 1 - n
        labels.append(c.name if c.municipality_id is not None else t(lang, "report-total"))
        if not c.children_5_17:
            ax.text(1, y, t(lang, "report-chart-no-count"), va="center", fontsize=FONT - 4)
            continue
        for k, (_, count) in enumerate(measures):
            share = c.share(count(c)) or 0.0
            top = max(top, share)
            ax.barh(y + (1 - k) * bar, share, height=bar, color=COLOURS[k])
            ax.text(share + 0.8, y + (1 - k) * bar, f"{share:.0f}", va="center", fontsize=FONT - 6)
    for n, target in enumerate(TARGETS):
        ax.axvline(target, color="#333333", linestyle="--" if n else ":", linewidth=2.5)
        ax.text(
            target + 0.6,
            len(rows) - 0.45,
            t(lang, "report-chart-target", share=target),
            ha="left",
            fontsize=FONT - 4,
        )
    ax.set_xlim(0, max(60.0, top + 8))
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_yticks(range(len(rows)), list(reversed(labels)), fontsize=FONT - 2)
    ax.tick_params(axis="x", labelsize=FONT - 4)
    ax.set_xlabel("%", fontsize=FONT - 2)
    ax.spines[["top", "right"]].set_visible(False)
    figure.suptitle(t(lang, "report-chart-coverage"), fontsize=FONT + 4, x=0.04, ha="left")
    handles = [Patch(color=COLOURS[k], label=t(lang, key)) for k, (key, _) in enumerate(measures)]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=3,
        fontsize=FONT - 6,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    return _png(figure)


def money_chart(report: Report, lang: str) -> bytes:
    """The funding year month by month: credited, blocked, debited and expired as bars,
    what is available at each month's end as a line, the year's limit dashed."""
    from matplotlib.figure import Figure

    t = translator()
    m = report.money
    months = m.months
    thousand = 100_000  # kopecks in a thousand roubles
    series = (
        ("report-col-credited", [x.credited for x in months]),
        ("report-col-blocked", [x.blocked for x in months]),
        ("report-col-debited", [x.debited for x in months]),
        ("report-col-expired", [x.expired for x in months]),
    )
    height_px = 1000
    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    ax = figure.add_axes((0.13, 0.2, 0.83, 0.7))
    xs = range(len(months))
    bar = 0.2
    for k, (key, values) in enumerate(series):
        ax.bar(
            [x + (k - 1.5) * bar for x in xs],
            [v / thousand for v in values],
            width=bar,
            color=COLOURS[k],
            label=t(lang, key).split(",")[0],
        )
    ax.plot(
        list(xs),
        [x.available / thousand for x in months],
        color="#222222",
        marker="o",
        markersize=10,
        linewidth=3,
        label=t(lang, "report-chart-available"),
    )
    if m.limit is not None:
        ax.axhline(
            m.limit / thousand,
            color="#C44E52",
            linestyle="--",
            linewidth=2.5,
            label=t(lang, "report-chart-limit"),
        )
    names = [t(lang, "report-month-short", month=x.month % 12 + 1) for x in months]
    ax.set_xticks(list(xs), names, fontsize=FONT - 2)
    ax.tick_params(axis="y", labelsize=FONT - 4)
    ax.yaxis.set_major_formatter(_thousands(lang))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(bottom=0)
    figure.suptitle(t(lang, "report-chart-money"), fontsize=FONT + 4, x=0.04, ha="left")
    figure.legend(
        loc="lower center", ncol=2, fontsize=FONT - 6, frameon=False, bbox_to_anchor=(0.5, 0.0)
    )
    return _png(figure)


def _thousands(lang: str) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    group = "\u00a0" if lang == "ru" else ","
    return FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", group))
