"""The parent's applications: the list (the one just made among them, read with it), an
application's card, cancelling and leaving. Applying itself: apply.py."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.dialogs.actions import (
    Action,
    OpenApplication,
    OpenApplications,
    OpenContract,
    OpenSearch,
    RateProgram,
    TakeSeat,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button, require_consent
from bot.dialogs.flows.contract import contract_status
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from bot.dialogs.statuses import status_key
from bot.words import Day
from core.errors import DomainError
from core.port import CONTRACT_LAPSED, OFFER_LAPSED
from core.rules.enrolment import AppStatus

flow = Flow("apps", teen=True)

APPS = "apps"  # ctx.read_ahead: the family's applications read with the one just made


@action("app-cancel")
class AskCancel(Action):
    application_id: int


@action("app-leave")
class AskLeave(Action):
    application_id: int


@action("app-cancel-yes")
class CancelApplication(Action):
    application_id: int


@action("app-leave-yes")
class LeaveApplication(Action):
    application_id: int


@flow_state("app")
class OpenedApplication(FlowState):
    application_id: int | None = None


def _opened(ctx: Ctx) -> int:
    return need(ctx.flow(OpenedApplication).application_id, "application_not_found")


@flow.screen(Screens.APPS)
async def apps_screen(ctx: Ctx) -> Screen:
    # after applying: the list the application read with it (no read of its own)
    apps = ctx.read_ahead.pop(APPS, None)
    if apps is None:
        apps = await ctx.core.enrolment.applications(ctx.parent_id)
    if ctx.teen is not None:  # a child's own account: their applications only
        apps = [a for a in apps if a.child_id == ctx.teen]
    if not apps:
        return Screen(
            [T("apps-empty")], [[Button(T("btn-search"), OpenSearch())], [menu_button()]]
        )
    parts = [T("apps-title", {"count": len(apps)})]
    for a in apps[:10]:
        parts.append(
            T(
                "apps-line",
                {
                    "child": a.child_name or "—",
                    "program": a.program,
                    "status": T(status_key(a.status.value, a.reason)),
                },
            )
        )
    rows = [
        [Button(label(f"{a.child_name}: {a.program}"), OpenApplication(a.id))] for a in apps[:10]
    ]
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(OpenApplications)
async def to_apps(ctx: Ctx, _: OpenApplications) -> Screen:
    await require_consent(ctx)
    return await ctx.show(Screens.APPS)


@flow.command("apps")
async def apps_command(ctx: Ctx, arg: str) -> Screen:
    return await to_apps(ctx, OpenApplications())


@flow.action(OpenApplication)
async def to_app(ctx: Ctx, act: OpenApplication) -> Screen:
    ctx.flow(OpenedApplication).application_id = act.application_id
    return await ctx.show(Screens.APP)


@flow.screen(Screens.APP)
async def app_screen(ctx: Ctx) -> Screen:
    opened = await ctx.core.enrolment.application(ctx.parent_id, _opened(ctx))
    a, waiting = opened.application, opened.waiting
    if ctx.teen is not None and a.child_id != ctx.teen:
        raise DomainError("application_not_found")
    parts = [
        T(
            "app-card",
            {
                "child": a.child_name or "—",
                "program": a.program,
                "provider": a.provider,
                "group": a.group,
                "schedule": a.schedule or "—",
                "status": T(status_key(a.status.value, a.reason)),
                "share": ctx.money(a.monthly_share),
                "copay": ctx.money(a.monthly_copay),
                "reserved": ctx.money(a.reserved_left),
                # the money is blocked once the contract is concluded
                "held": a.status != AppStatus.SUBMITTED
                and not (opened.contract is not None and opened.contract.status == "offered"),
            },
        )
    ]
    # when it was submitted, and while unanswered until when the provider must answer
    # (an unanswered application expires APPLICATION_EXPIRY_DAYS after: jobs.expire_unanswered)
    submitted = a.created_at.replace(tzinfo=UTC).astimezone(ctx.zone)
    parts.append(T("app-submitted", {"at": Day(submitted.date())}))
    if a.status == AppStatus.SUBMITTED:
        due = submitted + timedelta(days=ctx.policy.expiry_days)
        parts.append(T("app-answer-due", {"day": Day(due.date()), "time": f"{due:%H:%M}"}))
    if a.reason and a.reason not in (OFFER_LAPSED, CONTRACT_LAPSED):
        parts.append(T("app-reason", {"reason": a.reason}))
    if waiting is not None:
        parts.append(T("app-waiting-place", {"place": waiting.place}))
    if a.status == AppStatus.OFFERED and a.hold_until is not None:
        parts.append(T("app-offered-until", {"until": ctx.local_time(a.hold_until)}))
    rows = []
    c = opened.contract
    if c is not None:
        # the contract and where it stands; a child's own account does not conclude it
        parts.append(contract_status(ctx, c))
        if ctx.teen is None:
            rows.append([Button(T("btn-contract-open"), OpenContract(a.id))])
    if a.status == AppStatus.OFFERED:
        rows.append([Button(T("btn-take-seat"), TakeSeat(a.id))])
        rows.append([Button(T("btn-decline-seat"), AskCancel(a.id))])
    if a.status == AppStatus.WAITING:
        rows.append([Button(T("btn-leave-list"), AskCancel(a.id))])
    if a.status in (AppStatus.SUBMITTED, AppStatus.ACCEPTED):
        rows.append([Button(T("btn-app-cancel"), AskCancel(a.id))])
    if a.status == AppStatus.ENROLLED:
        rows.append([Button(T("btn-app-leave"), AskLeave(a.id))])
    if opened.may_rate and ctx.teen is None:  # a month of studies: the parent may rate
        rows.append([Button(T("btn-rate"), RateProgram(a.id))])
    rows.append([back(OpenApplications()), menu_button()])
    return Screen(parts, rows)


@flow.screen(Screens.APP_CANCEL_CONFIRM)
async def app_cancel_confirm(ctx: Ctx) -> Screen:
    app = _opened(ctx)
    # the reserve is promised back only when the application holds one
    held = (await ctx.core.enrolment.application(ctx.parent_id, app)).application.reserved_left
    return Screen(
        [T("app-cancel-confirm", {"held": held > 0, "reserved": ctx.money(held)})],
        [
            [Button(T("btn-app-cancel-yes"), CancelApplication(app))],
            [Button(T("btn-no"), OpenApplication(app))],
        ],
    )


@flow.screen(Screens.APP_LEAVE_CONFIRM)
async def app_leave_confirm(ctx: Ctx) -> Screen:
    app = _opened(ctx)
    return Screen(
        [T("app-leave-confirm")],
        [
            [Button(T("btn-app-leave-yes"), LeaveApplication(app))],
            [Button(T("btn-no"), OpenApplication(app))],
        ],
    )


@flow.action(AskCancel)
async def app_cancel(ctx: Ctx, act: AskCancel) -> Screen:
    ctx.flow(OpenedApplication).application_id = act.application_id
    return await ctx.show(Screens.APP_CANCEL_CONFIRM)


@flow.action(AskLeave)
async def app_leave(ctx: Ctx, act: AskLeave) -> Screen:
    ctx.flow(OpenedApplication).application_id = act.application_id
    return await ctx.show(Screens.APP_LEAVE_CONFIRM)


@flow.action(CancelApplication, on=(Screens.APP_CANCEL_CONFIRM,))
async def app_cancel_yes(ctx: Ctx, act: CancelApplication) -> Screen:
    await ctx.core.enrolment.cancel(ctx.parent_id, act.application_id)
    return await ctx.show(Screens.APPS, T("app-cancelled"))


@flow.action(LeaveApplication, on=(Screens.APP_LEAVE_CONFIRM,))
async def app_leave_yes(ctx: Ctx, act: LeaveApplication) -> Screen:
    await ctx.core.enrolment.leave(ctx.parent_id, act.application_id)
    return await ctx.show(Screens.APPS, T("app-left"))
