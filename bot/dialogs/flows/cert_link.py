"""A family that already holds a certificate number from the regional navigator: the
number, the child's birth date, then the child's СНИЛС (the number and the birth date are
no proof: providers see both). Where the region's register holds no СНИЛС of the child,
the link is a request the МОЦ confirms with the documents, as for a new registration.
Where the number is, if forgotten, is said on the first screen."""

from __future__ import annotations

from datetime import date

import bot.dialogs.flows.children as children_flow
from bot.dialogs.actions import Action, OpenCertificateLink, OpenChildren, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button, require_consent
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import NUMBER_MAX, normalise_number
from core.rules.people import parse_birth_date, parse_snils

flow = Flow("cert_link")


@action("cl-no-snils")
class LinkWithoutSnils(Action):
    pass


@flow_state("cert-link", draft=True)
class CertLink(FlowState):
    number: str | None = None  # typed, waiting for the birth date
    born: str | None = None  # ISO date, typed, waiting for the СНИЛС


@flow.action(OpenCertificateLink)
async def to_link(ctx: Ctx, _: OpenCertificateLink) -> Screen:
    await require_consent(ctx)
    ctx.begin(CertLink)
    return await ctx.show(Screens.CERT_LINK_NUMBER)


@flow.screen(Screens.CERT_LINK_NUMBER)
async def ask_number(ctx: Ctx) -> Screen:
    return Screen(
        [T("cert-link-ask-number")], [[back(OpenChildren()), menu_button()]], expect="text"
    )


@flow.text(Screens.CERT_LINK_NUMBER)
async def on_number(ctx: Ctx, text: str) -> Screen:
    number = normalise_number(text)
    if not number or len(number) > NUMBER_MAX:
        return await ctx.show(Screens.CERT_LINK_NUMBER, T("cert-link-number-invalid"))
    ctx.flow(CertLink).number = number
    return await ctx.show(Screens.CERT_LINK_BIRTH)


@flow.screen(Screens.CERT_LINK_BIRTH)
async def ask_birth(ctx: Ctx) -> Screen:
    if not ctx.flow(CertLink).number:
        raise DomainError("stale-button")
    return Screen(
        [T("cert-link-ask-birth")],
        [[back(OpenCertificateLink()), menu_button()]],
        expect="text",
    )


@flow.text(Screens.CERT_LINK_BIRTH)
async def on_birth(ctx: Ctx, text: str) -> Screen:
    if not ctx.flow(CertLink).number:
        raise DomainError("stale-button")
    ctx.flow(CertLink).born = parse_birth_date(text, ctx.today()).isoformat()
    return await ctx.show(Screens.CERT_LINK_SNILS)


@flow.screen(Screens.CERT_LINK_SNILS)
async def ask_snils(ctx: Ctx) -> Screen:
    flow = ctx.flow(CertLink)
    if not flow.number or not flow.born:
        raise DomainError("stale-button")
    return Screen(
        [T("cert-link-ask-snils")],
        [
            [Button(T("btn-cert-link-no-snils"), LinkWithoutSnils())],
            [back(OpenCertificateLink()), menu_button()],
        ],
        expect="text",
    )


@flow.text(Screens.CERT_LINK_SNILS)
async def on_snils(ctx: Ctx, text: str) -> Screen:
    return await _link(ctx, parse_snils(text))


@flow.action(LinkWithoutSnils, on=(Screens.CERT_LINK_SNILS,))
async def without_snils(ctx: Ctx, _: LinkWithoutSnils) -> Screen:
    return await _link(ctx, None)


async def _link(ctx: Ctx, snils: str | None) -> Screen:
    flow = ctx.flow(CertLink)
    number, born = flow.number, flow.born
    if not number or not born:
        raise DomainError("stale-button")
    outcome = await ctx.core.certificates.link_by_number(
        ctx.parent_id, str(number), date.fromisoformat(born), snils
    )
    ctx.end_flow(CertLink)
    if outcome.requested:
        return await ctx.show(Screens.CHILDREN, T("cert-link-requested"))
    if outcome.child_id is None:
        return await ctx.show(Screens.CERT_LINK_NUMBER, T("cert-link-failed"))
    ctx.flow(children_flow.Shown).child_id = outcome.child_id
    return await ctx.show(Screens.CHILD, T("cert-linked"))
