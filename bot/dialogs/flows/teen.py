"""A parent invites a child of 14 or more to act in the chat with an account of their own
(003 §2.8.1): a one-time code the child types with /link. The parent keeps seeing every
application and debit, and may cancel."""

from __future__ import annotations

from bot.dialogs.actions import InviteTeen, OpenChild
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

flow = Flow("teen")


@flow_state("teen-invite", draft=True)
class Invitation(FlowState):
    code: str | None = None
    child_id: int | None = None


@flow.action(InviteTeen, on=(Screens.CHILD,))
async def invite(ctx: Ctx, act: InviteTeen) -> Screen:
    invitation = ctx.begin(Invitation)
    invitation.code = await ctx.core.family.invite_teen(ctx.parent_id, act.child_id)
    invitation.child_id = act.child_id
    return await ctx.show(Screens.TEEN_INVITE)


@flow.screen(Screens.TEEN_INVITE)
async def invite_screen(ctx: Ctx) -> Screen:
    invitation = ctx.flow(Invitation)
    code, child = invitation.code, invitation.child_id
    if not code or child is None:
        raise DomainError("stale-button")
    return Screen([T("teen-invite", {"code": code})], [[back(OpenChild(child)), menu_button()]])
