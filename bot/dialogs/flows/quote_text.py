"""What an application would cost, as the family confirms it: on the quote screen, and on
a program's card when the card carries the quote of its only group (card.py)."""

from __future__ import annotations

from bot.dialogs.context import Ctx
from bot.dialogs.screen import Piece, T
from bot.words import Month, span
from core.port import ApplyQuote


def quote_parts(ctx: Ctx, q: ApplyQuote) -> list[Piece]:
    """The quote's texts: the months, the price, what the certificate pays, the co-pay and
    the balance after, and every condition the family confirms by applying."""
    first, last = span(q.first_month, q.last_month)
    months = {"from": first, "to": last}
    total_months = q.last_month - q.first_month + 1
    if q.money.reserve:
        body = T(
            "quote-certified",
            {
                "child": q.child_name,
                "months": total_months,
                "total": ctx.money(q.money.monthly_price * total_months),
                "copay_total": ctx.money(q.money.monthly_copay * total_months),
                "reserve": ctx.money(q.money.reserve),
                "price": ctx.money(q.money.monthly_price),
                "share": ctx.money(q.money.monthly_share),
                "copay": ctx.money(q.money.monthly_copay),
                "available": ctx.money(q.available),
                "copay_due": q.money.monthly_copay > 0,
                # the money does not cover the price: an equal share, in whole roubles
                "short": 0 < q.money.monthly_share < q.money.monthly_price,
                **months,
            },
        )
    else:
        body = T(
            "quote-budget",
            {
                "child": q.child_name,
                **months,
                "art": q.art_school,
                "price": ctx.money(q.money.monthly_price),
                "paid": q.money.monthly_price > 0,
            },
        )
    parts: list[Piece] = [body]
    if q.money.reserve and q.available > 0 and q.money.reserve * 2 >= q.available:
        # one studio taking most of a nominal blocks the others: say so before applying
        parts.append(
            T(
                "quote-most",
                {
                    "percent": min(100, q.money.reserve * 100 // q.available),
                    "left": ctx.money(max(0, q.available - q.money.reserve)),
                },
            )
        )
    if q.later_months:
        # a calendar-year municipality: up to December now, the rest on 1 January
        parts.append(
            T(
                "quote-later",
                {
                    "months": q.later_months,
                    "from": Month(q.last_month - q.later_months + 1),
                },
            )
        )
    if q.next_year:
        year = f"{q.school_year}/{(q.school_year + 1) % 100:02d}"
        parts.insert(0, T("quote-next-year", {"year": year, "known": q.nominal_known}))
    elif q.later_year:
        parts.append(T("quote-next-funding-year", {"known": q.nominal_known}))
    if q.offered:
        parts.insert(0, T("quote-offer"))
    elif q.full:
        parts.append(T("quote-waiting", {"waiting": q.waiting}))
    return parts
