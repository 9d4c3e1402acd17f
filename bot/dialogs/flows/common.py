"""Small pieces several flows share."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.dialogs.actions import Action, OpenMenu
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Data, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

LABEL_MAX = 40  # VK's limit for a button label; Telegram's is larger


def menu_button() -> Button:
    return Button(T("btn-menu"), OpenMenu())


def back(action: Action) -> Button:
    return Button(T("btn-back"), action)


def label(text: str) -> Data:
    """A button label from data (a name), cut to what every platform shows."""
    text = " ".join(text.split())
    return Data(text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…")


async def require_consent(ctx: Ctx) -> None:
    view = await ctx.parent()
    if not view.consent:
        raise DomainError("consent_required")


PageAction = Callable[[int], Action]  # page number → the action that shows it


def page_rows(
    items: list[Button], page: int, action: PageAction, per_page: int = 8, per_row: int = 2
) -> tuple[list[list[Button]], int]:
    """Long lists page instead of being cut: items of ``page`` and ◀ ▶ when needed."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(0, page), pages - 1)
    chunk = items[page * per_page : (page + 1) * per_page]
    rows = [chunk[i : i + per_row] for i in range(0, len(chunk), per_row)]
    rows += nav_rows(page, pages, action)
    return rows, page


def nav_rows(page: int, pages: int, action: PageAction) -> list[list[Button]]:
    """◀ ▶ between pages (``action(n)``); nothing when there is one page."""
    nav = []
    if page > 0:
        nav.append(Button(T("btn-prev"), action(page - 1)))
    if page < pages - 1:
        nav.append(Button(T("btn-next"), action(page + 1)))
    return [nav] if nav else []


async def municipality_rows(
    ctx: Ctx, choose: Callable[[int], Action], page_action: type[MunicipalityPage]
) -> tuple[list[T], list[list[Button]]]:
    """The municipality picker both flows use: filtered by what was typed, paged.

    Returns (notices, rows): a button ``choose(id)`` per municipality and ◀ ▶."""
    picker = ctx.flow(Picker)
    query = picker.query
    notices = []
    munis = await ctx.core.catalogue.municipalities(query)
    if query and not munis:  # nothing matched: say so and show the whole list
        notices.append(T("muni-not-found", {"query": query[:40]}))
        munis = await ctx.core.catalogue.municipalities()
    buttons = [Button(label(name), choose(mid)) for mid, name in munis]
    rows, _ = page_rows(buttons, picker.page, page_action)
    return notices, rows


@flow_state("muni-picker", draft=True)
class Picker(FlowState):
    """The municipality picker's filter (what was typed) and page."""

    query: str = ""
    page: int = 0


@dataclasses.dataclass(frozen=True)
class MunicipalityPage(Action):
    """A page of a municipality picker (each picker registers its own subclass)."""

    page: int


def register_municipality_picker(
    flow: Flow, screen: Screens, page_action: type[MunicipalityPage]
) -> None:
    """On ``flow``: typing filters the list; ◀ ▶ page it. The choice itself stays with
    each flow."""

    async def on_text(ctx: Ctx, text: str) -> Screen:
        picker = ctx.flow(Picker)
        picker.query, picker.page = text[:60], 0
        return await ctx.show(screen)

    async def on_page(ctx: Ctx, act: MunicipalityPage) -> Screen:
        ctx.flow(Picker).page = act.page
        return await ctx.show(screen)

    flow.text(screen)(on_text)
    flow.action(page_action, on=(screen,))(on_page)


def forget_municipality_filter(ctx: Ctx) -> None:
    ctx.end_flow(Picker)


async def municipality_step(
    ctx: Ctx,
    prompt: str,
    choose: Callable[[int], Action],
    page_action: type[MunicipalityPage],
    cancel: Action,
) -> Screen:
    """The municipality step of a registration (a parent's child form, a teen's own
    entry): ``prompt``, the picker and a cancel button."""
    notices, rows = await municipality_rows(ctx, choose, page_action)
    rows.append([Button(T("btn-cancel"), cancel)])
    return Screen([T(prompt), *notices], rows, expect="text")


async def chosen_municipality(ctx: Ctx, municipality_id: int) -> int:
    """A municipality picked at a registration's step, if it is still known; the
    picker's filter is forgotten."""
    known = {mid for mid, _ in await ctx.core.catalogue.municipalities()}
    if municipality_id not in known:
        raise DomainError("municipality_not_found")
    forget_municipality_filter(ctx)
    return municipality_id


async def what_ends(ctx: Ctx, child_id: int | None = None) -> list[T]:
    """The lines of a withdrawal's or a removal's confirmation: each club (what is still
    debited for it, what returns), each certificate (its funded place goes to the queue),
    and what a registration of the child again brings back (core.enrolment.leaving)."""
    ends = await ctx.core.family.leaving(ctx.parent_id, child_id)
    parts: list[T] = []
    if ends.endings or ends.certificates:
        parts.append(T("withdraw-ends-title"))
    for e in ends.endings:
        figures = {
            "child": e.child,
            "program": e.program,
            "debit": ctx.money(e.debited),
            "returned": ctx.money(e.returned),
            "held": e.returned > 0,
            "told": e.told,
        }
        parts.append(
            T("withdraw-ends-enrolled" if e.studying else "withdraw-ends-pending", figures)
        )
    for c in ends.certificates:
        key = (
            "leave-cert-funded"
            if c.funded
            else "leave-cert-queued"
            if c.queued
            else "leave-cert-other"
        )
        parts.append(T(key, {"child": c.child, "number": c.number, "left": ctx.money(c.left)}))
    if ends.certificates:
        parts.append(T("leave-again"))
    return parts
