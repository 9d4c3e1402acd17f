"""Help as the answers families ask for most (found on regional navigator and РМЦ pages),
with their own МОЦ's place, hours and phone, and the commands."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenHelp, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import back, menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

flow = Flow("help", teen=True)

QUESTIONS = 10  # faq-q1 … faq-q10, faq-a1 … faq-a10 in locales


@action("faq")
class OpenAnswer(Action):
    question: int  # 1 … QUESTIONS


@flow_state("faq")
class Reading(FlowState):
    question: int = 1  # 1 … QUESTIONS


@flow.screen(Screens.HELP)
async def help_screen(ctx: Ctx) -> Screen:
    buttons = [Button(T(f"faq-q{n}"), OpenAnswer(n)) for n in range(1, QUESTIONS + 1)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([menu_button()])
    # a child registered alone keeps their own data and consent (/privacy) until a parent
    # joins; a child a parent invited is sent to the parent for them
    alone = ctx.teen is not None and await ctx.core.family.teen_alone(ctx.parent_id)
    return Screen([T("help-faq-intro"), T("help-text", {"alone": alone})], rows)


@flow.action(OpenHelp)
async def to_help(ctx: Ctx, _: OpenHelp) -> Screen:
    return await ctx.show(Screens.HELP)


@flow.command("help")
async def help_command(ctx: Ctx, arg: str) -> Screen:
    return await ctx.show(Screens.HELP)


@flow.action(OpenAnswer)
async def to_answer(ctx: Ctx, act: OpenAnswer) -> Screen:
    if not 1 <= act.question <= QUESTIONS:
        raise DomainError("stale-button")
    ctx.flow(Reading).question = act.question
    return await ctx.show(Screens.FAQ)


@flow.screen(Screens.FAQ)
async def answer(ctx: Ctx) -> Screen:
    n = ctx.flow(Reading).question
    parts = [T(f"faq-q{n}"), T(f"faq-a{n}")]
    offices = await ctx.core.family.offices(ctx.parent_id)
    # where to ask, always with a way to do it: the family's МОЦ, or where to find it
    for office in offices:
        parts.append(
            T(
                "faq-office",
                {
                    "municipality": office.municipality,
                    "address": office.address or "—",
                    "hours": office.hours or "—",
                    "phone": office.phone or "—",
                },
            )
        )
    if not offices:
        parts.append(T("faq-office-unknown"))
    return Screen(parts, [[back(OpenHelp()), menu_button()]])
