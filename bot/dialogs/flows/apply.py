"""Applying from a card: the child, what acceptance will block and the co-pay, the phone
if the family gives it, confirm; or at once from the card that carried the quote, or a
held seat taken from its notice. The applications after it: apps.py."""

from __future__ import annotations

from bot.dialogs.actions import (
    Action,
    ApplyNow,
    ApplyToGroup,
    BackToCard,
    PhoneFromCard,
    TakeSeat,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.apps import APPS
from bot.dialogs.flows.common import back, label, menu_button, require_consent
from bot.dialogs.flows.quote_text import quote_parts
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import Terms, Waiting
from core.rules.people import format_phone, parse_phone

flow = Flow("apply", teen=True)

QUOTE = "quote"  # ctx.read_ahead: the quote read with the choice of the child


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


def _pending(ctx: Ctx) -> Pending:
    return ctx.started(Pending)


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
