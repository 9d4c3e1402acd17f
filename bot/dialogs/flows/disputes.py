"""Registration disputes (issue 28). The family's side: where adding a child is refused
because another family holds the child, the family may dispute it (the child as it typed
it). The МОЦ's side, from the /confirm queue: the disputes of the confirmer's
municipalities, oldest first, ten a page; a card with what the desk needs; move the child
to the family that filed, or reject with a reason. Both families are told by the core."""

from __future__ import annotations

from datetime import date

from bot.dialogs.actions import Action, OpenConfirmQueue, OpenDisputes, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.child_form import CancelChild, ChildDraft
from bot.dialogs.flows.children import Shown
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.port import DISPUTE_PAGE, ChildInput
from core.rules.people import format_snils

flow = Flow("disputes")

PER_ROW = 2  # ten a page in five rows: every platform's ten rows hold the page and its way


@action("dsp-file")
class FileDispute(Action):
    pass


@action("dsp-open")
class OpenDispute(Action):
    dispute_id: int


@action("dsp-move")
class MoveChild(Action):
    dispute_id: int


@action("dsp-no")
class RejectDispute(Action):
    dispute_id: int


@flow_state("dsp")
class Desk(FlowState):
    """The page of the disputes, and the dispute being decided."""

    page: int = 0
    dispute_id: int | None = None


# --- the family --------------------------------------------------------------------------


@flow.screen(Screens.DISPUTE_OFFER)
async def offer(ctx: Ctx) -> Screen:
    ctx.started(ChildDraft)  # the child as typed, refused as registered elsewhere
    rows = [
        [Button(T("btn-dispute-file"), FileDispute())],
        [Button(T("btn-cancel"), CancelChild())],
    ]
    return Screen([T("dispute-offer")], rows)


@flow.action(FileDispute, on=(Screens.DISPUTE_OFFER,))
async def file(ctx: Ctx, _: FileDispute) -> Screen:
    draft = ctx.started(ChildDraft)
    if draft.id is not None or draft.birth is None or draft.muni is None:
        ctx.end_flow(ChildDraft)
        return await ctx.show(Screens.CHILDREN)
    data = ChildInput(
        surname=draft.surname or "",
        name=draft.name or "",
        patronymic=draft.patronymic,
        birth_date=date.fromisoformat(draft.birth),
        snils=draft.snils,
        municipality_id=draft.muni,
    )
    await ctx.core.disputes.file(ctx.parent_id, data)
    ctx.end_flow(ChildDraft)
    ctx.flow(Shown).child_id = None
    return await ctx.show(Screens.CHILDREN, T("dispute-filed"))


# --- the МОЦ's confirmer -----------------------------------------------------------------


@flow.action(OpenDisputes)
async def to_queue(ctx: Ctx, act: OpenDisputes) -> Screen:
    ctx.flow(Desk).page = act.page
    return await ctx.show(Screens.DISPUTE_QUEUE)


@flow.screen(Screens.DISPUTE_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    page = ctx.flow(Desk).page
    items, total = await ctx.core.disputes.pending(ctx.parent_id, page)
    way = [back(OpenConfirmQueue()), menu_button()]
    if not total:
        return Screen([T("dsp-empty")], [way])
    pages = -(-total // DISPUTE_PAGE)
    if not items and page:  # the last page emptied meanwhile
        ctx.flow(Desk).page = pages - 1
        return await ctx.show(Screens.DISPUTE_QUEUE)
    buttons = [
        Button(label(f"{d.full_name}, {d.birth_date:%d.%m.%Y}"), OpenDispute(d.id)) for d in items
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    rows += nav_rows(page, pages, OpenDisputes)
    rows.append(way)
    return Screen([T("dsp-title", {"count": total, "page": page + 1, "pages": pages})], rows)


@flow.action(OpenDispute)
async def to_card(ctx: Ctx, act: OpenDispute) -> Screen:
    ctx.flow(Desk).dispute_id = act.dispute_id
    return await ctx.show(Screens.DISPUTE_CARD)


def _snils(value: str | None) -> str:
    return format_snils(value) if value else "—"


@flow.screen(Screens.DISPUTE_CARD)
async def card(ctx: Ctx) -> Screen:
    d = await ctx.core.disputes.card(ctx.parent_id, need(ctx.flow(Desk).dispute_id))
    certificate = (
        T(
            "dsp-certificate",
            {"number": d.number, "status": T(f"cert-status-{d.certificate_status}")},
        )
        if d.number is not None
        else T("dsp-no-certificate")
    )
    parts = [
        T(
            "dsp-card",
            {
                "typed": d.typed.full_name,
                "typed_born": d.typed.birth_date,
                "typed_snils": _snils(d.typed_snils),
                "name": d.child_full_name,
                "born": d.child_birth_date,
                "snils": _snils(d.child_snils),
                "municipality": d.municipality,
                "certificate": certificate,
                "applications": d.applications,
                "holder": d.holder_accounts,
                "filer": d.filer_accounts,
                "claims": d.claims,
                "requested": d.typed.requested_at.date(),
            },
        )
    ]
    rows = [
        [Button(T("btn-dsp-move"), MoveChild(d.id))],
        [Button(T("btn-dsp-reject"), RejectDispute(d.id))],
        [back(OpenDisputes(ctx.flow(Desk).page)), menu_button()],
    ]
    return Screen(parts, rows)


@flow.action(MoveChild, on=(Screens.DISPUTE_CARD,))
async def move(ctx: Ctx, act: MoveChild) -> Screen:
    gone = await ctx.core.disputes.move(ctx.parent_id, act.dispute_id)
    await ctx.forget_accounts(*gone)  # the child's own account the other family linked
    return await ctx.show(Screens.DISPUTE_QUEUE, T("dsp-moved"))


@flow.action(RejectDispute, on=(Screens.DISPUTE_CARD,))
async def reject(ctx: Ctx, act: RejectDispute) -> Screen:
    ctx.flow(Desk).dispute_id = act.dispute_id
    return await ctx.show(Screens.DISPUTE_REFUSAL)


@flow.screen(Screens.DISPUTE_REFUSAL)
async def refusal(ctx: Ctx) -> Screen:
    return Screen([T("dsp-ask-reason")], [[back(OpenDisputes())]], expect="text")


@flow.text(Screens.DISPUTE_REFUSAL)
async def on_refusal(ctx: Ctx, text: str) -> Screen:
    await ctx.core.disputes.reject(ctx.parent_id, need(ctx.flow(Desk).dispute_id), text)
    return await ctx.show(Screens.DISPUTE_QUEUE, T("dsp-rejected"))
