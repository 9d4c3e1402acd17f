"""The provider's month: after a month closes, what the staff member's organisations are
owed for it — per program and group each child (as the application has it), the class
days paid of the month's, the amount — and the totals; paged, with the earlier and later
closed months. «Файл для бухгалтерии» sends the whole month (every page) as the XLSX the
operator's ``payments`` writes, one file a press: a page turn never resends it. Someone
without the provider role sees nothing."""

from __future__ import annotations

import asyncio

from bot.dialogs.actions import Action, OpenProviderMonth, OpenProviderQueue, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Attachment, Button, Lines, Piece, Screen, T
from bot.dialogs.screens import Screens
from bot.words import Month
from core.port import PaymentLine, payments_xlsx
from core.rules.calendar import month_label

flow = Flow("provider_month")

# contracts a page: a screen stays one message on every platform (Telegram and VK 4,096
# characters, MAX 4,000) with names and programs of their longest
PAGE = 12


@action("pm-page")
class ProviderMonthPage(Action):
    month: int
    page: int


@action("pm-file")
class ProviderMonthFile(Action):
    month: int


@flow_state("pmonth")
class Reading(FlowState):
    """The month open (None: the latest closed with debits), the page, and whether the
    next showing carries the month's file (only its button sets it)."""

    month: int | None = None
    page: int = 0
    file: bool = False


def month_name(month: int) -> Month:
    return Month(month)


@flow.action(OpenProviderMonth)
async def to_month(ctx: Ctx, act: OpenProviderMonth) -> Screen:
    reading = ctx.flow(Reading)
    reading.month, reading.page = (act.month or None), 0
    return await ctx.show(Screens.PROVIDER_MONTH)


@flow.action(ProviderMonthPage, on=(Screens.PROVIDER_MONTH,))
async def to_page(ctx: Ctx, act: ProviderMonthPage) -> Screen:
    reading = ctx.flow(Reading)
    reading.month, reading.page = (act.month or None), max(0, act.page)
    return await ctx.show(Screens.PROVIDER_MONTH)


@flow.action(ProviderMonthFile, on=(Screens.PROVIDER_MONTH,))
async def to_file(ctx: Ctx, act: ProviderMonthFile) -> Screen:
    reading = ctx.flow(Reading)
    if reading.month != act.month:
        reading.month, reading.page = act.month, 0
    reading.file = True
    return await ctx.show(Screens.PROVIDER_MONTH)


def _file(month: int, lines: list[PaymentLine]) -> Attachment:
    return Attachment(
        "document",
        f"payments-{month_label(month)}.xlsx",
        payments_xlsx(month, lines),
        caption=T("pm-file-caption", {"month": month_name(month)}),
    )


def _lines(ctx: Ctx, lines: list[PaymentLine]) -> list[Piece]:
    """The page's contracts under a heading per organisation, program and group."""
    parts: list[Piece] = []
    heading: tuple[int, str, str] | None = None
    block: list[T] = []
    for line in lines:
        here = (line.provider_id, line.program, line.group)
        if here != heading:
            if block:
                parts.append(Lines(block))
            heading = here
            block = [T("pm-group", {"program": line.program, "group": line.group})]
        block.append(
            T(
                "pm-line",
                {
                    "named": bool(line.child),
                    "child": line.child or "—",
                    "number": line.certificate or "—",
                    "days": line.days,
                    "of": line.month_days,
                    "amount": ctx.money(line.amount),
                },
            )
        )
    if block:
        parts.append(Lines(block))
    return parts


@flow.screen(Screens.PROVIDER_MONTH)
async def provider_month(ctx: Ctx) -> Screen:
    reading = ctx.flow(Reading)
    found = await ctx.core.staff.provider_month(ctx.parent_id, reading.month)
    rows: list[list[Button]] = []
    if found.month is None:
        reading.file = False
        rows.append([back(OpenProviderQueue()), menu_button()])
        return Screen([T("pm-none")], rows)
    month = found.month
    reading.month = month
    attached: tuple[Attachment, ...] = ()
    if reading.file:
        reading.file = False
        # the whole month, not the page shown; openpyxl off the event loop
        attached = (await asyncio.to_thread(_file, month, found.lines),)
    pages = max(1, -(-len(found.lines) // PAGE))
    page = min(reading.page, pages - 1)
    reading.page = page
    parts: list[Piece] = [
        T("pm-title", {"month": month_name(month), "count": len(found.totals)}),
        Lines(
            [
                T(
                    "pm-total",
                    {
                        "provider": t.provider,
                        "contracts": t.contracts,
                        "amount": ctx.money(t.amount),
                    },
                )
                for t in found.totals
            ]
        ),
    ]
    if len(found.totals) > 1:
        parts.append(T("pm-grand-total", {"amount": ctx.money(found.total)}))
    parts += _lines(ctx, found.lines[page * PAGE : (page + 1) * PAGE])
    if pages > 1:
        parts.append(T("pm-page", {"page": page + 1, "pages": pages}))
    rows += nav_rows(page, pages, lambda n: ProviderMonthPage(month, n))
    earlier = [m for m in found.months if m < month]
    later = [m for m in found.months if m > month]
    around = [
        Button(T(key, {"month": month_name(m)}), ProviderMonthPage(m, 0))
        for key, m in (
            ("btn-earlier", max(earlier, default=None)),
            ("btn-later", min(later, default=None)),
        )
        if m is not None
    ]
    if around:
        rows.append(around)
    rows.append([Button(T("btn-pm-file"), ProviderMonthFile(month))])
    rows.append([back(OpenProviderQueue()), menu_button()])
    return Screen(parts, rows, files=attached)
