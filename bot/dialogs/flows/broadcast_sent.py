"""A coordinator's announcements once sent (flows/broadcast.py writes them): the progress
of the last one, with its cancel while it is scheduled or sending, and the history of
them, newest first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dialogs.actions import (
    Action,
    OpenBroadcasts,
    OpenLastBroadcast,
    StartBroadcast,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Data, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import HISTORY_PAGE

flow = Flow("broadcast-sent")


@action("bcx")
class CancelBroadcast(Action):
    pass


@flow_state("bc-sent")
class Sent(FlowState):
    """The announcement whose progress is shown."""

    broadcast_id: int | None = None


@flow_state("bc-history")
class History(FlowState):
    """The page of the coordinator's history of announcements shown."""

    page: int = 0


def local_time(ctx: Ctx, at: datetime) -> str:
    """A stored (naive UTC) moment on the region's clock, with its date in full."""
    return f"{at.replace(tzinfo=ZoneInfo('UTC')).astimezone(ctx.zone):%d.%m.%Y %H:%M}"


@flow.screen(Screens.BC_PROGRESS)
async def progress(ctx: Ctx) -> Screen:
    sent = ctx.flow(Sent)
    bid, p = await ctx.core.broadcasts.progress(ctx.parent_id, sent.broadcast_id)
    sent.broadcast_id = bid
    parts = [
        T(
            "bc-progress",
            {
                "status": T(f"bc-status-{p.status}"),
                "recipients": p.recipients,
                "sent": p.sent,
                "failed": p.failed,
                "blocked": p.blocked,
                "left": p.left,
            },
        )
    ]
    if p.scheduled_at is not None:
        parts.append(T("bc-progress-at", {"at": local_time(ctx, p.scheduled_at)}))
    rows = [[Button(T("btn-bc-refresh"), OpenLastBroadcast())]]
    if p.status in ("scheduled", "sending"):
        rows.append([Button(T("btn-bc-cancel"), CancelBroadcast())])
    rows.append([Button(T("btn-bc-last"), OpenBroadcasts())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(OpenLastBroadcast)
async def refresh(ctx: Ctx, _: OpenLastBroadcast) -> Screen:
    return await ctx.show(Screens.BC_PROGRESS)


@flow.action(CancelBroadcast, on=(Screens.BC_PROGRESS,))
async def cancel(ctx: Ctx, _: CancelBroadcast) -> Screen:
    bid = ctx.flow(Sent).broadcast_id
    if bid is None:
        raise DomainError("broadcast_not_found")
    await ctx.core.broadcasts.cancel(ctx.parent_id, bid)
    return await ctx.show(Screens.BC_PROGRESS, T("bc-cancelled"))


@flow.action(OpenBroadcasts)
async def open_history(ctx: Ctx, act: OpenBroadcasts) -> Screen:
    ctx.flow(History).page = max(act.page, 0)
    return await ctx.show(Screens.BC_HISTORY)


TEXT_SHOWN = 60  # of an announcement's text, in the history


@flow.screen(Screens.BC_HISTORY)
async def history(ctx: Ctx) -> Screen:
    """The coordinator's announcements, newest first: the start of the text, when, and
    what became of it."""
    state = ctx.flow(History)
    lines, total = await ctx.core.broadcasts.history(ctx.parent_id, state.page)
    pages = max((total + HISTORY_PAGE - 1) // HISTORY_PAGE, 1)
    if not lines:
        parts: list[Piece] = [T("bc-history-empty")]
    else:
        parts = [T("bc-history-title", {"page": state.page + 1, "pages": pages})]
    for line in lines:
        start = " ".join(line.text.split())
        if len(start) > TEXT_SHOWN:
            start = start[: TEXT_SHOWN - 1] + "…"
        parts.append(
            T(
                "bc-history-line",
                {
                    "at": local_time(ctx, line.at),
                    "status": T(f"bc-status-{line.status}"),
                    "recipients": line.recipients,
                    "delivered": line.delivered,
                    "unreachable": line.unreachable,
                },
            )
        )
        parts.append(Data(start))
    rows = nav_rows(state.page, pages, OpenBroadcasts)
    rows.append([Button(T("btn-broadcast"), StartBroadcast())])
    rows.append([menu_button()])
    return Screen(parts, rows)
