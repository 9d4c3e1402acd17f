"""Applying checks every term the family confirmed that its money depends on: the monthly
price (and so the co-pay) as well as what the certificate pays of it. A certificate that
covers only part of the price pays the same share at a higher price, so a share-only
check let a family apply under a co-pay it never saw. A price raised between the quote
(the card's or the quote screen's) and the press is refused with quote_changed: nothing
is written and the new quote is shown to confirm; unchanged terms apply at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.i18n import money
from core.enrolment import enrolment, quotes
from core.errors import DomainError
from core.rules.money import Terms
from core.storage.models import Outbox, Program
from tests.support.walk import applications as _applications
from tests.support.walk import open_card
from tests.support.walk import press as _press
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region

APPLY = "Подать заявку"
CHANGED = "Условия изменились"
# 2 000 ₽ a month for 8 months (October to May) against the 11 000 ₽ a certificate
# granted on 5 October holds: the certificate pays 1 375 ₽, the family 625 ₽; at 3 000 ₽
# it still pays 1 375 ₽ (all it has), the family 1 625 ₽
PRICE, RAISED, SHARE = 200_000, 300_000, 137_500


async def _notices(db: Any) -> int:
    async with db.reader() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Outbox)) or 0)


async def _raise_price(db: Any, program: str) -> None:
    async with db.uow() as uow:
        await uow.session.execute(
            update(Program).where(Program.external_id == program).values(price=RAISED)
        )
        await uow.commit()


def _shows(text: str, price: int, share: int) -> None:
    assert f"Стоимость: {money(price)} в месяц" in text, text
    assert f"Сертификат оплатит: {money(share)} в месяц" in text, text
    assert f"доплата: {money(price - share)} в месяц" in text, text


async def test_the_core_refuses_a_price_moved_under_the_same_share(db):
    await setup_region(db, rows=[catalogue_row(1, price=2000)])
    parent, child = await parent_with_child(db)
    g = await group_id(db, "g1")
    async with db.reader() as uow:
        seen = (await quotes.quote_application(uow, parent, child, g)).money.terms
    assert seen == Terms(PRICE, SHARE)
    await _raise_price(db, "p1")
    with pytest.raises(DomainError) as err:
        await db.run(enrolment.apply, parent, child, g, expected=seen)
    assert err.value.code == "quote_changed"
    assert (err.value.params["price"], err.value.params["share"]) == (RAISED, SHARE)
    assert await _applications(db) == []
    # the terms the new quote shows apply
    await db.run(enrolment.apply, parent, child, g, expected=Terms(RAISED, SHARE))
    [app] = await _applications(db)
    assert (app.monthly_price, app.monthly_share) == (RAISED, SHARE)


async def test_a_card_whose_price_rose_shows_the_new_co_pay_instead_of_applying(db):
    await setup_region(db, rows=[catalogue_row(1, price=2000)])
    await parent_with_child(db, "1")
    engine, _, card = await open_card(db)
    assert APPLY in card.buttons[0].label, card.text
    _shows(card.text, PRICE, SHARE)
    notices = await _notices(db)
    await _raise_price(db, "p1")
    quote = await _press(engine, "1", card.buttons[0].payload)
    assert quote.text.startswith(CHANGED), quote.text
    _shows(quote.text, RAISED, SHARE)  # the same share, the co-pay the family must see
    assert await _applications(db) == [] and await _notices(db) == notices
    done = await _press(engine, "1", quote.buttons[0].payload)
    assert "Заявка подана" in done.text, done.text
    [app] = await _applications(db)
    assert (app.monthly_price, app.monthly_share) == (RAISED, SHARE)


async def test_the_quote_screen_refuses_a_price_that_rose_and_applies_what_it_shows(db):
    two_groups = catalogue_row(1, price=2000).replace(",g1,Группа 1,", ",g1b,Группа 1б,")
    await setup_region(db, rows=[catalogue_row(1, price=2000), two_groups])
    await parent_with_child(db, "1")
    engine, _, card = await open_card(db)
    group = next(b for b in card.buttons if b.label.startswith("✍"))
    quote = await _press(engine, "1", group.payload)
    assert APPLY in quote.buttons[0].label, quote.text
    _shows(quote.text, PRICE, SHARE)
    await _raise_price(db, "p1")
    again = await _press(engine, "1", quote.buttons[0].payload)
    assert again.text.startswith(CHANGED), again.text
    _shows(again.text, RAISED, SHARE)
    assert await _applications(db) == []
    # unchanged since it was shown: applied at once, under the terms shown
    done = await _press(engine, "1", again.buttons[0].payload)
    assert "Заявка подана" in done.text, done.text
    [app] = await _applications(db)
    assert (app.monthly_price, app.monthly_share) == (RAISED, SHARE)


async def test_unchanged_terms_apply_from_the_card_at_once(db):
    await setup_region(db, rows=[catalogue_row(1, price=2000)])
    await parent_with_child(db, "1")
    engine, _, card = await open_card(db)
    done = await _press(engine, "1", card.buttons[0].payload)
    assert "Заявка подана" in done.text and CHANGED not in done.text, done.text
    [app] = await _applications(db)
    assert (app.monthly_price, app.monthly_share) == (PRICE, SHARE)
