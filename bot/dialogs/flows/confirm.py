"""A МОЦ's confirmer: the certificates waiting for the documents to be checked, oldest
request first, paged; the child's full details; confirm, or reject with a reason. Beside
them, the corrections families asked for (old and new data, and why) and the requests to
link a register number that holds no СНИЛС: approve, or refuse with a reason. Someone
without the role sees nothing of it."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenConfirmQueue, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.port import CONFIRM_PAGE
from core.rules.people import format_snils

flow = Flow("confirm")


@action("cc")
class OpenConfirmation(Action):
    certificate_id: int


@action("cc-yes")
class ConfirmData(Action):
    certificate_id: int
    seen: str = ""  # the version of the data on the card (confirmations.data_version)


@action("cc-no")
class RejectData(Action):
    certificate_id: int


@action("cfx")
class OpenCorrections(Action):
    pass


@action("cfx-open")
class OpenCorrection(Action):
    correction_id: int


@action("cfx-yes")
class ApproveCorrection(Action):
    correction_id: int


@action("cfx-no")
class RefuseCorrection(Action):
    correction_id: int


@action("clr")
class OpenLinkRequests(Action):
    pass


@action("clr-open")
class OpenLinkRequest(Action):
    certificate_id: int


@action("clr-yes")
class ApproveLink(Action):
    certificate_id: int


@action("clr-no")
class RefuseLink(Action):
    certificate_id: int


@flow_state("confirm")
class Review(FlowState):
    """The page of the queue, and the certificate, correction or link request being
    checked."""

    page: int = 0
    certificate_id: int | None = None
    correction_id: int | None = None
    link_id: int | None = None


def _certificate(ctx: Ctx) -> int:
    return need(ctx.flow(Review).certificate_id)


@flow.action(OpenConfirmQueue)
async def to_queue(ctx: Ctx, act: OpenConfirmQueue) -> Screen:
    ctx.flow(Review).page = act.page
    return await ctx.show(Screens.CONFIRM_QUEUE)


@flow.screen(Screens.CONFIRM_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    page = ctx.flow(Review).page
    items, total = await ctx.core.staff.pending(ctx.parent_id, page)
    others = await _other_requests(ctx)
    if not total:
        return Screen([T("cq-empty")], [*others, [menu_button()]])
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
    rows += others
    rows.append([menu_button()])
    return Screen(parts, rows)


async def _other_requests(ctx: Ctx) -> list[list[Button]]:
    """Buttons to the corrections and link requests waiting, when there are any."""
    rows = []
    _, fixes = await ctx.core.staff.corrections(ctx.parent_id, 0)
    if fixes:
        rows.append([Button(T("btn-cq-corrections", {"count": fixes}), OpenCorrections())])
    _, links = await ctx.core.staff.link_requests(ctx.parent_id, 0)
    if links:
        rows.append([Button(T("btn-cq-links", {"count": links}), OpenLinkRequests())])
    return rows


@flow.action(OpenConfirmation)
async def to_card(ctx: Ctx, act: OpenConfirmation) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_CARD)


@flow.screen(Screens.CONFIRM_CARD)
async def card(ctx: Ctx) -> Screen:
    cert_id = _certificate(ctx)
    p = await ctx.core.staff.pending_one(ctx.parent_id, cert_id)
    parts: list[Piece] = [
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
    if p.own_request:
        # the child of 14+ asked themselves: their own documents, no parent's passport
        parts.append(T("cc-own-request"))
    rows = [
        [Button(T("btn-cc-confirm"), ConfirmData(p.id, p.version))],
        [Button(T("btn-cc-reject"), RejectData(p.id))],
        [back(OpenConfirmQueue()), menu_button()],
    ]
    return Screen(parts, rows)


@flow.action(ConfirmData, on=(Screens.CONFIRM_CARD,))
async def confirm(ctx: Ctx, act: ConfirmData) -> Screen:
    # a button of a card shown before this field existed carries none: checked as before
    await ctx.core.staff.confirm(ctx.parent_id, act.certificate_id, act.seen or None)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-confirmed"))


@flow.action(RejectData, on=(Screens.CONFIRM_CARD,))
async def reject(ctx: Ctx, act: RejectData) -> Screen:
    ctx.flow(Review).certificate_id = act.certificate_id
    return await ctx.show(Screens.CONFIRM_REASON)


@flow.screen(Screens.CONFIRM_REASON)
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("cc-ask-reason")], [[back(OpenConfirmQueue())]], expect="text")


@flow.text(Screens.CONFIRM_REASON)
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.reject(ctx.parent_id, _certificate(ctx), text)
    return await ctx.show(Screens.CONFIRM_QUEUE, T("cc-rejected"))


@flow.action(OpenCorrections)
async def to_corrections(ctx: Ctx, _: OpenCorrections) -> Screen:
    return await ctx.show(Screens.CORRECTION_QUEUE)


@flow.screen(Screens.CORRECTION_QUEUE)
async def corrections_queue(ctx: Ctx) -> Screen:
    items, total = await ctx.core.staff.corrections(ctx.parent_id, 0)
    rows = [
        [Button(label(f"{c.old_full_name}, {c.birth_date:%d.%m.%Y}"), OpenCorrection(c.id))]
        for c in items
    ]
    rows.append([back(OpenConfirmQueue()), menu_button()])
    return Screen([T("cfx-title", {"count": total, "shown": len(items)})], rows)


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


@flow.command("confirm")
async def confirm_command(ctx: Ctx, arg: str) -> Screen:
    return await to_queue(ctx, OpenConfirmQueue())
