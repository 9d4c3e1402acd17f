"""Nearest first: a shared location, or a typed address whose street is matched against
the streets of the catalogue's venues in the district (a street not found is said, with
some that are)."""

from __future__ import annotations

from bot.dialogs.actions import Action, action
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import back
from bot.dialogs.flows.search_state import ShowResults, flow, query_state
from bot.dialogs.screen import Button, Data, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError

TYPED_SHOWN = 40  # of a typed address, repeated when its street is not found


@action("near")
class AskLocation(Action):
    pass


@action("near-off")
class NotNear(Action):
    pass


@flow.action(AskLocation)
async def near(ctx: Ctx, _: AskLocation) -> Screen:
    return await ctx.show(Screens.SEARCH_LOCATION)


@flow.screen(Screens.SEARCH_LOCATION)
async def search_location(ctx: Ctx) -> Screen:
    # a reply keyboard on Telegram: each button's label arrives as text (on_address)
    rows = [[Button(T("btn-send-location"), None, kind="location")]]
    if query_state(ctx).near is not None:
        rows.append([Button(T("btn-not-near"), NotNear())])
    rows.append([back(ShowResults())])
    return Screen([T("ask-location")], rows, expect="location")


@flow.location(Screens.SEARCH_LOCATION, Screens.RESULTS)
async def on_location(ctx: Ctx, lat: float, lon: float) -> Screen:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError("stale-button")
    q = query_state(ctx)
    q.near, q.street, q.page = [round(lat, 5), round(lon, 5)], "", 0
    return await ctx.show(Screens.RESULTS, T("sorted-by-distance"))


@flow.text(Screens.SEARCH_LOCATION)
async def on_address(ctx: Ctx, text: str) -> Screen:
    """An address typed instead of a location: its street among the venues' streets; a
    reply keyboard's «back» arrives as text too, and returns to the results."""
    q = query_state(ctx)
    if text.strip() == ctx.words(T("btn-not-near")):
        q.near, q.street, q.page = None, "", 0
        return await ctx.show(Screens.RESULTS)
    if text.strip() == ctx.words(T("btn-back")) or not text.strip():
        return await ctx.show(Screens.RESULTS)
    found = await ctx.core.catalogue.match_street(q.muni, text)
    if found.street is None:
        typed = " ".join(text.split())[:TYPED_SHOWN]
        examples = ", ".join(found.examples)
        return await ctx.show(
            Screens.SEARCH_LOCATION,
            T(
                "street-not-found",
                {"typed": Data(typed), "examples": Data(examples or "—")},
            ),
        )
    q.near, q.street, q.page = [found.lat, found.lon], found.street, 0
    return await ctx.show(
        Screens.RESULTS,
        T("sorted-by-street", {"street": Data(found.street), "place": Data(found.municipality)}),
    )


@flow.action(NotNear, on=(Screens.SEARCH_LOCATION,))
async def not_near(ctx: Ctx, _: NotNear) -> Screen:
    q = query_state(ctx)
    q.near, q.street, q.page = None, "", 0
    return await ctx.show(Screens.RESULTS)
