"""Children: the list, a child's card with its certificate, remove. Adding and editing a
child, step by step, is child_form.py."""

from __future__ import annotations

from bot.dialogs.actions import (
    Action,
    InviteTeen,
    OpenCertificateLink,
    OpenChild,
    OpenChildren,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.balance import funding_lines
from bot.dialogs.flows.common import (
    back,
    label,
    menu_button,
    require_consent,
    what_ends,
)
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Lines, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.port import TEEN_AGE, CertificateView
from core.rules.enrolment import CertStatus
from core.rules.people import format_snils

flow = Flow("children")


@action("cert-issue")
class IssueCertificate(Action):
    child_id: int


@action("cert-fund")
class FundCertificate(Action):
    child_id: int


@action("child-add")
class AddChild(Action):
    pass


@action("child-edit")
class EditChild(Action):
    child_id: int


@action("child-remove")
class AskRemoveChild(Action):
    child_id: int


@action("child-remove-yes")
class RemoveChild(Action):
    child_id: int


@flow_state("child")
class Shown(FlowState):
    """The child whose card is open."""

    child_id: int | None = None


def _child_id(ctx: Ctx) -> int:
    return need(ctx.flow(Shown).child_id, "child_not_found")


@flow.screen(Screens.CHILDREN)
async def children_screen(ctx: Ctx) -> Screen:
    kids = await ctx.children()  # a child's own account sees itself only
    parts = [T("children-title", {"count": len(kids)})]
    rows = [[Button(label(f"{k.name} {k.surname}"), OpenChild(k.id))] for k in kids]
    rows.append([Button(T("btn-add-child"), AddChild())])
    rows.append([Button(T("btn-cert-link"), OpenCertificateLink())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(OpenChildren)
async def to_children(ctx: Ctx, _: OpenChildren) -> Screen:
    await require_consent(ctx)
    return await ctx.show(Screens.CHILDREN)


@flow.command("children")
async def children_command(ctx: Ctx, arg: str) -> Screen:
    return await to_children(ctx, OpenChildren())


@flow.action(OpenChild)
async def to_child(ctx: Ctx, act: OpenChild) -> Screen:
    ctx.flow(Shown).child_id = act.child_id
    return await ctx.show(Screens.CHILD)


def _masked(snils: str | None) -> str:
    return "—" if not snils else "***-***-*" + format_snils(snils)[-5:]


@flow.screen(Screens.CHILD)
async def child_screen(ctx: Ctx) -> Screen:
    child_id = _child_id(ctx)
    card = await ctx.core.certificates.child_card(ctx.parent_id, child_id)
    kid, cert = card.child, card.certificate
    parts: list[Piece] = [
        T(
            "child-card",
            {
                "name": kid.full_name,
                "born": kid.birth_date,
                "age": kid.age,
                "municipality": kid.municipality,
                "snils": _masked(kid.snils),
            },
        )
    ]
    rows: list[list[Button]] = []
    if cert is None:
        parts.append(T("cert-none"))
        rows.append([Button(T("btn-cert-issue"), IssueCertificate(child_id))])
    else:
        parts.append(_cert_piece(ctx, cert))
        awaiting = cert.status == CertStatus.AWAITING and not cert.funding_requested
        if cert.status == CertStatus.ACCOUNTING or awaiting:
            rows.append([Button(T("btn-cert-fund"), FundCertificate(child_id))])
        if cert.status == CertStatus.REJECTED:
            rows.append([Button(T("btn-cert-again"), IssueCertificate(child_id))])
    if kid.age >= TEEN_AGE:
        rows.append([Button(T("btn-teen-invite"), InviteTeen(child_id))])
    confirmed = cert is not None and cert.status not in (CertStatus.AWAITING, CertStatus.REJECTED)
    if confirmed and await ctx.core.family.correction_pending(ctx.parent_id, child_id):
        parts.append(T("child-correction-pending"))
    rows.append(
        [
            Button(
                T("btn-ask-correction" if confirmed else "btn-edit"),
                EditChild(child_id),
            ),
            Button(T("btn-remove"), AskRemoveChild(child_id)),
        ]
    )
    rows.append([back(OpenChildren()), menu_button()])
    return Screen(parts, rows)


def _cert_piece(ctx: Ctx, cert: CertificateView) -> Piece:
    if cert.status == CertStatus.FUNDED:
        card = T(
            "cert-funded-card",
            {
                "number": cert.number,
                "nominal": ctx.money(cert.nominal or 0),
                "total": ctx.money(cert.total),
                "reserved": ctx.money(cert.reserved),
                "available": ctx.money(cert.available),
            },
        )
        return Lines([card, *funding_lines(ctx, cert.terms)])
    if cert.status == CertStatus.QUEUED:
        return T("cert-queued-card", {"number": cert.number, "position": cert.queue_position})
    if cert.status in (CertStatus.AWAITING, CertStatus.REJECTED):
        office = cert.office
        return T(
            f"cert-{cert.status.value}-card",
            {
                "number": cert.number,
                "funding": cert.funding_requested,
                "reason": cert.rejection_reason or "—",
                "municipality": office.municipality if office else "—",
                "address": (office.address if office else "") or "—",
                "hours": (office.hours if office else "") or "—",
                "phone": (office.phone if office else "") or "—",
            },
        )
    return T(f"cert-{cert.status.value}-card", {"number": cert.number})


@flow.action(IssueCertificate, on=(Screens.CHILD,))
async def cert_issue(ctx: Ctx, act: IssueCertificate) -> Screen:
    child_id = act.child_id
    ctx.flow(Shown).child_id = child_id
    if ctx.teen is not None:  # a teen's own request: no parent's passport to check
        await ctx.core.certificates.issue(ctx.parent_id, child_id)
        return await ctx.show(Screens.CHILD, T("cert-issued"))
    return await ctx.show(Screens.CERT_APPLICANT)


@flow.screen(Screens.CERT_APPLICANT)
async def cert_applicant(ctx: Ctx) -> Screen:
    """The parent's full name, for the passport check at the МОЦ; the text says it is kept
    only until the documents are checked (the core drops it on confirmation or refusal)."""
    child_id = _child_id(ctx)
    return Screen(
        [T("cert-ask-applicant")], [[back(OpenChild(child_id)), menu_button()]], expect="text"
    )


@flow.text(Screens.CERT_APPLICANT)
async def on_cert_applicant(ctx: Ctx, text: str) -> Screen:
    await ctx.core.certificates.issue(ctx.parent_id, _child_id(ctx), text)
    return await ctx.show(Screens.CHILD, T("cert-issued"))


@flow.action(FundCertificate, on=(Screens.CHILD,))
async def cert_fund(ctx: Ctx, act: FundCertificate) -> Screen:
    child_id = act.child_id
    status = await ctx.core.certificates.request_funding(ctx.parent_id, child_id)
    ctx.flow(Shown).child_id = child_id
    notice = {
        CertStatus.FUNDED: "cert-fund-granted",
        CertStatus.AWAITING: "cert-fund-after-confirmation",
    }.get(status, "cert-fund-queued")
    return await ctx.show(Screens.CHILD, T(notice))


@flow.screen(Screens.CHILD_REMOVE_CONFIRM)
async def child_remove_confirm(ctx: Ctx) -> Screen:
    child_id = _child_id(ctx)
    kid = await ctx.core.family.child(ctx.parent_id, child_id)
    return Screen(
        [T("child-remove-confirm", {"name": kid.name}), *await what_ends(ctx, child_id)],
        [
            [Button(T("btn-remove-yes"), RemoveChild(child_id))],
            [Button(T("btn-no"), OpenChild(child_id))],
        ],
    )


@flow.action(AskRemoveChild)
async def child_remove(ctx: Ctx, act: AskRemoveChild) -> Screen:
    ctx.flow(Shown).child_id = act.child_id
    return await ctx.show(Screens.CHILD_REMOVE_CONFIRM)


@flow.action(RemoveChild, on=(Screens.CHILD_REMOVE_CONFIRM,))
async def child_remove_yes(ctx: Ctx, act: RemoveChild) -> Screen:
    child_id = act.child_id
    # the child's own account (14+) goes with the child: its dialog is forgotten too
    own = await ctx.core.family.remove_child(ctx.parent_id, child_id)
    await ctx.forget_accounts(*own)
    ctx.end_flow(Shown)
    return await ctx.show(Screens.CHILDREN, T("child-removed"))
