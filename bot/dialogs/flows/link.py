"""Linking Telegram and VK: a one-time code shown here, typed in the other messenger."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenLink, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

flow = Flow("link")


@action("link-enter")
class EnterCode(Action):
    pass


@flow_state("link", draft=True)
class Linking(FlowState):
    code: str | None = None  # the code shown to type in the other messenger


@flow.action(OpenLink)
async def to_link(ctx: Ctx, _: OpenLink) -> Screen:
    ctx.begin(Linking).code = await ctx.core.family.link_code(ctx.parent_id)
    return await ctx.show(Screens.LINK)


@flow.screen(Screens.LINK)
async def link(ctx: Ctx) -> Screen:
    code = ctx.flow(Linking).code
    parts = [T("link-code", {"code": code})] if code else []
    parts.append(T("link-how"))
    return Screen(
        parts,
        [[Button(T("btn-link-enter"), EnterCode())], [menu_button()]],
        expect="text",
    )


@flow.action(EnterCode)
async def to_enter(ctx: Ctx, _: EnterCode) -> Screen:
    return await ctx.show(Screens.LINK_ENTER)


@flow.screen(Screens.LINK_ENTER)
async def enter(ctx: Ctx) -> Screen:
    return Screen([T("link-enter")], [[menu_button()]], expect="text")


@flow.text(Screens.LINK, Screens.LINK_ENTER)
async def on_code(ctx: Ctx, text: str) -> Screen:
    return await _redeem(ctx, text)


@flow.command("link")
async def link_command(ctx: Ctx, arg: str) -> Screen:
    if not arg:
        return await to_link(ctx, OpenLink())
    return await _redeem(ctx, arg)


async def _redeem(ctx: Ctx, code: str) -> Screen:
    # a refusal is committed (the try is counted, a live code used up) before it is said
    event = ctx.event
    joined = await ctx.core.family.redeem_link(ctx.parent_id, event.platform, event.user_id, code)
    if joined is None:
        raise DomainError("link_code_invalid")
    ctx.become(joined.parent_id, teen=joined.teen)
    # a child who registered alone is in this family now: their chat finds it again
    others = [k for k in joined.children_accounts if k != event.user_key]
    if others:
        await ctx.forget_accounts(*others)
    if joined.teen is not None:
        # a child of 14+ typed the parent's invitation: their own account in the family
        return await ctx.show(Screens.MENU, T("teen-joined"))
    return await ctx.show(Screens.MENU, T("link-done"))
