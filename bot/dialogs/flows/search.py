"""Search: direction, district, child (sets the age), optional words; results five to a
page; nearest first when the parent shares a location. A program's card: card.py."""

from __future__ import annotations

from bot.dialogs.actions import (
    Action,
    FindSimilar,
    FindTyped,
    OpenProgram,
    OpenSearch,
    action,
)
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import (
    MunicipalityPage,
    back,
    forget_municipality_filter,
    label,
    menu_button,
    municipality_rows,
    register_municipality_picker,
)
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import COUNT_CAP, MAX_QUERY, SearchQuery
from core.rules.catalogue import Direction

flow = Flow("search", teen=True)


@action("sd")
class PickDirection(Action):
    direction: str  # a Direction's value


@action("sd-any")
class AnyDirection(Action):
    pass


@action("smp")
class SearchMunicipalityPage(MunicipalityPage):
    pass


@action("sm")
class PickSearchMunicipality(Action):
    municipality_id: int


@action("sm-any")
class AnyMunicipality(Action):
    pass


@action("sc")
class PickSearchChild(Action):
    child_id: int


@action("sc-any")
class AnyAge(Action):
    pass


@action("sr")
class ShowResults(Action):
    pass


@action("page")
class ResultsPage(Action):
    page: int


@action("near")
class AskLocation(Action):
    pass


@action("widen")
class Widen(Action):
    drop: str  # "text", "muni" or "free"


@action("results-back")
class BackToResults(Action):
    pass


@flow_state("q")
class Query(FlowState):
    """What the person is searching for, and the page of results they are on."""

    direction: str | None = None
    muni: int | None = None
    child: int | None = None  # the child it is for (sets the age)
    age: int | None = None
    text: str = ""
    near: list[float] | None = None  # [lat, lon]
    free: bool = False  # only programs with free seats
    page: int = 0


def _q(ctx: Ctx) -> Query:
    return ctx.flow(Query)


@flow.action(OpenSearch)
async def search(ctx: Ctx, _: OpenSearch) -> Screen:
    ctx.begin(Query)  # a new search
    return await ctx.show(Screens.SEARCH_DIRECTION)


@flow.command("search")
async def search_command(ctx: Ctx, arg: str) -> Screen:
    return await search(ctx, OpenSearch())


@flow.screen(Screens.SEARCH_DIRECTION)
async def search_direction(ctx: Ctx) -> Screen:
    buttons = [Button(T(f"direction-{d.value}"), PickDirection(d.value)) for d in Direction]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(T("btn-any-direction"), AnyDirection())])
    rows.append([menu_button()])
    return Screen([T("search-direction")], rows)


@flow.action(PickDirection, on=(Screens.SEARCH_DIRECTION,))
async def on_direction(ctx: Ctx, act: PickDirection) -> Screen:
    if act.direction not in {d.value for d in Direction}:
        raise DomainError("stale-button")
    _q(ctx).direction = act.direction
    return await ctx.show(Screens.SEARCH_MUNI)


@flow.action(AnyDirection, on=(Screens.SEARCH_DIRECTION,))
async def on_any_direction(ctx: Ctx, _: AnyDirection) -> Screen:
    _q(ctx).direction = None
    return await ctx.show(Screens.SEARCH_MUNI)


@flow.screen(Screens.SEARCH_MUNI)
async def search_muni(ctx: Ctx) -> Screen:
    notices, rows = await municipality_rows(ctx, PickSearchMunicipality, SearchMunicipalityPage)
    rows.append([Button(T("btn-anywhere"), AnyMunicipality())])
    rows.append([back(OpenSearch()), menu_button()])
    return Screen([T("search-muni"), *notices], rows, expect="text")


register_municipality_picker(flow, Screens.SEARCH_MUNI, SearchMunicipalityPage)


@flow.action(PickSearchMunicipality, on=(Screens.SEARCH_MUNI,))
async def on_muni(ctx: Ctx, act: PickSearchMunicipality) -> Screen:
    return await _after_muni(ctx, act.municipality_id)


@flow.action(AnyMunicipality, on=(Screens.SEARCH_MUNI,))
async def on_any_muni(ctx: Ctx, _: AnyMunicipality) -> Screen:
    return await _after_muni(ctx, None)


async def _after_muni(ctx: Ctx, municipality_id: int | None) -> Screen:
    _q(ctx).muni = municipality_id
    forget_municipality_filter(ctx)
    view = await ctx.parent()
    kids = await ctx.children() if view.consent else []
    if not kids:
        return await ctx.show(Screens.SEARCH_TEXT)
    return await ctx.show(Screens.SEARCH_CHILD)


@flow.screen(Screens.SEARCH_CHILD)
async def search_child(ctx: Ctx) -> Screen:
    kids = await ctx.children()
    rows = [
        [Button(T("child-with-age", {"name": label(k.name), "age": k.age}), PickSearchChild(k.id))]
        for k in kids
    ]
    rows.append([Button(T("btn-any-age"), AnyAge())])
    rows.append([menu_button()])
    return Screen([T("search-child")], rows)


@flow.action(PickSearchChild, on=(Screens.SEARCH_CHILD,))
async def on_child(ctx: Ctx, act: PickSearchChild) -> Screen:
    kid = await ctx.core.family.child(ctx.parent_id, act.child_id)
    q = _q(ctx)
    q.child, q.age = kid.id, kid.age
    return await ctx.show(Screens.SEARCH_TEXT)


@flow.action(AnyAge, on=(Screens.SEARCH_CHILD,))
async def on_any_age(ctx: Ctx, _: AnyAge) -> Screen:
    q = _q(ctx)
    q.child = q.age = None
    return await ctx.show(Screens.SEARCH_TEXT)


@flow.screen(Screens.SEARCH_TEXT)
async def search_text(ctx: Ctx) -> Screen:
    return Screen(
        [T("search-text")],
        [[Button(T("btn-show-all"), ShowResults())], [menu_button()]],
        expect="text",
    )


@flow.text(Screens.SEARCH_TEXT)
async def on_text(ctx: Ctx, text: str) -> Screen:
    q = _q(ctx)
    q.text, q.page = text[:MAX_QUERY], 0
    return await ctx.show(Screens.RESULTS)


@flow.action(FindTyped)
async def find_typed(ctx: Ctx, _: FindTyped) -> Screen:
    """What the person typed on a screen that expected a button, searched for everywhere
    (the results offer to narrow it down)."""
    typed = ctx.take_typed()
    if typed is None or not typed.strip():
        raise DomainError("stale-button")
    ctx.begin(Query).text = typed[:MAX_QUERY]
    return await ctx.show(Screens.RESULTS)


@flow.action(FindSimilar)
async def find_similar(ctx: Ctx, act: FindSimilar) -> Screen:
    """From a refusal's notice: the same direction and municipality, with free seats."""
    c = (await ctx.core.catalogue.card(act.program_id)).program
    q = ctx.begin(Query)
    q.direction, q.muni, q.free = c.direction.value, c.municipality_id, True
    return await ctx.show(Screens.RESULTS)


@flow.action(ShowResults)
async def show_results(ctx: Ctx, _: ShowResults) -> Screen:
    _q(ctx).page = 0
    return await ctx.show(Screens.RESULTS)


DIRECTIONS = frozenset(d.value for d in Direction)
WORD_SHOWN = 20  # of a typed word on a button (every platform's label fits)
WIDEN = frozenset({"text", "muni", "free"})  # what a press may drop from the search


def _query(ctx: Ctx) -> SearchQuery:
    q = _q(ctx)
    near = q.near
    return SearchQuery(
        direction=Direction(q.direction) if q.direction in DIRECTIONS else None,
        municipality_id=q.muni,
        age=q.age,
        text=q.text,
        free_seats_only=q.free,
        page=q.page,
        near=(near[0], near[1]) if near else None,
    )


@flow.screen(Screens.RESULTS)
async def results(ctx: Ctx) -> Screen:
    query = _query(ctx)
    page = await ctx.core.catalogue.search(query)
    if not page.items:
        # one press to a wider search: without the word, or in every district
        q = _q(ctx)
        rows = []
        if q.text:
            word = " ".join(q.text.split())[:WORD_SHOWN]
            rows.append([Button(T("btn-drop-word", {"word": word}), Widen("text"))])
        if q.muni:
            rows.append([Button(T("btn-all-districts"), Widen("muni"))])
        if q.free:
            rows.append([Button(T("btn-also-full"), Widen("free"))])
        rows += [[Button(T("btn-new-search"), OpenSearch())], [menu_button()]]
        return Screen([T("results-empty")], rows)
    first = page.page * page.page_size
    parts = [
        T(
            "results-more" if page.more else "results-title",
            {
                "count": min(page.total, COUNT_CAP),
                "page": page.page + 1,
                "pages": page.pages,
            },
        ),
    ]
    for n, row in enumerate(page.items, start=first + 1):
        parts.append(
            T(
                "results-line",
                {
                    "n": n,
                    "name": row.name,
                    "provider": row.provider,
                    "price": ctx.money(row.price) if row.price else "",
                    "free": row.price == 0,
                    "seats": row.free_seats,
                    # a number: the locale writes it (1,8 in Russian, 1.8 in English)
                    "distance": round(row.distance_km, 1)
                    if row.distance_km is not None
                    else "none",
                },
            )
        )
    rows = [
        [Button(label(f"{n}. {r.name}"), OpenProgram(r.id))]
        for n, r in enumerate(page.items, start=first + 1)
    ]
    nav = []
    if page.has_prev:
        nav.append(Button(T("btn-prev"), ResultsPage(page.page - 1)))
    if page.has_next:
        nav.append(Button(T("btn-next"), ResultsPage(page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([Button(T("btn-near"), AskLocation()), Button(T("btn-new-search"), OpenSearch())])
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(ResultsPage, on=(Screens.RESULTS,))
async def on_page(ctx: Ctx, act: ResultsPage) -> Screen:
    _q(ctx).page = act.page
    return await ctx.show(Screens.RESULTS)


@flow.action(AskLocation)
async def near(ctx: Ctx, _: AskLocation) -> Screen:
    return await ctx.show(Screens.SEARCH_LOCATION)


@flow.screen(Screens.SEARCH_LOCATION)
async def search_location(ctx: Ctx) -> Screen:
    return Screen(
        [T("ask-location")],
        [[Button(T("btn-send-location"), None, kind="location")], [back(ShowResults())]],
        expect="location",
    )


@flow.location(Screens.SEARCH_LOCATION, Screens.RESULTS, Screens.SEARCH_TEXT)
async def on_location(ctx: Ctx, lat: float, lon: float) -> Screen:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError("stale-button")
    q = _q(ctx)
    q.near, q.page = [round(lat, 5), round(lon, 5)], 0
    return await ctx.show(Screens.RESULTS, T("sorted-by-distance"))


@flow.text(Screens.SEARCH_LOCATION)
async def on_location_text(ctx: Ctx, text: str) -> Screen:
    # a reply-keyboard "back" arrives as text: anything typed here returns to the results
    return await ctx.show(Screens.RESULTS)


@flow.action(Widen, on=(Screens.RESULTS,))
async def widen(ctx: Ctx, act: Widen) -> Screen:
    if act.drop not in WIDEN:
        raise DomainError("stale-button")
    q = _q(ctx)
    if act.drop == "text":
        q.text = ""
    elif act.drop == "free":
        q.free = False
    else:
        q.muni = None
    q.page = 0
    return await ctx.show(Screens.RESULTS)


@flow.action(BackToResults)
async def results_back(ctx: Ctx, _: BackToResults) -> Screen:
    return await ctx.show(Screens.RESULTS)
