"""A МОЦ's confirmer: the certificates waiting for the documents to be checked, oldest
request first, paged; the child's full details; confirm, or reject with a reason. Someone
without the role sees nothing of it."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenConfirmQueue, action
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.registry import registry
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.port import CONFIRM_PAGE
from core.rules.people import format_snils


@action("cc")
class OpenConfirmation(Action):
    certificate_id: int


@action("cc-yes")
class ConfirmData(Action):
    certificate_id: int


@action("cc-no")
class RejectData(Action):
    certificate_id: int


@flow_state("confirm")
class Review(FlowState):
    """The page of the queue, and the certificate being checked."""

    page: int = 0
    certificate_id: int | None = None


def _certificate(ctx: Ctx) -> int:
    return need(ctx.flow(Review).certificate_id)


@registry.action(OpenConfirmQueue)
async def to_queue(ctx: Ctx, act: OpenConfirmQueue) -> Screen:
    ctx.flow(Review).page = act.page
    return await ctx.show(Screens.CONFIRM_QUEUE)


@registry.screen(Screens.CONFIRM_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    page = ctx.flow(Review).page
    items, total = await ctx.core.staff.pending(ctx.parent_id, page)
    if not total:
        return Screen([T("cq-empty")], [[menu_button()]])
    pages = -(-total // CONFIRM_PAGE)
    if not items and page:  # the last page emptied meanwhile
        ctx.flow(Review).page = pages - 1
        return await ctx.show(Screens.CONFIRM_QUEUE)
    parts = [T("cq-title", {"count": total, "page": page + 1, "pages": pages})]
    rows = [
        [Button(label(f"{p.full_name}, {p.birth_date:%d.%m.%Y}"), OpenConfirmation(p.id))]
        for p in items
    ]
    rows += nav_rows(page, pages, OpenConfirmQueue)
    rows.append([menu_button()])
    return Screen(parts, rows)


@registry.action(OpenConfirmation)
async def to_card(ctx: Ctx, act: OpenConfirmation) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_CARD)


@registry.screen(Screens.CONFIRM_CARD)
async def card(ctx: Ctx) -> Screen:
    cert_id = _certificate(ctx)
    p = await ctx.core.staff.pending_one(ctx.parent_id, cert_id)
    parts = [
        T(
            "cc-card",
            {
                "name": p.full_name,
                "born": p.birth_date,
                "snils": format_snils(p.snils) if p.snils else "—",
                "municipality": p.municipality,
                "number": p.number,
                "requested": p.requested_at.date(),
                "funding": p.funding_requested,
            },
        )
    ]
    rows = [
        [Button(T("btn-cc-confirm"), ConfirmData(p.id))],
        [Button(T("btn-cc-reject"), RejectData(p.id))],
        [back(OpenConfirmQueue()), menu_button()],
    ]
    return Screen(parts, rows)


@registry.action(ConfirmData, on=(Screens.CONFIRM_CARD,))
async def confirm(ctx: Ctx, act: ConfirmData) -> Screen:
    await ctx.core.staff.confirm(ctx.parent_id, act.certificate_id)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-confirmed"))


@registry.action(RejectData, on=(Screens.CONFIRM_CARD,))
async def reject(ctx: Ctx, act: RejectData) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_REASON)


@registry.screen(Screens.CONFIRM_REASON)
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("cc-ask-reason")], [[back(OpenConfirmQueue())]], expect="text")


@registry.text(Screens.CONFIRM_REASON)
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.reject(ctx.parent_id, _certificate(ctx), text)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-rejected"))


@registry.command("confirm")
async def confirm_command(ctx: Ctx, arg: str) -> Screen:
    return await to_queue(ctx, OpenConfirmQueue())
