"""Start, consent, menu, language and cancel (privacy and withdrawal: privacy.py)."""

from __future__ import annotations

import bot.dialogs.flows.card as card_flow
import bot.dialogs.flows.teen_own as teen_own
from bot.dialogs.actions import (
    Action,
    GiveConsent,
    OpenApplications,
    OpenBalance,
    OpenBroadcasts,
    OpenChildren,
    OpenConfirmQueue,
    OpenHelp,
    OpenLink,
    OpenMenu,
    OpenPrivacy,
    OpenProviderQueue,
    OpenReviews,
    OpenSearch,
    OpenStats,
    StartBroadcast,
    SwitchLanguage,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.children import AddChild
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from bot.i18n import LANGUAGES
from core.errors import DomainError
from core.port import CONSENT_VERSION
from core.rules.numbers import is_id

flow = Flow("start")

DEEP_LINK_PREFIX = "prog_"


@action("welcome")
class ShowWelcome(Action):
    pass


@action("policy")
class ShowPolicy(Action):
    pass


@flow.command("start", teen=True)
async def start(ctx: Ctx, arg: str) -> Screen:
    if arg.startswith(DEEP_LINK_PREFIX) and is_id(arg[len(DEEP_LINK_PREFIX) :]):
        program_id = int(arg[len(DEEP_LINK_PREFIX) :])
        try:
            await ctx.core.catalogue.card(program_id)
        except DomainError:
            return await ctx.show(Screens.MENU, T("program_not_found"))
        ctx.flow(card_flow.CardShown).program_id = program_id
        return await ctx.show(Screens.CARD)
    view = await ctx.parent()
    if not view.consent:
        return await ctx.show(Screens.WELCOME)
    return await ctx.show(Screens.MENU, T("welcome-back"))


@flow.screen(Screens.WELCOME)
async def welcome(ctx: Ctx) -> Screen:
    return Screen(
        [T("welcome"), T("consent-ask")],
        [
            [Button(T("btn-consent"), GiveConsent())],
            [Button(T("btn-policy"), ShowPolicy())],
            # a child of 14 to 17 may register themselves (flows/teen_own.py)
            [Button(T("btn-self-start"), teen_own.StartSelf())],
            [Button(T("btn-search"), OpenSearch()), Button(T("btn-language"), SwitchLanguage())],
        ],
    )


def _policy(ctx: Ctx) -> dict[str, object]:
    p = ctx.policy
    return {
        "version": CONSENT_VERSION,
        "named": bool(p.operator_name),
        "operator": p.operator_name,
        "address": p.operator_address or "—",
        "contact": p.operator_contact or "—",
        "hours": p.state_hours,
        "expiry": p.expiry_days,
    }


@flow.screen(Screens.POLICY)
async def policy(ctx: Ctx) -> Screen:
    return Screen(
        [T("policy-text", _policy(ctx))],
        [[Button(T("btn-consent"), GiveConsent())], [Button(T("btn-back"), ShowWelcome())]],
    )


@flow.action(ShowWelcome)
async def to_welcome(ctx: Ctx, _: ShowWelcome) -> Screen:
    return await ctx.show(Screens.WELCOME)


@flow.action(ShowPolicy)
async def to_policy(ctx: Ctx, _: ShowPolicy) -> Screen:
    return await ctx.show(Screens.POLICY)


@flow.action(GiveConsent)
async def consent(ctx: Ctx, _: GiveConsent) -> Screen:
    await ctx.core.family.give_consent(ctx.parent_id)
    ctx.forget_parent()
    screen = await ctx.show(Screens.MENU, T("consent-given"))
    if ctx.teen is None and not await ctx.children():
        # a family with no child yet: adding one is the next thing to do, one press away
        # (here, not on every menu: the menu costs no statement)
        screen.rows.insert(0, [Button(T("btn-add-child"), AddChild())])
    return screen


@flow.screen(Screens.MENU)
async def menu(ctx: Ctx) -> Screen:
    view = await ctx.parent()
    is_provider = "provider" in view.roles
    is_coordinator = "coordinator" in view.roles
    if not view.consent:
        rows = [
            [Button(T("btn-search"), OpenSearch())],
            [Button(T("btn-help"), OpenHelp()), Button(T("btn-language"), SwitchLanguage())],
        ]
        if ctx.teen is None:  # a child's own account waits for the parent's consent
            rows.insert(0, [Button(T("btn-consent"), GiveConsent())])
        return Screen([T("menu-no-consent")], rows)
    if ctx.teen is not None:
        # a child's own account: search and apply for themselves; the rest is the parent's
        rows = [
            [Button(T("btn-search"), OpenSearch()), Button(T("btn-apps"), OpenApplications())],
            [Button(T("btn-my-cert"), teen_own.OpenMyCertificate())],
            [Button(T("btn-balance"), OpenBalance()), Button(T("btn-help"), OpenHelp())],
        ]
        if await ctx.core.family.teen_alone(ctx.parent_id):
            # a child registered alone: the family's data are theirs (flows/privacy.py)
            rows.append([Button(T("btn-privacy"), OpenPrivacy())])
        return Screen([T("menu-teen")], rows)
    rows = [
        [Button(T("btn-children"), OpenChildren()), Button(T("btn-search"), OpenSearch())],
        [Button(T("btn-apps"), OpenApplications()), Button(T("btn-balance"), OpenBalance())],
        [Button(T("btn-privacy"), OpenPrivacy()), Button(T("btn-help"), OpenHelp())],
        [Button(T("btn-link"), OpenLink()), Button(T("btn-language"), SwitchLanguage())],
    ]
    if {"coordinator", "confirmer", "operator"} & set(view.roles):
        rows.insert(2, [Button(T("btn-stats"), OpenStats())])
    if is_provider:
        rows.insert(2, [Button(T("btn-provider-queue"), OpenProviderQueue())])
    if "confirmer" in view.roles:
        rows.insert(2, [Button(T("btn-confirm-queue"), OpenConfirmQueue())])
    if is_coordinator:
        rows.insert(
            2,
            [
                Button(T("btn-broadcast"), StartBroadcast()),
                Button(T("btn-bc-last"), OpenBroadcasts()),
                Button(T("btn-reviews"), OpenReviews()),
            ],
        )
    return Screen([T("menu-title")], rows)


@flow.action(OpenMenu, teen=True)
async def to_menu(ctx: Ctx, _: OpenMenu) -> Screen:
    return await ctx.show(Screens.MENU)


@flow.command("menu", teen=True)
async def menu_command(ctx: Ctx, arg: str) -> Screen:
    return await ctx.show(Screens.MENU)


@flow.command("cancel", teen=True)
async def cancel(ctx: Ctx, arg: str) -> Screen:
    ctx.drop_flows()  # every flow's draft and choices, the broadcast's too
    return await ctx.show(Screens.MENU, T("cancelled"))


@flow.action(SwitchLanguage, teen=True)
async def language(ctx: Ctx, _: SwitchLanguage) -> Screen:
    new = LANGUAGES[(LANGUAGES.index(ctx.lang) + 1) % len(LANGUAGES)]
    # a child's own account changes its own language, not the family's
    await ctx.core.family.set_language(ctx.parent_id, new, ctx.teen)
    ctx.forget_parent()
    ctx.state.lang = new
    return await ctx.current()


@flow.command("language", teen=True)
async def language_command(ctx: Ctx, arg: str) -> Screen:
    return await language(ctx, SwitchLanguage())
