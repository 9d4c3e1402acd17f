"""A coordinator's announcement: text, audience, optional program button, preview with
the number of parents it reaches, send now or at a time, progress, cancel. Nobody else
sees any of it: for them /broadcast is an unknown command. Its progress and the history
of announcements are in flows/broadcast_sent.py."""

from __future__ import annotations

import re
from dataclasses import field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.actions import (
    Action,
    OpenMenu,
    StartBroadcast,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.broadcast_sent import Sent, local_time
from bot.dialogs.flows.common import label
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Data, Piece, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import FILTERS, TEXT_MAX, TEXT_MIN, Audience, check_text
from core.rules.catalogue import Direction

flow = Flow("broadcast")

QUERY_KEPT = 100  # of the words typed to find a program
AGES = {"any": (None, None), "5-9": (5, 9), "10-13": (10, 13), "14-17": (14, 17)}
WHEN = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})\s*$")


@action("bca")
class PickMunicipalityAudience(Action):
    municipality_id: int


@action("bca-all")
class PickRegionAudience(Action):
    pass


@action("bcg")
class PickAges(Action):
    ages: str  # a key of AGES


@action("bcd")
class ToggleDirection(Action):
    direction: str  # a Direction's value


@action("bcd-done")
class DirectionsDone(Action):
    pass


@action("bcf")
class ToggleFilter(Action):
    name: str  # of FILTERS


@action("bcp")
class NoProgram(Action):
    pass


@action("bcp-pick")
class PickProgram(Action):
    program_id: int


@action("bcp-again")
class SearchProgramAgain(Action):
    pass


@action("bcs")
class SendNow(Action):
    pass


@action("bcw")
class AskWhen(Action):
    pass


@action("bc-back")
class BackToPreview(Action):
    pass


async def _scope(ctx: Ctx) -> tuple[int | None, bool]:
    return await ctx.core.broadcasts.scope(ctx.parent_id)


async def _is_coordinator(ctx: Ctx) -> bool:
    try:
        await _scope(ctx)
    except DomainError:
        return False
    return True


@flow_state("bc", draft=True)
class Draft(FlowState):
    """The announcement being written."""

    text: str | None = None
    audience_chosen: bool = False
    muni: int | None = None  # None with the audience chosen: the whole region
    ages: str = "any"  # a key of AGES
    dirs: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)  # of FILTERS
    program: int | None = None
    program_name: str = ""  # shown in the preview
    program_query: str = ""  # the words the programs were found by


def _draft(ctx: Ctx) -> Draft:
    return ctx.started(Draft)


@flow.command("broadcast")
async def broadcast_command(ctx: Ctx, arg: str) -> Screen:
    if not await _is_coordinator(ctx):
        # the same answer as any unknown command: the feature is not disclosed
        return await ctx.current(T("unknown-command"))
    return await start(ctx, StartBroadcast())


@flow.action(StartBroadcast)
async def start(ctx: Ctx, _: StartBroadcast) -> Screen:
    await _scope(ctx)
    ctx.begin(Draft)  # a fresh draft
    return await ctx.show(Screens.BC_TEXT)


@flow.screen(Screens.BC_TEXT)
async def ask_text(ctx: Ctx) -> Screen:
    return Screen(
        [T("bc-ask-text", {"min": TEXT_MIN, "max": TEXT_MAX})],
        [[Button(T("btn-cancel"), OpenMenu())]],
        expect="text",
    )


@flow.text(Screens.BC_TEXT, longest=TEXT_MAX)
async def on_text(ctx: Ctx, text: str) -> Screen:
    _draft(ctx).text = check_text(text)
    return await ctx.show(Screens.BC_AUDIENCE)


@flow.screen(Screens.BC_AUDIENCE)
async def audience(ctx: Ctx) -> Screen:
    choice = await ctx.core.broadcasts.audience_choice(ctx.parent_id)
    rows = []
    if choice.municipality_id is not None:
        pick = PickMunicipalityAudience(choice.municipality_id)
        rows.append([Button(label(choice.municipality), pick)])
    if choice.region_wide:
        rows.append([Button(T("btn-bc-region"), PickRegionAudience())])
    rows.append([Button(T("btn-cancel"), OpenMenu())])
    return Screen([T("bc-ask-audience")], rows)


@flow.action(PickMunicipalityAudience, on=(Screens.BC_AUDIENCE,))
async def on_audience(ctx: Ctx, act: PickMunicipalityAudience) -> Screen:
    muni, region_wide = await _scope(ctx)
    if act.municipality_id != muni and not region_wide:
        raise DomainError("not_allowed")
    draft = _draft(ctx)
    draft.muni, draft.audience_chosen = act.municipality_id, True
    return await ctx.show(Screens.BC_AGES)


@flow.action(PickRegionAudience, on=(Screens.BC_AUDIENCE,))
async def on_region(ctx: Ctx, act: PickRegionAudience) -> Screen:
    _muni, region_wide = await _scope(ctx)
    if not region_wide:
        raise DomainError("not_allowed")
    draft = _draft(ctx)
    draft.muni, draft.audience_chosen = None, True
    return await ctx.show(Screens.BC_AGES)


@flow.screen(Screens.BC_AGES)
async def ages(ctx: Ctx) -> Screen:
    buttons = [Button(T(f"btn-bc-age-{key}"), PickAges(key)) for key in AGES]
    return Screen(
        [T("bc-ask-ages")], [buttons[:2], buttons[2:], [Button(T("btn-cancel"), OpenMenu())]]
    )


@flow.action(PickAges, on=(Screens.BC_AGES,))
async def on_ages(ctx: Ctx, act: PickAges) -> Screen:
    if act.ages not in AGES:
        raise DomainError("stale-button")
    _draft(ctx).ages = act.ages
    return await ctx.show(Screens.BC_DIRS)


def _toggle(on: bool, name: T, act: Action) -> Button:
    return Button(T("bc-dir-on" if on else "bc-dir-off", {"name": name}), act)


@flow.screen(Screens.BC_DIRS)
async def dirs(ctx: Ctx) -> Screen:
    """Who among the families: the filters (no funded certificate, no enrolment, on a
    waiting list) and the directions, each a toggle, any of them together."""
    draft = _draft(ctx)
    on = set(draft.filters)
    marks = [_toggle(f in on, T(f"bc-filter-{f}"), ToggleFilter(f)) for f in FILTERS]
    chosen = set(draft.dirs)
    buttons = [
        Button(
            T(
                "bc-dir-on" if d.value in chosen else "bc-dir-off",
                {"name": T(f"direction-{d.value}")},
            ),
            ToggleDirection(d.value),
        )
        for d in Direction
    ]
    rows = [marks[:2], marks[2:]]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(T("btn-bc-dirs-done"), DirectionsDone())])
    return Screen([T("bc-ask-filters"), T("bc-ask-dirs")], rows)


@flow.action(ToggleFilter, on=(Screens.BC_DIRS,))
async def on_filter(ctx: Ctx, act: ToggleFilter) -> Screen:
    if act.name not in FILTERS:
        raise DomainError("stale-button")
    draft = _draft(ctx)
    draft.filters = sorted(set(draft.filters) ^ {act.name})
    return await ctx.show(Screens.BC_DIRS)


@flow.action(DirectionsDone, on=(Screens.BC_DIRS,))
async def on_dirs_done(ctx: Ctx, _: DirectionsDone) -> Screen:
    return await ctx.show(Screens.BC_PROGRAM)


@flow.action(ToggleDirection, on=(Screens.BC_DIRS,))
async def on_dir(ctx: Ctx, act: ToggleDirection) -> Screen:
    draft = _draft(ctx)
    if act.direction not in {d.value for d in Direction}:
        raise DomainError("stale-button")
    draft.dirs = sorted(set(draft.dirs) ^ {act.direction})
    return await ctx.show(Screens.BC_DIRS)


@flow.screen(Screens.BC_PROGRAM)
async def program(ctx: Ctx) -> Screen:
    return Screen(
        [T("bc-ask-program")], [[Button(T("btn-bc-no-program"), NoProgram())]], expect="text"
    )


@flow.text(Screens.BC_PROGRAM, Screens.BC_PROGRAM_PICK)
async def on_program(ctx: Ctx, text: str) -> Screen:
    """Words of the program's name: the coordinator picks it among what is found (never
    types an internal number)."""
    _draft(ctx).program_query = " ".join(text.split())[:QUERY_KEPT]
    return await ctx.show(Screens.BC_PROGRAM_PICK)


@flow.screen(Screens.BC_PROGRAM_PICK)
async def program_pick(ctx: Ctx) -> Screen:
    query = _draft(ctx).program_query
    if not query:
        raise DomainError("stale-button")
    found = await ctx.core.broadcasts.programs(ctx.parent_id, query)
    again = [Button(T("btn-bc-search-again"), SearchProgramAgain())]
    none = [Button(T("btn-bc-no-program"), NoProgram())]
    if not found:
        return Screen([T("bc-program-none", {"query": query[:40]})], [again, none], expect="text")
    rows = [[Button(label(f"{p.name} · {p.provider}"), PickProgram(p.id))] for p in found]
    found_text = T("bc-program-found", {"query": query[:40]})
    return Screen([found_text], [*rows, again, none], expect="text")


@flow.action(SearchProgramAgain, on=(Screens.BC_PROGRAM_PICK,))
async def search_again(ctx: Ctx, _: SearchProgramAgain) -> Screen:
    return await ctx.show(Screens.BC_PROGRAM)


@flow.action(PickProgram, on=(Screens.BC_PROGRAM_PICK,))
async def on_pick(ctx: Ctx, act: PickProgram) -> Screen:
    draft = _draft(ctx)
    found = await ctx.core.broadcasts.programs(ctx.parent_id, draft.program_query)
    chosen = next((p for p in found if p.id == act.program_id), None)
    if chosen is None:  # the list changed since it was shown
        raise DomainError("program_not_found")
    draft.program, draft.program_name = chosen.id, chosen.name
    return await ctx.show(Screens.BC_PREVIEW)


@flow.action(NoProgram, on=(Screens.BC_PROGRAM, Screens.BC_PROGRAM_PICK))
async def no_program(ctx: Ctx, _: NoProgram) -> Screen:
    draft = _draft(ctx)
    draft.program, draft.program_name = None, ""
    return await ctx.show(Screens.BC_PREVIEW)


def _audience(draft: Draft) -> Audience:
    lo, hi = AGES.get(draft.ages, AGES["any"])
    chosen = tuple(f for f in FILTERS if f in draft.filters)
    return Audience(draft.muni, lo, hi, tuple(draft.dirs), chosen)


@flow.screen(Screens.BC_PREVIEW)
async def preview(ctx: Ctx) -> Screen:
    draft = _draft(ctx)
    if draft.text is None or not draft.audience_chosen:
        raise DomainError("stale-button")
    count = await ctx.core.broadcasts.count(_audience(draft))
    parts: list[Piece] = [T("bc-preview", {"count": count})]
    chosen = [f for f in FILTERS if f in draft.filters]
    if chosen:
        names = [T(f"bc-filter-{f}") for f in chosen]
        parts.append(T("bc-preview-filters", {"filters": ", ".join(ctx.words(n) for n in names)}))
    parts.append(Data(draft.text))
    if draft.program:
        parts.append(T("bc-preview-button", {"program": draft.program_name or "—"}))
    return Screen(
        parts,
        [
            [Button(T("btn-bc-send"), SendNow())],
            [Button(T("btn-bc-schedule"), AskWhen())],
            [Button(T("btn-cancel"), OpenMenu())],
        ],
    )


@flow.action(SendNow, on=(Screens.BC_PREVIEW,))
async def send_now(ctx: Ctx, _: SendNow) -> Screen:
    return await _create(ctx, None)


@flow.action(AskWhen, on=(Screens.BC_PREVIEW,))
async def ask_when(ctx: Ctx, _: AskWhen) -> Screen:
    return await ctx.show(Screens.BC_WHEN)


def example_time(ctx: Ctx) -> str:
    """Tomorrow at 18:00 on the region's clock: always ahead of now, whatever the hour."""
    return f"{ctx.today() + timedelta(days=1):%d.%m.%Y} 18:00"


@flow.screen(Screens.BC_WHEN)
async def when(ctx: Ctx) -> Screen:
    return Screen(
        [T("bc-ask-when", {"example": example_time(ctx)})],
        [[Button(T("btn-back"), BackToPreview())]],
        expect="text",
    )


@flow.action(BackToPreview)
async def back_to_preview(ctx: Ctx, _: BackToPreview) -> Screen:
    return await ctx.show(Screens.BC_PREVIEW)


@flow.text(Screens.BC_WHEN)
async def on_when(ctx: Ctx, text: str) -> Screen:
    invalid = DomainError("broadcast_time_invalid", example=example_time(ctx))
    match = WHEN.match(text)
    if not match:
        raise invalid
    day, month, year, hour, minute = map(int, match.groups())
    if not 2000 <= year <= 2100:  # 01.01.0001 would overflow the conversion to UTC
        raise invalid
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=ctx.zone)
    except ValueError as exc:
        raise invalid from exc
    at = local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return await _create(ctx, at)


async def _create(ctx: Ctx, at: datetime | None) -> Screen:
    draft = _draft(ctx)
    if draft.text is None:
        raise DomainError("stale-button")
    bid = await ctx.core.broadcasts.create(
        ctx.parent_id, draft.text, _audience(draft), draft.program, at
    )
    ctx.end_flow(Draft)
    ctx.flow(Sent).broadcast_id = bid
    if at is None:
        return await ctx.show(Screens.BC_PROGRESS, T("bc-queued"))
    # echoed on the region's clock, as it was typed
    return await ctx.show(Screens.BC_PROGRESS, T("bc-scheduled", {"at": local_time(ctx, at)}))
