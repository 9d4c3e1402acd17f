"""A family that already holds a certificate number from the regional navigator: the
number, then the child's birth date, and the child with the certificate and its balance
appear. Where the number is, if forgotten, is said on the first screen."""

from __future__ import annotations

import bot.dialogs.flows.children as children_flow
from bot.dialogs.actions import OpenCertificateLink, OpenChildren
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import back, menu_button, require_consent
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.registry import registry
from bot.dialogs.screen import Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import NUMBER_MAX, normalise_number
from core.rules.people import parse_birth_date


@flow_state("cert-link", draft=True)
class CertLink(FlowState):
    number: str | None = None  # typed, waiting for the birth date


@registry.action(OpenCertificateLink)
async def to_link(ctx: Ctx, _: OpenCertificateLink) -> Screen:
    await require_consent(ctx)
    ctx.begin(CertLink)
    return await ctx.show(Screens.CERT_LINK_NUMBER)


@registry.screen(Screens.CERT_LINK_NUMBER)
async def ask_number(ctx: Ctx) -> Screen:
    return Screen(
        [T("cert-link-ask-number")], [[back(OpenChildren()), menu_button()]], expect="text"
    )


@registry.text(Screens.CERT_LINK_NUMBER)
async def on_number(ctx: Ctx, text: str) -> Screen:
    number = normalise_number(text)
    if not number or len(number) > NUMBER_MAX:
        return await ctx.show(Screens.CERT_LINK_NUMBER, T("cert-link-number-invalid"))
    ctx.flow(CertLink).number = number
    return await ctx.show(Screens.CERT_LINK_BIRTH)


@registry.screen(Screens.CERT_LINK_BIRTH)
async def ask_birth(ctx: Ctx) -> Screen:
    if not ctx.flow(CertLink).number:
        raise DomainError("stale-button")
    return Screen(
        [T("cert-link-ask-birth")],
        [[back(OpenCertificateLink()), menu_button()]],
        expect="text",
    )


@registry.text(Screens.CERT_LINK_BIRTH)
async def on_birth(ctx: Ctx, text: str) -> Screen:
    number = ctx.flow(CertLink).number
    if not number:
        raise DomainError("stale-button")
    born = parse_birth_date(text, ctx.today())
    child_id = await ctx.core.certificates.link_by_number(ctx.parent_id, str(number), born)
    ctx.end_flow(CertLink)
    if child_id is None:
        return await ctx.show(Screens.CERT_LINK_NUMBER, T("cert-link-failed"))
    ctx.flow(children_flow.Shown).child_id = child_id
    return await ctx.show(Screens.CHILD, T("cert-linked"))
