"""/stats: the figures a coordinator, a МОЦ's confirmer or the region's operator answers
for (issue 28) — the short summary as text, the coverage and money charts as pictures and
every table as an XLSX file. The scope is the person's role (their municipality, the
region for an operator or a region-wide role); the core refuses anyone else with a message
and records each read in the audit trail, as the operator's ``report`` is."""

from __future__ import annotations

import asyncio

from bot.dialogs.actions import OpenStats
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Attachment, Button, Data, Screen, T
from bot.dialogs.screens import Screens
from bot.reports import coverage_chart, money_chart, summary, to_xlsx
from core.port import Report

flow = Flow("stats")


@flow_state("stats")
class Asked(FlowState):
    """Whether the next showing carries the files: only a press or the command sends
    them, so a screen shown again (after a stray message, say) does not resend three
    files."""

    files: bool = False


def files(report: Report, lang: str) -> tuple[Attachment, ...]:
    """The two charts and the workbook; drawn off the event loop (matplotlib and
    openpyxl take a second or so for a region)."""
    scope = report.coverage[0].code if report.municipality_id is not None else "region"
    stem = f"stats-{scope or report.municipality_id}-{report.at:%Y-%m-%d}"
    return (
        Attachment(
            "picture",
            f"{stem}-coverage.png",
            coverage_chart(report, lang),
            caption=T("stats-coverage-caption"),
        ),
        Attachment(
            "picture",
            f"{stem}-money.png",
            money_chart(report, lang),
            caption=T("stats-money-caption"),
        ),
        Attachment(
            "document",
            f"{stem}.xlsx",
            to_xlsx(report, lang),
            caption=T("stats-tables-caption"),
        ),
    )


@flow.action(OpenStats)
async def to_stats(ctx: Ctx, _: OpenStats) -> Screen:
    ctx.flow(Asked).files = True
    return await ctx.show(Screens.STATS)


@flow.command("stats")
async def stats_command(ctx: Ctx, arg: str) -> Screen:
    return await to_stats(ctx, OpenStats())


@flow.screen(Screens.STATS)
async def stats(ctx: Ctx) -> Screen:
    report = await ctx.core.staff.stats(ctx.parent_id)
    asked = ctx.flow(Asked)
    attached: tuple[Attachment, ...] = ()
    if asked.files:
        asked.files = False
        attached = await asyncio.to_thread(files, report, ctx.lang)
    return Screen(
        [Data(summary(report, ctx.lang, ctx.zone))],
        [[Button(T("btn-stats-again"), OpenStats())], [menu_button()]],
        files=attached,
    )
