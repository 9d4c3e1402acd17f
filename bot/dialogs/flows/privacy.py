"""/privacy: what is kept about the family, announcements, where notices go, and the
withdrawal of consent (which erases the family's data).

The parent's; and the child's of 14+ who registered alone (flows/teen_own.py) while the
family has no parent's account: the data are the child's own then, given with their own
consent, which they withdraw here as a parent would (addressed as ты). A child invited by
a parent is refused: the parent answers for the family's data."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenPrivacy, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows import teen_own
from bot.dialogs.flows.common import menu_button, what_ends
from bot.dialogs.screen import Button, Data, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

flow = Flow("privacy", alone=True)


@action("ann")
class ToggleAnnouncements(Action):
    pass


@action("notices-to")
class ChooseNoticesTo(Action):
    platform: str


@action("withdraw")
class AskWithdraw(Action):
    pass


@action("withdraw-yes")
class WithdrawYes(Action):
    pass


async def _theirs(ctx: Ctx) -> None:
    """The engine refuses a child's own account the flow's commands and buttons unless the
    child is alone; a screen shown again (after a language switch, say) asks once more."""
    if ctx.teen is not None and not await ctx.core.family.teen_alone(ctx.parent_id):
        raise DomainError("teen_not_allowed")


@flow.screen(Screens.PRIVACY)
async def privacy(ctx: Ctx) -> Screen:
    await _theirs(ctx)
    privacy = await ctx.core.family.privacy(ctx.parent_id)
    view, channels = privacy.parent, privacy.channels
    parts = [T("privacy-stored")]
    if view.consent and view.consent_at:
        parts.append(
            T(
                "privacy-consent",
                {"date": view.consent_at.date(), "version": view.consent_version or ""},
            )
        )
        if ctx.teen is None:  # a child alone reads of their own data above
            parts.append(T("privacy-children", {"count": privacy.children}))
    elif view.withdrawn_at:
        parts.append(T("privacy-withdrawn", {"date": view.withdrawn_at.date()}))
    rows = []
    if view.consent:
        parts.append(
            T("privacy-announcements-on" if view.announcements else "privacy-announcements-off")
        )
        rows.append(
            [
                Button(
                    T("btn-announcements-off" if view.announcements else "btn-announcements-on"),
                    ToggleAnnouncements(),
                )
            ]
        )
        if len(channels.platforms) > 1 and channels.current is not None:
            # reachable in several messengers: the parent says where notices go
            parts.append(T("privacy-notices-to", {"messenger": channels.current}))
            rows += [
                [Button(T("btn-notices-to", {"messenger": p}), ChooseNoticesTo(p))]
                for p in channels.platforms
                if p != channels.current
            ]
        rows.append([Button(T("btn-withdraw"), AskWithdraw())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(ChooseNoticesTo, on=(Screens.PRIVACY,))
async def choose_notices_to(ctx: Ctx, act: ChooseNoticesTo) -> Screen:
    await ctx.core.family.choose_notices_to(ctx.parent_id, act.platform)
    return await ctx.show(Screens.PRIVACY, T("notices-to-done", {"messenger": act.platform}))


@flow.action(ToggleAnnouncements, on=(Screens.PRIVACY,))
async def toggle_announcements(ctx: Ctx, _: ToggleAnnouncements) -> Screen:
    view = await ctx.parent()
    await ctx.core.family.set_announcements(ctx.parent_id, not view.announcements)
    ctx.forget_parent()
    return await ctx.show(Screens.PRIVACY)


@flow.action(OpenPrivacy)
async def to_privacy(ctx: Ctx, _: OpenPrivacy) -> Screen:
    return await ctx.show(Screens.PRIVACY)


@flow.command("privacy")
async def privacy_command(ctx: Ctx, arg: str) -> Screen:
    return await ctx.show(Screens.PRIVACY)


@flow.screen(Screens.WITHDRAW_CONFIRM)
async def withdraw_confirm(ctx: Ctx) -> Screen:
    await _theirs(ctx)
    parts: list[T | Data] = [T("withdraw-confirm"), *await what_ends(ctx)]
    return Screen(
        parts,
        [[Button(T("btn-withdraw-yes"), WithdrawYes())], [Button(T("btn-no"), OpenPrivacy())]],
    )


@flow.action(AskWithdraw)
async def withdraw(ctx: Ctx, _: AskWithdraw) -> Screen:
    return await ctx.show(Screens.WITHDRAW_CONFIRM)


@flow.action(WithdrawYes, on=(Screens.WITHDRAW_CONFIRM,))
async def withdraw_yes(ctx: Ctx, _: WithdrawYes) -> Screen:
    alone = ctx.teen is not None  # a child's own account here is one registered alone
    done = await ctx.core.family.withdraw_consent(ctx.parent_id)
    # no draft of a child's data stays behind, here or in the family's other messengers
    # (a child's own account of 14+ among them)
    await ctx.forget_accounts(*[k for k in done.accounts if k != ctx.event.user_key])
    ctx.become(ctx.parent_id)
    if alone:
        # still a child of 14+, who may register alone again: read as ты (Ctx.you), the
        # welcome and everything until another flow starts
        ctx.flow(teen_own.SelfDraft)
    return await ctx.show(Screens.WELCOME, T("data-erased", {"count": done.erased}))
