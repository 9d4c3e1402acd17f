"""The contract (договор-оферта) a provider's acceptance offers the family: its terms and its
text; accept it with a button (the text exactly as shown is kept with its SHA-256, the
account and the moment) or decline it. A contract concluded, lapsed or ended stays
readable from the application's card in /apps, the accepted text included.

The button carries the first 8 hex digits of the digest of the text shown: a press on a
screen whose terms changed since (a new template, another first day) shows them again
instead of accepting words the family did not read."""

from __future__ import annotations

import hashlib

from bot.dialogs.actions import Action, OpenApplication, OpenContract, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Data, Piece, Screen, T
from bot.dialogs.screens import Screens
from bot.words import span
from core.errors import DomainError
from core.port import ContractView

flow = Flow("contract")

SHOWN_DIGEST = 8  # hex digits of the text's SHA-256 on the button


@action("ct-yes")
class AcceptContract(Action):
    application_id: int
    digest: str  # the first SHOWN_DIGEST hex digits of the text shown


@action("ct-no")
class AskDecline(Action):
    application_id: int


@action("ct-no-yes")
class DeclineContract(Action):
    application_id: int


@action("ct-text")
class ShowAccepted(Action):
    application_id: int


@flow_state("contract")
class OpenedContract(FlowState):
    application_id: int | None = None


def _opened(ctx: Ctx) -> int:
    app = ctx.flow(OpenedContract).application_id
    if app is None:
        raise DomainError("stale-button")
    return app


def document(ctx: Ctx, c: ContractView) -> list[Piece]:
    """The contract as the family reads and accepts it: the terms, the cancellation
    terms, and the provider's or municipality's text (or the default)."""
    terms = T(
        "contract-terms",
        {
            "child": c.child or "—",
            "provider": c.provider,
            "program": c.program,
            "group": c.group,
            "schedule": c.schedule or "—",
            "address": c.address or "—",
            "first_day": c.first_day or "—",
            "from": span(c.first_month, c.last_month)[0],
            "to": span(c.first_month, c.last_month)[1],
            "months": c.months,
            "price": ctx.money(c.monthly_price),
            "share": ctx.money(c.monthly_share),
            "copay": ctx.money(c.monthly_copay),
            "share_total": ctx.money(c.share_total),
            "copay_total": ctx.money(c.copay_total),
        },
    )
    body: Piece = (
        Data(c.template) if c.template else T("contract-default-text", {"provider": c.provider})
    )
    return [
        T("contract-title", {"provider": c.provider}),
        terms,
        T("contract-cancellation"),
        body,
    ]


def contract_status(ctx: Ctx, c: ContractView) -> T:
    """Where the contract stands (when and how concluded, its last day once ended)."""
    return T(
        "contract-status",
        {
            "status": c.status,
            "method": c.method or "chat",
            "dated": c.concluded_at is not None,
            "at": ctx.local_time(c.concluded_at) if c.concluded_at else "",
            "ended": c.last_day is not None,
            "last_day": c.last_day or "",
        },
    )


def shown_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SHOWN_DIGEST]


@flow.action(OpenContract)
async def to_contract(ctx: Ctx, act: OpenContract) -> Screen:
    ctx.flow(OpenedContract).application_id = act.application_id
    return await ctx.show(Screens.CONTRACT)


@flow.screen(Screens.CONTRACT)
async def contract(ctx: Ctx) -> Screen:
    app = _opened(ctx)
    c = await ctx.core.enrolment.contract(ctx.parent_id, app)
    status = contract_status(ctx, c)
    rows: list[list[Button]] = []
    if c.status == "offered":
        doc = document(ctx, c)
        digest = shown_digest(ctx.words(*doc))
        parts: list[Piece] = [
            status,
            *doc,
            T("contract-offer-until", {"until": ctx.local_time(c.deadline)}),
        ]
        rows.append([Button(T("btn-contract-accept"), AcceptContract(app, digest))])
        rows.append([Button(T("btn-contract-decline"), AskDecline(app))])
    else:
        # what was agreed stays readable; the text the family accepted is one press away
        parts = [status, *document(ctx, c)[:3]]
        if c.text:
            rows.append([Button(T("btn-contract-text"), ShowAccepted(app))])
    rows.append([back(OpenApplication(app)), menu_button()])
    return Screen(parts, rows)


@flow.action(AcceptContract, on=(Screens.CONTRACT,))
async def accept(ctx: Ctx, act: AcceptContract) -> Screen:
    ctx.flow(OpenedContract).application_id = act.application_id
    c = await ctx.core.enrolment.contract(ctx.parent_id, act.application_id)
    text = ctx.words(*document(ctx, c))
    if shown_digest(text) != act.digest:
        return await ctx.show(Screens.CONTRACT, T("contract-changed"))
    decision = await ctx.core.enrolment.accept_contract(
        ctx.parent_id, act.application_id, text, ctx.event.user_key
    )
    if not decision.done:
        figures = {
            "needed": ctx.money(decision.needed),
            "available": ctx.money(decision.available),
        }
        return await ctx.show(Screens.CONTRACT, T("contract-not-covered", figures))
    return await ctx.show(Screens.CONTRACT, T("contract-accepted"))


@flow.action(AskDecline, on=(Screens.CONTRACT,))
async def ask_decline(ctx: Ctx, act: AskDecline) -> Screen:
    ctx.flow(OpenedContract).application_id = act.application_id
    return await ctx.show(Screens.CONTRACT_DECLINE_CONFIRM)


@flow.screen(Screens.CONTRACT_DECLINE_CONFIRM)
async def decline_confirm(ctx: Ctx) -> Screen:
    app = _opened(ctx)
    return Screen(
        [T("contract-decline-confirm")],
        [
            [Button(T("btn-contract-decline-yes"), DeclineContract(app))],
            [Button(T("btn-no"), OpenContract(app))],
        ],
    )


@flow.action(DeclineContract, on=(Screens.CONTRACT_DECLINE_CONFIRM,))
async def decline(ctx: Ctx, act: DeclineContract) -> Screen:
    await ctx.core.enrolment.decline_contract(ctx.parent_id, act.application_id)
    return await ctx.show(Screens.APPS, T("contract-declined"))


@flow.action(ShowAccepted, on=(Screens.CONTRACT,))
async def show_accepted(ctx: Ctx, act: ShowAccepted) -> Screen:
    ctx.flow(OpenedContract).application_id = act.application_id
    return await ctx.show(Screens.CONTRACT_TEXT)


@flow.screen(Screens.CONTRACT_TEXT)
async def accepted_text(ctx: Ctx) -> Screen:
    app = _opened(ctx)
    c = await ctx.core.enrolment.contract(ctx.parent_id, app)
    if not c.text:
        raise DomainError("contract_not_found")
    at = ctx.local_time(c.concluded_at) if c.concluded_at else "—"
    return Screen(
        [Data(c.text), T("contract-accepted-as", {"at": at, "digest": c.digest or "—"})],
        [[back(OpenContract(app)), menu_button()]],
    )
