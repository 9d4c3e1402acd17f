"""A МОЦ's confirmer: the certificates waiting for the documents to be checked, oldest
request first, paged; the child's full details; confirm, or reject with a reason. Someone
without the role sees nothing of it."""

from __future__ import annotations

from bot.dialogs.engine import Ctx, registry
from bot.dialogs.flows.common import back, label, menu_button, nav_rows
from bot.dialogs.screen import Button, Screen, T
from core.errors import DomainError
from core.rules.numbers import is_id
from core.rules.people import format_snils
from core.services import confirmations


@registry.action("cq")
async def to_queue(ctx: Ctx, raw: str = "") -> Screen:
    ctx.data["cq_page"] = int(raw) if is_id(raw) or raw == "0" else 0
    return await ctx.show("confirm-queue")


@registry.screen("confirm-queue")
async def queue(ctx: Ctx) -> Screen:
    page = int(ctx.data.get("cq_page", 0))
    async with ctx.reader() as uow:
        items, total = await confirmations.pending(uow, ctx.parent_id, page=page)
    if not total:
        return Screen([T("cq-empty")], [[menu_button()]])
    pages = -(-total // confirmations.PAGE)
    if not items and page:  # the last page emptied meanwhile
        ctx.data["cq_page"] = pages - 1
        return await ctx.show("confirm-queue")
    parts = [T("cq-title", {"count": total, "page": page + 1, "pages": pages})]
    rows = [
        [Button(label(f"{p.full_name}, {p.birth_date:%d.%m.%Y}"), f"cc:{p.id}")] for p in items
    ]
    rows += nav_rows(page, pages, "cq")
    rows.append([menu_button()])
    return Screen(parts, rows)


@registry.action("cc")
async def to_card(ctx: Ctx, raw: str = "") -> Screen:
    if not is_id(raw):
        raise DomainError("certificate_not_awaiting")
    ctx.data["cc"] = int(raw)
    return await ctx.show("confirm-card")


@registry.screen("confirm-card")
async def card(ctx: Ctx) -> Screen:
    cert_id = int(ctx.data.get("cc", 0))
    async with ctx.reader() as uow:
        p = await confirmations.pending_one(uow, ctx.parent_id, cert_id)
    parts = [
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
    rows = [
        [Button(T("btn-cc-confirm"), f"cc-yes:{p.id}")],
        [Button(T("btn-cc-reject"), f"cc-no:{p.id}")],
        [back("cq"), menu_button()],
    ]
    return Screen(parts, rows)


@registry.action("cc-yes", on=("confirm-card",))
async def confirm(ctx: Ctx, raw: str = "") -> Screen:
    if not is_id(raw):
        raise DomainError("stale-button")
    await ctx.run(confirmations.confirm, ctx.parent_id, int(raw))
    return await ctx.show("confirm-queue", T("cc-confirmed"))


@registry.action("cc-no", on=("confirm-card",))
async def reject(ctx: Ctx, raw: str = "") -> Screen:
    if not is_id(raw):
        raise DomainError("stale-button")
    ctx.data["cc"] = int(raw)
    return await ctx.show("confirm-reason")


@registry.screen("confirm-reason")
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("cc-ask-reason")], [[back("cq")]], expect="text")


@registry.text("confirm-reason")
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.run(confirmations.reject, ctx.parent_id, int(ctx.data.get("cc", 0)), text)
    return await ctx.show("confirm-queue", T("cc-rejected"))


@registry.command("confirm")
async def confirm_command(ctx: Ctx, arg: str) -> Screen:
    return await to_queue(ctx)
