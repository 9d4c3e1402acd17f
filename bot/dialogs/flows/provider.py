"""A provider's staff: pending applications of their groups; accept, reject with a
reason, enrol. Someone without the role sees nothing of it."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenProviderQueue, action
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import back, label, menu_button
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.registry import registry
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.rules.enrolment import AppStatus


@action("pa")
class OpenProviderApplication(Action):
    application_id: int


@action("pd")
class Decide(Action):
    application_id: int
    status: str  # "accepted" or "enrolled"


@action("preject")
class AskRejectReason(Action):
    application_id: int


@flow_state("provider")
class Opened(FlowState):
    """The application the provider's staff member is looking at."""

    application_id: int | None = None


def _application(ctx: Ctx) -> int:
    return need(ctx.flow(Opened).application_id)


DECISIONS = frozenset({AppStatus.ACCEPTED.value, AppStatus.ENROLLED.value})


async def _require_provider(ctx: Ctx) -> None:
    if not await ctx.core.staff.is_provider(ctx.parent_id):
        raise DomainError("not_allowed")


@registry.action(OpenProviderQueue)
async def to_queue(ctx: Ctx, _: OpenProviderQueue) -> Screen:
    await _require_provider(ctx)
    return await ctx.show(Screens.PROVIDER_QUEUE)


@registry.screen(Screens.PROVIDER_QUEUE)
async def queue(ctx: Ctx) -> Screen:
    apps = await ctx.core.staff.provider_queue(ctx.parent_id)
    if not apps:
        return Screen([T("pq-empty")], [[menu_button()]])
    parts = [T("pq-title", {"count": len(apps)})]
    rows = [
        [Button(label(f"{a.program} · {a.group}"), OpenProviderApplication(a.id))]
        for a in apps[:10]
    ]
    rows.append([menu_button()])
    return Screen(parts, rows)


@registry.action(OpenProviderApplication)
async def to_app(ctx: Ctx, act: OpenProviderApplication) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_APP)


@registry.screen(Screens.PROVIDER_APP)
async def provider_app(ctx: Ctx) -> Screen:
    a = await ctx.core.staff.provider_application(ctx.parent_id, _application(ctx))
    parts = [
        T(
            "pa-card",
            {
                "child": a.child_name or "—",
                "program": a.program,
                "group": a.group,
                "status": T(f"status-{a.status.value}"),
                "date": a.created_at.date(),
            },
        )
    ]
    rows = []
    if a.status == AppStatus.SUBMITTED:
        rows.append([Button(T("btn-accept"), Decide(a.id, AppStatus.ACCEPTED.value))])
    if a.status == AppStatus.ACCEPTED:
        rows.append([Button(T("btn-enrol"), Decide(a.id, AppStatus.ENROLLED.value))])
    rows.append([Button(T("btn-reject"), AskRejectReason(a.id))])
    rows.append([back(OpenProviderQueue()), menu_button()])
    return Screen(parts, rows)


@registry.action(Decide, on=(Screens.PROVIDER_APP,))
async def decide(ctx: Ctx, act: Decide) -> Screen:
    if act.status not in DECISIONS:
        raise DomainError("stale-button")
    status = act.status
    decision = await ctx.core.staff.decide(ctx.parent_id, act.application_id, AppStatus(status))
    if not decision.done:
        # the certificate no longer covers the quote: the application stays, the family
        # was told
        figures = {
            "needed": ctx.money(decision.needed),
            "available": ctx.money(decision.available),
        }
        return await ctx.show(Screens.PROVIDER_APP, T("pd-not-covered", figures))
    return await ctx.show(Screens.PROVIDER_QUEUE, T(f"pd-{status}"))


@registry.action(AskRejectReason, on=(Screens.PROVIDER_APP,))
async def reject(ctx: Ctx, act: AskRejectReason) -> Screen:
    ctx.flow(Opened).application_id = act.application_id
    return await ctx.show(Screens.PROVIDER_REASON)


@registry.screen(Screens.PROVIDER_REASON)
async def reason(ctx: Ctx) -> Screen:
    return Screen([T("ask-reason")], [[back(OpenProviderQueue())]], expect="text")


@registry.text(Screens.PROVIDER_REASON)
async def on_reason(ctx: Ctx, text: str) -> Screen:
    await ctx.core.staff.decide(ctx.parent_id, _application(ctx), AppStatus.REJECTED, text)
    return await ctx.show(Screens.PROVIDER_QUEUE, T("pd-rejected"))
