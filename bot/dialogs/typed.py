"""Words typed where a button was expected: offered as a search, one press away, unless
they look personal (a phone, a СНИЛС) or the person has not consented, in which case they
are not kept in the dialog state at all, not even for its hours."""

from __future__ import annotations

from bot.dialogs.actions import FindTyped
from bot.dialogs.context import Ctx
from bot.dialogs.screen import Button, Screen, T

TYPED_MAX = 100  # typed words kept to search for (the catalogue's query is shorter still)
PERSONAL_DIGITS = 7  # a phone has 10, a СНИЛС 11; no club's name has a run this long
TYPED_LABEL = 20  # of them, on the button (a label is at most 40 characters)
MAX_ROWS = 10  # a screen's rows (VK's inline keyboard holds 10)


def looks_personal(text: str) -> bool:
    """A number someone may have typed by mistake where a button was expected."""
    return sum(c.isdigit() for c in text) >= PERSONAL_DIGITS


async def unexpected(ctx: Ctx, text: str, searchable: bool) -> Screen:
    """The screen the person is on again, under a notice; the words offered as a search
    when ``searchable`` (the flows have the search) and they may be kept."""
    # an earlier offer goes: the person typed something else
    ctx.take_typed()
    if not text or not searchable:
        return await ctx.engine.current(ctx, T("unexpected-text"))
    # what someone who has not consented types, or what looks like a СНИЛС or a phone, is
    # not kept in the dialog state (not even for its hours): no search offer
    if looks_personal(text) or not (await ctx.parent()).consent:
        return await ctx.engine.current(ctx, T("unexpected-text"))
    ctx.offer_typed(text[:TYPED_MAX])
    short = text if len(text) <= TYPED_LABEL else text[: TYPED_LABEL - 1] + "…"
    screen = await ctx.engine.current(ctx, T("unexpected-text-search", {"text": short}))
    if len(screen.rows) < MAX_ROWS:
        # last: the buttons already on screen keep their places (the terminal numbers
        # them, and a number typed a moment later must press what it pressed before)
        screen.rows.append([Button(T("btn-find-typed", {"text": short}), FindTyped())])
    return screen
