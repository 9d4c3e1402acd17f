"""What the family is told about its money, read together with what the ledger then does,
on both databases: a certificate funded mid-year gets the months left (the card says how
many and from when), and on the day the card names, the rest expires."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from bot.dialogs.flows.balance import funding_lines
from bot.dialogs.screen import Lines, Screen, render
from bot.i18n import Translator, money
from core.accounting import month_close, new_year
from core.certificates import balance, certificates
from core.enrolment import decisions, enrolment
from core.rules.calendar import Period, month_index
from core.staff import roles
from tests.integration.test_funding_period import _region as calendar_region
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _view(db, parent, child):
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
        # the balance screen reads the same terms in its one joined query (issue 30)
        family = (await balance.family(uow, parent)).certificates
    assert view is not None and family[child] is not None
    assert family[child].terms == view.terms
    return view


def _told(terms, lang: str = "ru") -> str:
    ctx = SimpleNamespace(money=lambda kopecks: money(kopecks, lang))
    screen = Screen([Lines(funding_lines(ctx, terms))])  # type: ignore[arg-type]
    return render(screen, lang, Translator(), lambda a: "").text


async def test_the_expiry_promise_is_what_the_new_year_does(db, clock):
    # funded on 5 October 2026 (the clock's start) in a school-year municipality
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    parent, child = await parent_with_child(db)
    view = await _view(db, parent, child)
    terms = view.terms
    assert terms is not None
    # October to August: 11 of 12 months of the 12 000 ₽ nominal
    assert (terms.period, terms.nominal, terms.credited) == (Period.SCHOOL, 1_200_000, 1_100_000)
    assert (terms.months, terms.from_month) == (11, month_index(2026, 10))
    assert (terms.valid_until, terms.expires_on) == (date(2027, 8, 31), date(2027, 9, 1))
    text = _told(terms)
    months = "пришло 11\u00a0000\u00a0₽ — за 11 оставшихся месяцев из 12, с октября 2026\u00a0г."
    assert months in text
    assert "Средства действуют до 31 августа 2027\u00a0г. включительно." in text
    assert "С 1 сентября 2027\u00a0г. весь неизрасходованный остаток сгорает" in text

    staff = await db.run(roles.grant, "tg:100", "provider", provider_external_id="prov1")
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    assert (await db.run(accept_contract, staff, app)).done
    await db.run(decisions.provider_enrol, staff, app, date(2026, 10, 12))
    # the last day the card names: the money is still there
    clock.set(datetime(2027, 8, 31, 12, 0))
    for month in range(month_index(2026, 10), month_index(2027, 7) + 1):
        await db.run(month_close.close_month, month)
    before = await _view(db, parent, child)
    assert before.total > 0 and before.reserved == 0
    # the day it names: the next year opens and all that was left is gone
    clock.set(datetime(2027, 9, 1, 9, 0))
    result = await db.run(new_year.open_year, 2027, close_missing=True)
    assert result.expired == 1
    after = await _view(db, parent, child)
    assert after.total == 0  # no 2027/28 nominal set: nothing new, nothing carried over


async def test_a_calendar_year_s_rest_expires_on_1_january(db, clock):
    await calendar_region(db)
    parent, child = await parent_with_child(db)  # 5 October 2026, in a calendar-year town
    terms = (await _view(db, parent, child)).terms
    assert terms is not None
    assert (terms.period, terms.credited, terms.months) == (Period.CALENDAR, 300_000, 3)
    assert terms.valid_until == date(2026, 12, 31)
    text = _told(terms, "en")
    assert "for the 3 months of 12 that were left, from October 2026 to the end of the year" in (
        text
    )
    assert "On January 1, 2027, everything left unspent expires" in text
    clock.set(datetime(2027, 1, 1, 9, 0))
    result = await db.run(new_year.open_funding_year, 2027, close_missing=True)
    assert result.expired == 1
    # the old 3 000 ₽ gone, only the new year's nominal (12 000 ₽) on the certificate
    assert (await _view(db, parent, child)).total == 1_200_000


async def test_a_full_year_s_credit_has_no_months(db, clock):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    clock.set(datetime(2026, 9, 1, 9, 0))
    parent, child = await parent_with_child(db)
    terms = (await _view(db, parent, child)).terms
    assert terms is not None
    assert (terms.credited, terms.months, terms.from_month) == (1_200_000, None, None)
    assert "оставш" not in _told(terms)
