"""A coordinator moderates the families' reviews of their municipality's programs (the
region's, region-wide): newest first, a page at a time; a review may be hidden (never
edited), and the act is in the audit trail."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenReviews, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.common import menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.port import MODERATION_PAGE

flow = Flow("reviews")
QUOTED = 300  # of a review's text on the list (the whole of it is at most 500)


@action("review-hide")
class HideReview(Action):
    review_id: int


@flow_state("reviews")
class ReviewsPage(FlowState):
    page: int = 0


@flow.action(OpenReviews)
async def open_reviews(ctx: Ctx, act: OpenReviews) -> Screen:
    ctx.flow(ReviewsPage).page = max(0, act.page)
    return await ctx.show(Screens.REVIEWS)


@flow.command("reviews")
async def reviews_command(ctx: Ctx, arg: str) -> Screen:
    return await open_reviews(ctx, OpenReviews())


@flow.screen(Screens.REVIEWS)
async def reviews(ctx: Ctx) -> Screen:
    page = ctx.flow(ReviewsPage).page
    found, total = await ctx.core.staff.reviews(ctx.parent_id, page)
    if not found:
        return Screen([T("reviews-none")], [[menu_button()]])
    first = page * MODERATION_PAGE
    parts: list[T] = [T("reviews-title", {"count": total})]
    rows = []
    for n, r in enumerate(found, start=first + 1):
        text = r.text if len(r.text) <= QUOTED else r.text[: QUOTED - 1].rstrip() + "…"
        parts.append(
            T(
                "reviews-line",
                {
                    "n": n,
                    "program": r.program,
                    "stars": r.stars,
                    "text": text,
                    "at": ctx.local_time(r.at),
                },
            )
        )
        rows.append([Button(T("btn-hide-review", {"n": n}), HideReview(r.id))])
    nav = []
    if page > 0:
        nav.append(Button(T("btn-prev"), OpenReviews(page - 1)))
    if first + len(found) < total:
        nav.append(Button(T("btn-next"), OpenReviews(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([menu_button()])
    return Screen(parts, rows)


@flow.action(HideReview, on=(Screens.REVIEWS,))
async def hide(ctx: Ctx, act: HideReview) -> Screen:
    await ctx.core.staff.hide_review(ctx.parent_id, act.review_id)
    return await ctx.show(Screens.REVIEWS, T("review-hidden"))
