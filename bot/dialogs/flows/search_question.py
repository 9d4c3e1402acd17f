"""The search's one question: for which child, when the family has several. One child (or
a teen searching for themself): the results at once, in the child's district and for the
child's age; no child: the results everywhere, the filters narrow them."""

from __future__ import annotations

from bot.dialogs.actions import Action, FindSimilar, FindTyped, OpenSearch, action
from bot.dialogs.context import Ctx
from bot.dialogs.flows.common import label, menu_button
from bot.dialogs.flows.search_state import Query, flow, query_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import MAX_QUERY, ChildView


@action("sc")
class PickSearchChild(Action):
    child_id: int


@action("sc-any")
class AnyAge(Action):
    pass


def for_child(q: Query, kid: ChildView) -> None:
    """The search is for this child: the child's age and district."""
    q.child, q.age = kid.id, kid.age
    q.muni, q.muni_name = kid.municipality_id, kid.municipality


@flow.action(OpenSearch)
async def search(ctx: Ctx, _: OpenSearch) -> Screen:
    q = ctx.begin(Query)  # a new search
    kids = await ctx.children() if (await ctx.parent()).consent else []
    if len(kids) > 1:
        return await ctx.show(Screens.SEARCH_CHILD)
    if kids:
        for_child(q, kids[0])
    return await ctx.show(Screens.RESULTS)


@flow.command("search")
async def search_command(ctx: Ctx, arg: str) -> Screen:
    return await search(ctx, OpenSearch())


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


@flow.action(PickSearchChild, on=(Screens.SEARCH_CHILD, Screens.SEARCH_AGE))
async def on_child(ctx: Ctx, act: PickSearchChild) -> Screen:
    kid = await ctx.core.family.child(ctx.parent_id, act.child_id)
    q = query_state(ctx)
    for_child(q, kid)
    q.page = 0
    return await ctx.show(Screens.RESULTS)


@flow.action(AnyAge, on=(Screens.SEARCH_CHILD, Screens.SEARCH_AGE))
async def on_any_age(ctx: Ctx, _: AnyAge) -> Screen:
    q = query_state(ctx)
    q.child = q.age = None
    if q.pay == "mine":  # by whose certificate: nobody's now
        q.pay = ""
    q.page = 0
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
    q.muni_name = c.municipality
    return await ctx.show(Screens.RESULTS)
