"""Rating a program: after a month of studies the parent rates the program of an
application (1–5 stars) and may leave a short review; rated again, the review is edited.
Reached from the application's card (/apps), and from the one notice that invites the
family to rate once the month has passed (core.catalogue.reviews.invite)."""

from __future__ import annotations

from bot.dialogs.actions import Action, OpenApplication, RateProgram, action
from bot.dialogs.context import Ctx
from bot.dialogs.flow import Flow
from bot.dialogs.flows.apps import OpenedApplication
from bot.dialogs.flows.common import menu_button
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.screen import Button, Screen, T
from bot.dialogs.screens import Screens
from core.errors import DomainError
from core.port import REVIEW_MAX

flow = Flow("rating")
TYPED_MAX = 10_000  # what a pasted text may be and still be answered with its length


@action("rate-stars")
class PickStars(Action):
    application_id: int
    stars: int


@action("rate-skip")
class NoReviewText(Action):
    application_id: int


@flow_state("rate")
class Rating(FlowState):
    """The application whose program is being rated, and the stars chosen."""

    application_id: int | None = None
    stars: int | None = None


def _rating(ctx: Ctx) -> Rating:
    rating = ctx.flow(Rating)
    if rating.application_id is None:
        raise DomainError("application_not_found")
    return rating


@flow.action(RateProgram)  # the application's card, and the notice inviting to rate
async def rate(ctx: Ctx, act: RateProgram) -> Screen:
    await ctx.core.catalogue.rate_target(ctx.parent_id, act.application_id)  # may it be?
    ctx.begin(Rating).application_id = act.application_id
    return await ctx.show(Screens.RATE_STARS)


@flow.screen(Screens.RATE_STARS)
async def rate_stars(ctx: Ctx) -> Screen:
    app = _rating(ctx).application_id
    assert app is not None
    aim = await ctx.core.catalogue.rate_target(ctx.parent_id, app)
    parts = [T("rate-ask", {"program": aim.program})]
    if aim.stars is not None:
        parts.append(T("rate-given", {"stars": aim.stars}))
    stars = [Button(T("btn-stars", {"stars": n}), PickStars(app, n)) for n in range(1, 6)]
    return Screen(parts, [stars, [Button(T("btn-back-app"), OpenApplication(app))]])


@flow.action(PickStars, on=(Screens.RATE_STARS,))
async def on_stars(ctx: Ctx, act: PickStars) -> Screen:
    rating = _rating(ctx)
    if act.application_id != rating.application_id or not 1 <= act.stars <= 5:
        raise DomainError("stale-button")
    rating.stars = act.stars
    return await ctx.show(Screens.RATE_TEXT)


@flow.screen(Screens.RATE_TEXT)
async def rate_text(ctx: Ctx) -> Screen:
    rating = _rating(ctx)
    app = rating.application_id
    assert app is not None
    return Screen(
        [T("rate-text", {"stars": rating.stars or 0, "max": REVIEW_MAX})],
        [
            [Button(T("btn-no-review-text"), NoReviewText(app))],
            [Button(T("btn-back-app"), OpenApplication(app)), menu_button()],
        ],
        expect="text",
    )


# a text longer than the review's limit still reaches the check, which says by how much
@flow.text(Screens.RATE_TEXT, longest=TYPED_MAX)
async def on_text(ctx: Ctx, text: str) -> Screen:
    return await _save(ctx, text)


@flow.action(NoReviewText, on=(Screens.RATE_TEXT,))
async def on_no_text(ctx: Ctx, act: NoReviewText) -> Screen:
    if act.application_id != _rating(ctx).application_id:
        raise DomainError("stale-button")
    return await _save(ctx, "")


async def _save(ctx: Ctx, text: str) -> Screen:
    rating = _rating(ctx)
    app, stars = rating.application_id, rating.stars
    if app is None or stars is None:
        raise DomainError("stale-button")
    await ctx.core.catalogue.rate(ctx.parent_id, app, stars, text)
    ctx.end_flow(Rating)
    ctx.flow(OpenedApplication).application_id = app
    return await ctx.show(Screens.APP, T("rate-saved"))
