"""Attendance (табель) for a provider's staff: a group → a class day (today's, or the
latest before it; earlier and later class days of a month not yet closed) → the group's
children, everyone present until one press marks a child absent (another press: present
again). Editable until the month is closed; after it, a press is refused in words. The
core checks on every read and press that the group is the staff member's organisation's.
Someone without the provider role sees nothing."""

from __future__ import annotations

from datetime import date

from bot.dialogs.actions import Action, OpenAttendance, OpenProviderQueue, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Lines, Piece, Screen, T
from bot.dialogs.screens import Screens
from bot.words import Day
from core.errors import DomainError

flow = Flow("attendance")

# children a page: within VK's 10 buttons and 6 rows with the day's and the pages' ◀ ▶
PAGE = 6
GROUPS_PAGE = 8


@action("att-g")
class OpenGroup(Action):
    group_id: int


@action("att-gp")
class GroupsPage(Action):
    page: int


@action("att-d")
class ShowDay(Action):
    group_id: int
    day: int  # an ordinal


@action("att-p")
class SheetPage(Action):
    group_id: int
    day: int
    page: int


@action("att-m")
class Mark(Action):
    application_id: int
    day: int  # an ordinal
    absent: bool  # what the press makes it


@flow_state("attendance")
class Marking(FlowState):
    """The group open, the day (an ordinal; None: the latest class day up to today) and
    the page of its children; the page of the groups."""

    group_id: int | None = None
    day: int | None = None
    page: int = 0
    groups_page: int = 0


async def _require_provider(ctx: Ctx) -> None:
    if not await ctx.core.staff.is_provider(ctx.parent_id):
        raise DomainError("not_allowed")


@flow.command("attendance")
async def attendance_command(ctx: Ctx, arg: str) -> Screen:
    if not await ctx.core.staff.is_provider(ctx.parent_id):
        # the same answer as any unknown command: the feature is not disclosed
        return await ctx.current(T("unknown-command"))
    ctx.begin(Marking)
    return await ctx.show(Screens.ATTENDANCE_GROUPS)


@flow.action(OpenAttendance)
async def to_groups(ctx: Ctx, _: OpenAttendance) -> Screen:
    await _require_provider(ctx)
    marking = ctx.flow(Marking)
    marking.group_id, marking.day, marking.page = None, None, 0
    return await ctx.show(Screens.ATTENDANCE_GROUPS)


@flow.action(GroupsPage, on=(Screens.ATTENDANCE_GROUPS,))
async def to_groups_page(ctx: Ctx, act: GroupsPage) -> Screen:
    ctx.flow(Marking).groups_page = max(0, act.page)
    return await ctx.show(Screens.ATTENDANCE_GROUPS)


@flow.screen(Screens.ATTENDANCE_GROUPS)
async def groups(ctx: Ctx) -> Screen:
    marking = ctx.flow(Marking)
    found = await ctx.core.staff.attendance_groups(ctx.parent_id)
    home = [back(OpenProviderQueue()), menu_button()]
    if not found:
        return Screen([T("att-no-groups")], [home])
    pages = max(1, -(-len(found) // GROUPS_PAGE))
    page = min(marking.groups_page, pages - 1)
    marking.groups_page = page
    shown = found[page * GROUPS_PAGE : (page + 1) * GROUPS_PAGE]
    rows = [[Button(label(f"{g.program} · {g.group}"), OpenGroup(g.group_id))] for g in shown]
    rows += nav_rows(page, pages, GroupsPage)
    rows.append(home)
    lines = [
        T("att-group", {"program": g.program, "group": g.group, "count": g.children})
        for g in shown
    ]
    parts: list[Piece] = [Lines([T("att-groups", {"count": len(found)}), *lines])]
    if pages > 1:
        parts.append(T("att-page", {"page": page + 1, "pages": pages}))
    return Screen(parts, rows)


@flow.action(OpenGroup, on=(Screens.ATTENDANCE_GROUPS,))
async def to_group(ctx: Ctx, act: OpenGroup) -> Screen:
    marking = ctx.flow(Marking)
    marking.group_id, marking.day, marking.page = act.group_id, None, 0
    return await ctx.show(Screens.ATTENDANCE_SHEET)


@flow.action(ShowDay, on=(Screens.ATTENDANCE_SHEET,))
async def to_day(ctx: Ctx, act: ShowDay) -> Screen:
    marking = ctx.flow(Marking)
    marking.group_id, marking.day, marking.page = act.group_id, act.day, 0
    return await ctx.show(Screens.ATTENDANCE_SHEET)


@flow.action(SheetPage, on=(Screens.ATTENDANCE_SHEET,))
async def to_page(ctx: Ctx, act: SheetPage) -> Screen:
    marking = ctx.flow(Marking)
    marking.group_id, marking.day, marking.page = act.group_id, act.day, max(0, act.page)
    return await ctx.show(Screens.ATTENDANCE_SHEET)


@flow.action(Mark, on=(Screens.ATTENDANCE_SHEET,))
async def mark(ctx: Ctx, act: Mark) -> Screen:
    day = _day(act.day)
    await ctx.core.staff.mark_attendance(ctx.parent_id, act.application_id, day, act.absent)
    ctx.flow(Marking).day = act.day
    return await ctx.show(Screens.ATTENDANCE_SHEET)


def _day(ordinal: int) -> date:
    try:
        return date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        raise DomainError("stale-button") from None


@flow.screen(Screens.ATTENDANCE_SHEET)
async def sheet(ctx: Ctx) -> Screen:
    marking = ctx.flow(Marking)
    group_id = need(marking.group_id)
    asked = _day(marking.day) if marking.day is not None else None
    found = await ctx.core.staff.attendance_sheet(ctx.parent_id, group_id, asked)
    home = [back(OpenAttendance()), menu_button()]
    heading = {"program": found.program, "group": found.group}
    if found.day is None:
        return Screen([T("att-title", heading), T("att-no-day")], [home])
    day = found.day
    marking.day = day.toordinal()
    absent = sum(1 for p in found.pupils if p.absent)
    parts: list[Piece] = [
        Lines(
            [
                T("att-title", heading),
                T(
                    "att-day",
                    {"day": Day(day), "count": len(found.pupils), "absent": absent},
                ),
                T(f"att-rule-{found.rule}"),
            ]
        )
    ]
    rows: list[list[Button]] = []
    if not found.pupils:
        parts.append(T("att-nobody"))
    else:
        pages = max(1, -(-len(found.pupils) // PAGE))
        page = min(marking.page, pages - 1)
        marking.page = page
        parts.append(T("att-hint"))
        for p in found.pupils[page * PAGE : (page + 1) * PAGE]:
            key = "btn-att-absent" if p.absent else "btn-att-present"
            rows.append(
                [
                    Button(
                        T(key, {"child": label(p.child or "—").text}),
                        Mark(p.application_id, day.toordinal(), not p.absent),
                    )
                ]
            )
        if pages > 1:
            parts.append(T("att-page", {"page": page + 1, "pages": pages}))
        rows += nav_rows(page, pages, lambda n: SheetPage(group_id, day.toordinal(), n))
    around = [
        Button(T(key, {"day": d}), ShowDay(group_id, d.toordinal()))
        for key, d in (("btn-att-earlier", found.earlier), ("btn-att-later", found.later))
        if d is not None
    ]
    if around:
        rows.append(around)
    rows.append(home)
    return Screen(parts, rows)
