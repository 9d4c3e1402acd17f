"""Applying from a card: the child, what acceptance will block and the co-pay, confirm; then the
parent's applications, cancelling and leaving."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.dialogs.actions import (
    Action,
    ApplyNow,
    ApplyToGroup,
    BackToCard,
    OpenApplication,
    OpenApplications,
    OpenContract,
    OpenSearch,
    PhoneFromCard,
    RateProgram,
    TakeSeat,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, label, menu_button, require_consent
from bot.dialogs.flows.contract import contract_status
from bot.dialogs.flows.quote_text import quote_parts
from bot.dialogs.flowstate import FlowState, flow_state, need
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from bot.dialogs.statuses import status_key
from bot.words import Day
from core.errors import DomainError
from core.port import CONTRACT_LAPSED, OFFER_LAPSED, Terms, Waiting
from core.rules.enrolment import AppStatus
from core.rules.people import format_phone, parse_phone

flow = Flow("apps", teen=True)

QUOTE = "quote"  # ctx.read_ahead: the quote read with the choice of the child
APPS = "apps"  # ctx.read_ahead: the family's applications read with the one just made


@action("ac")
class ApplyForChild(Action):
    child_id: int


@action("apply-yes")
class ConfirmApplication(Action):
    pass


@action("apply-phone")
class AskPhone(Action):
    pass


@action("apply-no-phone")
class NoPhone(Action):
    pass


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


@flow_state("apply", draft=True)
class Pending(FlowState):
    """An application being made: the group, the child, the quoted price and share (the
    terms the family confirms), and the held seat it takes, if that is what it is."""

    group: int | None = None
    child: int | None = None
    share: int | None = None
    price: int | None = None
    offer: int | None = None
    phone: str | None = None  # the parent's, for the provider, if they chose to give it


@flow_state("app")
class OpenedApplication(FlowState):
    application_id: int | None = None


def _pending(ctx: Ctx) -> Pending:
    return ctx.started(Pending)


def _opened(ctx: Ctx) -> int:
    return need(ctx.flow(OpenedApplication).application_id, "application_not_found")


@flow.action(ApplyToGroup)
async def apply(ctx: Ctx, act: ApplyToGroup) -> Screen:
    # the family's consent is checked by the choice itself (refused first)
    choice = await ctx.core.enrolment.choices(ctx.parent_id, ctx.teen, act.group_id)
    if not choice.children:
        return await ctx.show(Screens.CHILDREN, T("need-child"))
    # only the children of the program's age are offered
    kids = choice.of_age
    if not kids:
        limits = {"min": choice.age_min, "max": choice.age_max}
        return await ctx.show(Screens.CARD, T("no-child-of-age", limits))
    pending = ctx.begin(Pending)
    pending.group = act.group_id
    if len(kids) == 1:
        pending.child = kids[0].id
        if choice.quote is not None:
            ctx.read_ahead[QUOTE] = choice.quote
        return await ctx.show(Screens.APPLY_QUOTE)
    return await ctx.show(Screens.APPLY_CHILD)


@flow.screen(Screens.APPLY_CHILD)
async def apply_child(ctx: Ctx) -> Screen:
    pending = _pending(ctx)
    if pending.group is None:
        raise DomainError("stale-button")
    choice = await ctx.core.enrolment.choices(ctx.parent_id, ctx.teen, pending.group)
    rows = [
        [Button(T("child-with-age", {"name": label(k.name), "age": k.age}), ApplyForChild(k.id))]
        for k in choice.of_age
    ]
    rows.append([back(BackToCard()), menu_button()])
    return Screen([T("apply-which-child")], rows)


@flow.action(BackToCard)
async def back_to_card(ctx: Ctx, _: BackToCard) -> Screen:
    return await ctx.show(Screens.CARD)


@flow.action(ApplyForChild, on=(Screens.APPLY_CHILD,))
async def on_child(ctx: Ctx, act: ApplyForChild) -> Screen:
    _pending(ctx).child = act.child_id
    return await ctx.show(Screens.APPLY_QUOTE)


@flow.screen(Screens.APPLY_QUOTE)
async def apply_quote(ctx: Ctx) -> Screen:
    pending = _pending(ctx)
    if pending.child is None or pending.group is None:
        raise DomainError("stale-button")
    q = ctx.read_ahead.pop(QUOTE, None)
    if not (q and (q.child_id, q.group_id, pending.offer) == (pending.child, pending.group, None)):
        q = await ctx.core.enrolment.quote(
            ctx.parent_id, pending.child, pending.group, offer=pending.offer
        )
    pending.price, pending.share = q.money.monthly_price, q.money.monthly_share
    parts = quote_parts(ctx, q)
    rows = [[Button(T("btn-confirm-apply"), ConfirmApplication())]]
    if pending.offer is None:
        if pending.phone:
            parts.append(T("quote-phone", {"phone": format_phone(pending.phone)}))
            change = Button(T("btn-phone-change"), AskPhone())
            rows.append([change, Button(T("btn-phone-drop"), NoPhone())])
        else:
            rows.append([Button(T("btn-phone"), AskPhone())])
    rows.append([Button(T("btn-cancel"), BackToCard())])
    return Screen(parts, rows)


@flow.action(AskPhone, on=(Screens.APPLY_QUOTE,))
async def ask_phone(ctx: Ctx, _: AskPhone) -> Screen:
    _pending(ctx)
    return await ctx.show(Screens.APPLY_PHONE)


@flow.screen(Screens.APPLY_PHONE)
async def apply_phone(ctx: Ctx) -> Screen:
    return Screen([T("ask-phone")], [[Button(T("btn-back"), NoPhone())]], expect="text")


@flow.text(Screens.APPLY_PHONE)
async def on_phone(ctx: Ctx, text: str) -> Screen:
    _pending(ctx).phone = parse_phone(text)
    return await ctx.show(Screens.APPLY_QUOTE)


@flow.action(NoPhone, on=(Screens.APPLY_QUOTE, Screens.APPLY_PHONE))
async def no_phone(ctx: Ctx, _: NoPhone) -> Screen:
    """Back to the quote from the phone's question; on the quote, the phone is dropped."""
    pending = _pending(ctx)
    if ctx.state.screen == Screens.APPLY_QUOTE:
        pending.phone = None
    return await ctx.show(Screens.APPLY_QUOTE)


@flow.action(ConfirmApplication, on=(Screens.APPLY_QUOTE,))
async def apply_yes(ctx: Ctx, _: ConfirmApplication) -> Screen:
    pending = _pending(ctx)
    if pending.share is None or pending.price is None:
        raise DomainError("stale-button")
    if pending.child is None or pending.group is None:
        raise DomainError("stale-button")
    # the terms the quote showed: a price or a balance moved since is shown again
    seen = Terms(pending.price, pending.share)
    try:
        if pending.offer is not None:
            await ctx.core.enrolment.take(ctx.parent_id, pending.offer, seen, teen=ctx.teen)
            waiting = None
        else:
            done = await ctx.core.enrolment.submit(
                ctx.parent_id, pending.child, pending.group, seen, pending.phone, teen=ctx.teen
            )
            ctx.read_ahead[APPS] = done.applications
            waiting = done.waiting
    except DomainError as exc:
        if exc.code == "quote_changed":
            return await ctx.show(Screens.APPLY_QUOTE, T("quote_changed"))
        raise
    ctx.end_flow(Pending)
    return await _applied(ctx, waiting)


async def _applied(ctx: Ctx, waiting: Waiting | None) -> Screen:
    if waiting is not None:
        notice = T("applied-waiting", {"place": waiting.place, "hours": waiting.hold_hours})
        return await ctx.show(Screens.APPS, notice)
    return await ctx.show(Screens.APPS, T("applied"))


@flow.action(ApplyNow, on=(Screens.CARD,))
async def apply_now(ctx: Ctx, act: ApplyNow) -> Screen:
    """The card carried the quote (one group, one child who may apply): applied under the
    price and share it showed. The core checks them as it checks the quote's: a price or
    a balance changed since is refused (quote_changed) and the new quote shown to confirm."""
    if ctx.teen is not None and act.child_id != ctx.teen:
        raise DomainError("stale-button")
    seen = Terms(act.price, act.share)
    try:
        done = await ctx.core.enrolment.submit(
            ctx.parent_id, act.child_id, act.group_id, seen, None, teen=ctx.teen
        )
    except DomainError as exc:
        if exc.code == "quote_changed":
            _from_card(ctx, act.group_id, act.child_id)
            return await ctx.show(Screens.APPLY_QUOTE, T("quote_changed"))
        raise
    ctx.read_ahead[APPS] = done.applications
    return await _applied(ctx, done.waiting)


@flow.action(PhoneFromCard, on=(Screens.CARD,))
async def phone_from_card(ctx: Ctx, act: PhoneFromCard) -> Screen:
    """The phone asked first; then the quote with it, to apply there."""
    if ctx.teen is not None and act.child_id != ctx.teen:
        raise DomainError("stale-button")
    _from_card(ctx, act.group_id, act.child_id)
    return await ctx.show(Screens.APPLY_PHONE)


def _from_card(ctx: Ctx, group_id: int, child_id: int) -> None:
    pending = ctx.begin(Pending)
    pending.group, pending.child = group_id, child_id


@flow.action(TakeSeat)
async def take_offer(ctx: Ctx, act: TakeSeat) -> Screen:
    """From the "seat freed" notice (or the application's card): the quote of the held
    seat, then confirm. Only the family's own offered application is found."""
    await require_consent(ctx)
    offer = await ctx.core.enrolment.offered(ctx.parent_id, act.application_id)
    if ctx.teen is not None and offer.child_id != ctx.teen:
        raise DomainError("offer_gone")
    pending = ctx.begin(Pending)
    pending.group, pending.child = offer.group_id, offer.child_id
    pending.offer = offer.application_id
    return await ctx.show(Screens.APPLY_QUOTE)


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
