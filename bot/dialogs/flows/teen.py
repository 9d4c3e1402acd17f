"""A parent invites a child of 14 or more to act in the chat with an account of their own
(003 §2.8.1): a one-time code the child types with /link. The parent keeps seeing every
application and debit, and may cancel."""

from __future__ import annotations

from bot.dialogs.engine import Ctx, registry
from bot.dialogs.flows.common import back, menu_button
from bot.dialogs.screen import Screen, T
from core.errors import DomainError
from core.rules.numbers import is_id
from core.services import teens


@registry.action("teen-invite", on=("child",))
async def invite(ctx: Ctx, raw: str = "") -> Screen:
    if not is_id(raw):
        raise DomainError("child_not_found")
    ctx.data["teen_code"] = await ctx.run(teens.invite, ctx.parent_id, int(raw))
    ctx.data["child"] = int(raw)
    return await ctx.show("teen-invite")


@registry.screen("teen-invite")
async def invite_screen(ctx: Ctx) -> Screen:
    code = ctx.data.get("teen_code")
    child = ctx.data.get("child")
    if not code or child is None:
        raise DomainError("stale-button")
    return Screen([T("teen-invite", {"code": code})], [[back(f"child:{child}"), menu_button()]])
