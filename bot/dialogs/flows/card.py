"""A program's card: what it is, who teaches, where, its groups and what the certificate
would pay (for the child the search was made for); reached from the results, a notice, a
deep link or an application."""

from __future__ import annotations

from bot.dialogs.actions import (
    Action,
    ApplyNow,
    ApplyToGroup,
    OpenProgram,
    PhoneFromCard,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import label, menu_button
from bot.dialogs.flows.quote_text import quote_parts
from bot.dialogs.flows.search_results import BackToResults
from bot.dialogs.flows.search_state import Query
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Data, Lines, Piece, Screen, T, Venue
from bot.dialogs.screens import Screens
from bot.words import Day
from core.errors import DomainError
from core.port import CardView, Season, SeasonState

flow = Flow("card", teen=True)


@action("map")
class ShowOnMap(Action):
    program_id: int


# of a program's description on its card: what a family chooses by, so whole as the
# provider wrote it (a long card goes as several messages) up to a few messages' worth
CARD_DESCRIPTION = 6000


@flow_state("card")
class CardShown(FlowState):
    """The program whose card is open (from results, a notice or a deep link)."""

    program_id: int | None = None


@flow.action(OpenProgram)
async def to_card(ctx: Ctx, act: OpenProgram) -> Screen:
    ctx.flow(CardShown).program_id = act.program_id
    return await ctx.show(Screens.CARD)


def _months(start: int, end: int) -> T:
    return T("month-range", {"start": T(f"month-{start}"), "end": T(f"month-{end}")})


@flow.screen(Screens.CARD)
async def card(ctx: Ctx) -> Screen:
    program_id = ctx.flow(CardShown).program_id
    if program_id is None:
        raise DomainError("program_not_found")
    # for the child the search was made for: what the certificate would pay
    child_id = ctx.flow(Query).child if ctx.has_flow(Query) else None
    shown = await ctx.core.catalogue.card(program_id, ctx.parent_id, child_id, ctx.teen)
    c, share_note = shown.program, _share_note(ctx, shown)
    # none while the program cannot be applied to (the summer before applications open),
    # nor when the child searched for cannot apply now (the note says why)
    closed = (shown.season is not None and not shown.season.open) or not shown.applicable
    ready = shown.ready if not closed else None
    parts: list[Piece] = [
        T(
            "card",
            {
                "name": c.name,
                "provider": c.provider,
                "address": c.address or "—",
                "municipality": c.municipality,
                "direction": T(f"direction-{c.direction.value}"),
                "register": T(f"register-{c.register.value}"),
                "ages": f"{c.age_min}–{c.age_max}",
                "price": ctx.money(c.price),
                "free": c.price == 0,
                "months": _months(c.start_month, c.end_month),
                "seats": c.free_seats,
            },
            public=True,  # the catalogue's words: the same card for every family
        ),
    ]
    if c.description:
        about = c.description
        if len(about) > CARD_DESCRIPTION:
            about = about[: CARD_DESCRIPTION - 1].rstrip() + "…"
        parts.append(Data(about))
    if c.art_school:
        parts.append(T("card-art-school"))
    rated = shown.ratings
    if rated is not None and rated.count:
        # the average as the locale writes a number (4,5 in Russian), and the count
        score = T("card-rating", {"average": round(rated.average, 1), "count": rated.count})
        said = [T("card-review", {"stars": r.stars, "text": r.text}) for r in rated.latest]
        parts.append(Lines([score, *said]) if said else score)
    summer = _season_note(shown.season)
    if summer is not None:
        parts.append(summer)
    if share_note is not None and ready is None:  # else the quote below says it
        parts.append(share_note)
    for g in c.groups:
        if g.free <= 0:
            waiting = {"name": g.name, "schedule": g.schedule or "—", "waiting": g.waiting}
            line = T("card-group-waiting", waiting, public=True)
        else:
            free = {
                "name": g.name,
                "schedule": g.schedule or "—",
                "free": g.free,
                "seats": g.seats,
            }
            line = T("card-group", free, public=True)
        # the teacher under the group's line, in its paragraph
        parts.append(
            Lines([line, T("card-teacher", {"teacher": g.teacher}, public=True)])
            if g.teacher
            else line
        )
    if ready is not None:
        # one group, one child who may apply: the card is the quote (what the family
        # confirms) and applies at once, one message fewer a journey (issue 30)
        parts += quote_parts(ctx, ready)
        # the terms it shows go with the button: changed by the press, they are shown again
        seen = ApplyNow(
            ready.group_id, ready.child_id, ready.money.monthly_share, ready.money.monthly_price
        )
        rows = [
            [Button(T("btn-confirm-apply"), seen)],
            [Button(T("btn-phone"), PhoneFromCard(ready.group_id, ready.child_id))],
        ]
    else:
        # a full group's button joins its waiting list (the quote says so before
        # confirming)
        rows = [
            [
                Button(
                    label(f"{'✍' if g.free > 0 else '⏳'} {g.name} · {g.schedule}"),
                    ApplyToGroup(g.id),
                )
            ]
            for g in c.groups
            if not closed
        ]
    if c.lat is not None and c.lon is not None:
        rows.append([Button(T("btn-on-map"), ShowOnMap(c.id))])
    if ctx.has_flow(Query):
        rows.append([Button(T("btn-back-results"), BackToResults())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(ShowOnMap, on=(Screens.CARD,))
async def on_map(ctx: Ctx, act: ShowOnMap) -> Screen:
    ctx.flow(CardShown).program_id = act.program_id
    return await ctx.show(Screens.CARD_MAP)


@flow.screen(Screens.CARD_MAP)
async def card_map(ctx: Ctx) -> Screen:
    """Where the program runs, as the messenger's own map location (a venue), the address
    in words above it."""
    program_id = ctx.flow(CardShown).program_id
    if program_id is None:
        raise DomainError("program_not_found")
    c = (await ctx.core.catalogue.card(program_id)).program
    address = c.address or c.municipality
    rows = [[Button(T("btn-back-card"), OpenProgram(c.id))], [menu_button()]]
    if c.lat is None or c.lon is None:  # the catalogue dropped them meanwhile
        return Screen([T("card-map-none", {"address": address})], rows)
    venue = Venue(c.lat, c.lon, c.name, address)
    return Screen([T("card-map", {"name": c.name, "address": address})], rows, venue=venue)


def _season_note(season: Season | None) -> T | None:
    """The summer: the year's classes are over, and when applications for the next open
    (or that they are open now, for the coming year)."""
    if season is None or season.state == SeasonState.RUNNING:
        return None
    year = f"{season.school_year}/{(season.school_year + 1) % 100:02d}"
    if season.state == SeasonState.ENDED:
        return T("card-season-ended", {"year": year})
    if season.state == SeasonState.OPENS and season.opens_on is not None:
        return T("card-season-opens", {"year": year, "day": Day(season.opens_on)})
    return T("card-season-next-year", {"year": year})


def _share_note(ctx: Ctx, shown: CardView) -> T | None:
    """For the child the search was made for: what the certificate would pay, the co-pay,
    or why it would not."""
    if shown.refusal is not None or shown.why_not is not None:
        exc = shown.refusal or shown.why_not
        assert exc is not None
        return T(
            exc.code,
            {
                k: ctx.money(v) if isinstance(v, int) and k == "available" else v
                for k, v in exc.params.items()
            },
        )
    q = shown.quote
    if q is None:
        return None
    return T(
        "card-share",
        {
            "child": q.child_name,
            "share": ctx.money(q.money.monthly_share),
            "copay": ctx.money(q.money.monthly_copay),
        },
    )
