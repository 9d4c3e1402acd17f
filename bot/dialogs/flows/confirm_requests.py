"""The МОЦ desk's requests that are not new certificates (flows/confirm.py holds the desk,
its queue and the certificate's card): a family's correction of a confirmed child's data,
and a request to link a register's certificate that holds no СНИЛС. Each has its card, an
approval and a refusal with a typed reason; the desk's state is confirm.Review."""

from __future__ import annotations

from bot.dialogs.actions import OpenConfirmQueue
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button
from bot.dialogs.flows.confirm import (
    ApproveCorrection,
    ApproveLink,
    OpenCorrection,
    OpenCorrections,
    OpenLinkRequest,
    OpenLinkRequests,
    RefuseCorrection,
    RefuseLink,
    Review,
)
from bot.dialogs.flowstate import need
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.port import Desk
from core.rules.people import format_snils

flow = Flow("confirm-requests")


@flow.action(OpenCorrections)
async def to_corrections(ctx: Ctx, _: OpenCorrections) -> Screen:
    review = ctx.flow(Review)
    review.which, review.page = Desk.CORRECTIONS.value, 0
    return await ctx.show(Screens.CONFIRM_QUEUE)


@flow.action(OpenCorrection)
async def to_correction(ctx: Ctx, act: OpenCorrection) -> Screen:
    ctx.flow(Review).correction_id = act.correction_id
    return await ctx.show(Screens.CORRECTION_CARD)


def _snils(value: str | None) -> str:
    return format_snils(value) if value else "—"


@flow.screen(Screens.CORRECTION_CARD)
async def correction_card(ctx: Ctx) -> Screen:
    c = await ctx.core.staff.correction(ctx.parent_id, need(ctx.flow(Review).correction_id))
    parts = [
        T(
            "cfx-card",
            {
                "old": c.old_full_name,
                "new": c.full_name,
                "old_snils": _snils(c.old_snils),
                "snils": _snils(c.snils),
                "born": c.birth_date,
                "number": c.number,
                "municipality": c.municipality,
                "reason": c.reason,
                "requested": c.requested_at.date(),
            },
        )
    ]
    rows = [
        [Button(T("btn-cfx-approve"), ApproveCorrection(c.id))],
        [Button(T("btn-cfx-refuse"), RefuseCorrection(c.id))],
        [back(OpenCorrections()), menu_button()],
    ]
    return Screen(parts, rows)


@flow.action(ApproveCorrection, on=(Screens.CORRECTION_CARD,))
async def approve_correction(ctx: Ctx, act: ApproveCorrection) -> Screen:
    await ctx.core.staff.approve_correction(ctx.parent_id, act.correction_id)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cfx-approved"))


@flow.action(RefuseCorrection, on=(Screens.CORRECTION_CARD,))
async def refuse_correction(ctx: Ctx, act: RefuseCorrection) -> Screen:
    ctx.flow(Review).correction_id = act.correction_id
    return await ctx.show(Screens.CORRECTION_REFUSAL)


@flow.screen(Screens.CORRECTION_REFUSAL)
async def correction_refusal(ctx: Ctx) -> Screen:
    return Screen([T("cfx-ask-reason")], [[back(OpenCorrections())]], expect="text")


@flow.text(Screens.CORRECTION_REFUSAL)
async def on_correction_refusal(ctx: Ctx, text: str) -> Screen:
    correction = need(ctx.flow(Review).correction_id)
    await ctx.core.staff.refuse_correction(ctx.parent_id, correction, text)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cfx-refused"))


@flow.action(OpenLinkRequests)
async def to_link_requests(ctx: Ctx, _: OpenLinkRequests) -> Screen:
    return await ctx.show(Screens.LINK_REQUEST_QUEUE)


@flow.screen(Screens.LINK_REQUEST_QUEUE)
async def link_requests_queue(ctx: Ctx) -> Screen:
    items, total = await ctx.core.staff.link_requests(ctx.parent_id, 0)
    rows = [
        [Button(label(f"{r.full_name}, {r.birth_date:%d.%m.%Y}"), OpenLinkRequest(r.id))]
        for r in items
    ]
    rows.append([back(OpenConfirmQueue()), menu_button()])
    return Screen([T("clr-title", {"count": total, "shown": len(items)})], rows)


@flow.action(OpenLinkRequest)
async def to_link_request(ctx: Ctx, act: OpenLinkRequest) -> Screen:
    ctx.flow(Review).link_id = act.certificate_id
    return await ctx.show(Screens.LINK_REQUEST_CARD)


@flow.screen(Screens.LINK_REQUEST_CARD)
async def link_request_card(ctx: Ctx) -> Screen:
    r = await ctx.core.staff.link_request(ctx.parent_id, need(ctx.flow(Review).link_id))
    parts = [
        T(
            "clr-card",
            {
                "name": r.full_name,
                "born": r.birth_date,
                "number": r.number,
                "municipality": r.municipality,
                "requested": r.requested_at.date(),
            },
        )
    ]
    rows = [
        [Button(T("btn-clr-approve"), ApproveLink(r.id))],
        [Button(T("btn-clr-refuse"), RefuseLink(r.id))],
        [back(OpenLinkRequests()), menu_button()],
    ]
    return Screen(parts, rows)


@flow.action(ApproveLink, on=(Screens.LINK_REQUEST_CARD,))
async def approve_link(ctx: Ctx, act: ApproveLink) -> Screen:
    await ctx.core.staff.approve_link(ctx.parent_id, act.certificate_id)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("clr-approved"))


@flow.action(RefuseLink, on=(Screens.LINK_REQUEST_CARD,))
async def refuse_link(ctx: Ctx, act: RefuseLink) -> Screen:
    ctx.flow(Review).link_id = act.certificate_id
    return await ctx.show(Screens.LINK_REQUEST_REFUSAL)


@flow.screen(Screens.LINK_REQUEST_REFUSAL)
async def link_request_refusal(ctx: Ctx) -> Screen:
    return Screen([T("clr-ask-reason")], [[back(OpenLinkRequests())]], expect="text")


@flow.text(Screens.LINK_REQUEST_REFUSAL)
async def on_link_refusal(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.refuse_link(ctx.parent_id, need(ctx.flow(Review).link_id), text)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("clr-refused"))
