"""The search's flow and what it keeps: the query (its filters and its page).

The search is four modules of one flow (``search.flow``): the one question
(search_question), the results and their filters (search_results), nearest first
(search_near) and this; the program's card is card.py."""

from __future__ import annotations

from bot.dialogs.actions import Action, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flowstate import FlowState, flow_state
from core.port import SearchQuery
from core.rules.catalogue import Direction

flow = Flow("search", teen=True)

DIRECTIONS = frozenset(d.value for d in Direction)
# the search's toggles: a price (one of three at a time) and three conditions on their own
PAY = frozenset({"mine", "free", "paid"})
TOGGLES = frozenset({*PAY, "online", "ovz", "seats"})


@action("sr")
class ShowResults(Action):
    """Back to the results (the first page)."""


@flow_state("q")
class Query(FlowState):
    """What the person is searching for, and the page of results they are on."""

    direction: str | None = None
    muni: int | None = None
    muni_name: str = ""  # the district's name, for its button
    child: int | None = None  # the child it is for (sets the age; says why not)
    age: int | None = None
    text: str = ""
    near: list[float] | None = None  # [lat, lon]
    street: str = ""  # the typed address's street the results are nearest to
    free: bool = False  # only programs with free seats
    pay: str = ""  # "mine" (by the child's certificate), "free" or "paid"
    online: bool = False
    ovz: bool = False  # suitable for children with disabilities
    page: int = 0


def query_state(ctx: Ctx) -> Query:
    return ctx.flow(Query)


def search_query(q: Query) -> SearchQuery:
    near = q.near
    return SearchQuery(
        direction=Direction(q.direction) if q.direction in DIRECTIONS else None,
        municipality_id=q.muni,
        age=q.age,
        text=q.text,
        free_seats_only=q.free,
        page=q.page,
        near=(near[0], near[1]) if near else None,
        pay=q.pay if q.pay in PAY else "",
        online=q.online,
        ovz=q.ovz,
    )
