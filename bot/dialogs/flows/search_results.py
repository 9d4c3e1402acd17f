"""The search's results, ten a page, and their filters as buttons on the same screen:
direction, district, age, the price (by the child's certificate, free, paid), online, for
children with disabilities, free seats, nearest first. A filter's press shows the results
again with the others kept; a word typed here searches within them; "nothing found"
offers each widening that finds something, with how many."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.dialogs.actions import Action, OpenProgram, OpenSearch, action
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import (
    MunicipalityPage,
    back,
    forget_municipality_filter,
    label,
    menu_button,
    municipality_rows,
    register_municipality_picker,
)
from bot.dialogs.flows.search_near import AskLocation
from bot.dialogs.flows.search_question import AnyAge, PickSearchChild
from bot.dialogs.flows.search_state import (
    DIRECTIONS,
    PAY,
    TOGGLES,
    Query,
    ShowResults,
    flow,
    query_state,
    search_query,
)
from bot.dialogs.screen import Button, Data, Piece, Screen, T
from bot.dialogs.screens import Screens
from bot.words import Day
from core.errors import DomainError
from core.port import COUNT_CAP, MAX_QUERY, Page, ProgramRow
from core.rules.catalogue import Direction

WORD_SHOWN = 20  # of a typed word on a button (every platform's label fits)
PER_ROW = 5  # a page's numbered buttons in a row
AGES = range(3, 19)  # the ages the age filter offers
WIDEN = frozenset({"text", "age", "muni", "direction", "pay", "online", "ovz", "free"})


@action("page")
class ResultsPage(Action):
    page: int


@action("widen")
class Widen(Action):
    drop: str  # a core WIDENINGS key: the condition to drop


@action("sf")
class Toggle(Action):
    what: str  # one of TOGGLES


@action("sfd")
class ChooseDirection(Action):
    pass


@action("sfm")
class ChooseDistrict(Action):
    pass


@action("sfa")
class ChooseAge(Action):
    pass


@action("sa")
class PickAge(Action):
    age: int


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


@action("results-back")
class BackToResults(Action):
    pass


@flow.screen(Screens.RESULTS)
async def results(ctx: Ctx) -> Screen:
    q = query_state(ctx)
    kid = q.child
    page = await ctx.core.catalogue.search(
        search_query(q), ctx.parent_id if kid is not None else None, kid
    )
    if not page.items:
        # each widening that would find something, with how many (counted by the core)
        rows = [[Button(_widen_label(q, drop, n), Widen(drop))] for drop, n in page.widen]
        rows.append([Button(T("btn-new-search"), OpenSearch()), menu_button()])
        return Screen([T("results-empty" if page.widen else "results-empty-all")], rows)
    parts: list[Piece] = [_title(q, page)]
    first = page.page * page.page_size
    parts += [_line(ctx, n, row) for n, row in enumerate(page.items, start=first + 1)]
    parts.append(T("results-hint"))
    numbers = [
        Button(Data(str(n)), OpenProgram(r.id)) for n, r in enumerate(page.items, start=first + 1)
    ]
    rows = [numbers[i : i + PER_ROW] for i in range(0, len(numbers), PER_ROW)]
    nav = []
    if page.has_prev:
        nav.append(Button(T("btn-prev"), ResultsPage(page.page - 1)))
    if page.has_next:
        nav.append(Button(T("btn-next"), ResultsPage(page.page + 1)))
    if nav:
        rows.append(nav)
    rows += _filters(q)
    rows.append([menu_button()])
    return Screen(parts, rows, expect="text")


def _title(q: Query, page: Page) -> T:
    return T(
        "results-more" if page.more else "results-title",
        {
            "count": min(page.total, COUNT_CAP),
            "page": page.page + 1,
            "pages": page.pages,
            "word": q.text or "none",
        },
    )


def _line(ctx: Ctx, n: int, row: ProgramRow) -> T:
    return T(
        "results-line",
        {
            "n": n,
            "name": Data(row.name),
            "district": Data(row.municipality),
            "provider": Data(row.provider_short),
            "price": ctx.money(row.price) if row.price else "",
            "free": row.price == 0,
            "seats": row.free_seats,
            "online": row.online,
            # a number: the locale writes it (1,8 in Russian, 1.8 in English)
            "distance": round(row.distance_km, 1)
            if row.distance_km is not None and row.distance_km != float("inf")
            else "none",
            "why": _why(row.why_not) if row.why_not is not None else "none",
        },
    )


def _why(exc: DomainError) -> T:
    """Why the program cannot be applied to now, in a few words for its line."""
    params: dict[str, Any] = {
        k: Day(v) if isinstance(v, date) else v for k, v in exc.params.items()
    }
    if "available" in params:
        params["available"] = ""
    return T(f"why-{exc.code}" if exc.code in WHY_CODES else "why-other", params)


WHY_CODES = frozenset(
    {
        "program_age_mismatch",
        "program_finished",
        "applications_open_later",
        "funded_certificate_required",
        "certificate_required",
        "certificate_not_confirmed",
        "already_applied",
        "budget_limit_reached",
        "certificate_exhausted",
        "municipality_year_not_set",
    }
)


def _on(on: bool, piece: T) -> T:
    return T("btn-filter-on", {"label": piece}) if on else piece


def _filters(q: Query) -> list[list[Button]]:
    """The filters' buttons, each saying what it is set to."""
    direction = T(f"direction-{q.direction}") if q.direction in DIRECTIONS else None
    district = q.muni_name if q.muni is not None else None
    where = (
        T("btn-filter-district", {"name": Data(district)})
        if district
        else T("btn-filter-everywhere")
    )
    age = T("btn-filter-age", {"age": q.age}) if q.age is not None else T("btn-filter-any-age")
    near = (
        T("btn-filter-street", {"street": label(q.street)})
        if q.street
        else _on(q.near is not None, T("btn-near"))
    )
    rows = [
        [
            Button(
                _on(True, T("btn-filter-direction", {"name": direction}))
                if direction
                else T("btn-filter-any-direction"),
                ChooseDirection(),
            ),
            Button(_on(district is not None, where), ChooseDistrict()),
        ],
        [
            Button(_on(q.age is not None, age), ChooseAge()),
            Button(near, AskLocation()),
        ],
    ]
    pay = [Button(_on(q.pay == p, T(f"btn-filter-{p}")), Toggle(p)) for p in ("free", "paid")]
    if q.child is not None:  # by whose certificate: the child's
        pay.insert(0, Button(_on(q.pay == "mine", T("btn-filter-mine")), Toggle("mine")))
    rows.append(pay)
    rows.append(
        [
            Button(_on(q.online, T("btn-filter-online")), Toggle("online")),
            Button(_on(q.ovz, T("btn-filter-ovz")), Toggle("ovz")),
            Button(_on(q.free, T("btn-filter-seats")), Toggle("seats")),
        ]
    )
    if q.text:
        word = " ".join(q.text.split())[:WORD_SHOWN]
        rows.append([Button(T("btn-drop-word", {"word": word}), Widen("text"))])
    return rows


def _widen_label(q: Query, drop: str, count: int) -> T:
    params: dict[str, Any] = {"count": min(count, COUNT_CAP), "more": count > COUNT_CAP}
    if drop == "text":
        params["word"] = " ".join(q.text.split())[:WORD_SHOWN]
    return T(f"btn-widen-{drop}", params)


@flow.text(Screens.RESULTS)
async def on_word(ctx: Ctx, text: str) -> Screen:
    """A word typed on the results: searched for within the filters."""
    q = query_state(ctx)
    q.text, q.page = text[:MAX_QUERY], 0
    return await ctx.show(Screens.RESULTS)


@flow.action(ShowResults)
async def show_results(ctx: Ctx, _: ShowResults) -> Screen:
    query_state(ctx).page = 0
    return await ctx.show(Screens.RESULTS)


@flow.action(ResultsPage, on=(Screens.RESULTS,))
async def on_page(ctx: Ctx, act: ResultsPage) -> Screen:
    query_state(ctx).page = max(0, act.page)
    return await ctx.show(Screens.RESULTS)


@flow.action(Toggle, on=(Screens.RESULTS,))
async def on_toggle(ctx: Ctx, act: Toggle) -> Screen:
    if act.what not in TOGGLES:
        raise DomainError("stale-button")
    q = query_state(ctx)
    if act.what in PAY:
        q.pay = "" if q.pay == act.what else act.what
    elif act.what == "online":
        q.online = not q.online
    elif act.what == "ovz":
        q.ovz = not q.ovz
    else:
        q.free = not q.free
    q.page = 0
    return await ctx.show(Screens.RESULTS)


@flow.action(Widen, on=(Screens.RESULTS,))
async def widen(ctx: Ctx, act: Widen) -> Screen:
    if act.drop not in WIDEN:
        raise DomainError("stale-button")
    q = query_state(ctx)
    if act.drop == "text":
        q.text = ""
    elif act.drop == "age":
        q.age = q.child = None
    elif act.drop == "muni":
        q.muni, q.muni_name = None, ""
    elif act.drop == "direction":
        q.direction = None
    elif act.drop == "pay":
        q.pay = ""
    elif act.drop == "online":
        q.online = False
    elif act.drop == "ovz":
        q.ovz = False
    else:
        q.free = False
    q.page = 0
    return await ctx.show(Screens.RESULTS)


@flow.action(BackToResults)
async def results_back(ctx: Ctx, _: BackToResults) -> Screen:
    return await ctx.show(Screens.RESULTS)


# --- the filters with a choice of their own: direction, district, age -------------------


@flow.action(ChooseDirection, on=(Screens.RESULTS,))
async def choose_direction(ctx: Ctx, _: ChooseDirection) -> Screen:
    return await ctx.show(Screens.SEARCH_DIRECTION)


@flow.screen(Screens.SEARCH_DIRECTION)
async def search_direction(ctx: Ctx) -> Screen:
    buttons = [Button(T(f"direction-{d.value}"), PickDirection(d.value)) for d in Direction]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(T("btn-any-direction"), AnyDirection())])
    rows.append([back(ShowResults()), menu_button()])
    return Screen([T("search-direction")], rows)


@flow.action(PickDirection, on=(Screens.SEARCH_DIRECTION,))
async def on_direction(ctx: Ctx, act: PickDirection) -> Screen:
    if act.direction not in DIRECTIONS:
        raise DomainError("stale-button")
    q = query_state(ctx)
    q.direction, q.page = act.direction, 0
    return await ctx.show(Screens.RESULTS)


@flow.action(AnyDirection, on=(Screens.SEARCH_DIRECTION,))
async def on_any_direction(ctx: Ctx, _: AnyDirection) -> Screen:
    q = query_state(ctx)
    q.direction, q.page = None, 0
    return await ctx.show(Screens.RESULTS)


@flow.action(ChooseDistrict, on=(Screens.RESULTS,))
async def choose_district(ctx: Ctx, _: ChooseDistrict) -> Screen:
    forget_municipality_filter(ctx)
    return await ctx.show(Screens.SEARCH_MUNI)


@flow.screen(Screens.SEARCH_MUNI)
async def search_muni(ctx: Ctx) -> Screen:
    notices, rows = await municipality_rows(ctx, PickSearchMunicipality, SearchMunicipalityPage)
    rows.append([Button(T("btn-anywhere"), AnyMunicipality())])
    rows.append([back(ShowResults()), menu_button()])
    return Screen([T("search-muni"), *notices], rows, expect="text")


register_municipality_picker(flow, Screens.SEARCH_MUNI, SearchMunicipalityPage)


@flow.action(PickSearchMunicipality, on=(Screens.SEARCH_MUNI,))
async def on_muni(ctx: Ctx, act: PickSearchMunicipality) -> Screen:
    q = query_state(ctx)
    names = dict(await ctx.core.catalogue.municipalities())
    if act.municipality_id not in names:
        raise DomainError("stale-button")
    q.muni, q.muni_name, q.page = act.municipality_id, names[act.municipality_id], 0
    forget_municipality_filter(ctx)
    return await ctx.show(Screens.RESULTS)


@flow.action(AnyMunicipality, on=(Screens.SEARCH_MUNI,))
async def on_any_muni(ctx: Ctx, _: AnyMunicipality) -> Screen:
    q = query_state(ctx)
    q.muni, q.muni_name, q.page = None, "", 0
    forget_municipality_filter(ctx)
    return await ctx.show(Screens.RESULTS)


@flow.action(ChooseAge, on=(Screens.RESULTS,))
async def choose_age(ctx: Ctx, _: ChooseAge) -> Screen:
    return await ctx.show(Screens.SEARCH_AGE)


@flow.screen(Screens.SEARCH_AGE)
async def search_age(ctx: Ctx) -> Screen:
    """The family's children (the age, and why not for that child) or an age."""
    kids = await ctx.children() if (await ctx.parent()).consent else []
    rows = [
        [Button(T("child-with-age", {"name": label(k.name), "age": k.age}), PickSearchChild(k.id))]
        for k in kids
    ]
    ages = [Button(Data(str(a)), PickAge(a)) for a in AGES]
    rows += [ages[i : i + 8] for i in range(0, len(ages), 8)]
    rows.append([Button(T("btn-any-age"), AnyAge())])
    rows.append([back(ShowResults()), menu_button()])
    return Screen([T("search-age")], rows)


@flow.action(PickAge, on=(Screens.SEARCH_AGE,))
async def on_age(ctx: Ctx, act: PickAge) -> Screen:
    if act.age not in AGES:
        raise DomainError("stale-button")
    q = query_state(ctx)
    q.age, q.child, q.page = act.age, None, 0
    if q.pay == "mine":
        q.pay = ""
    return await ctx.show(Screens.RESULTS)
