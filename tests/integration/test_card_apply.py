"""A program of one group, for the family's one child of its age: the card carries that
group's quote and applies from it (card, apply: two messages, issue 30). What the family
confirms on the card is what the application holds; a card gone stale (the price changed
since it was drawn) does not apply silently: the new quote is shown to confirm, as the
quote screen's own button does. Several groups, or several children of the age, keep
the group's button and the quote screen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from bot.dialogs.engine import PUBLIC
from bot.dialogs.signing import Signer
from bot.i18n import money
from core.family import children
from core.storage.models import Program
from tests.support.walk import applications as _applications
from tests.support.walk import engine as _engine
from tests.support.walk import open_card
from tests.support.walk import press as _press
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region

APPLY = "Подать заявку"


async def test_the_card_of_one_group_is_its_quote_and_applies_what_it_showed(db):
    # 9 months at 2 000 ₽ against a 12 000 ₽ nominal: the certificate pays a share, the
    # family the rest (the quote's longest text: the share and the co-pay both said)
    await setup_region(db, rows=[catalogue_row(1, price=2000)])
    await parent_with_child(db, "1")
    engine, _, card = await open_card(db)
    assert APPLY in card.buttons[0].label, card.text
    assert not any(b.label.startswith(("✍", "⏳")) for b in card.buttons)
    assert "Запись: Мария" in card.text and "Программа 1" in card.text
    done = await _press(engine, "1", card.buttons[0].payload)
    assert "Заявка подана" in done.text, done.text
    [app] = await _applications(db)
    assert app.group_id == await group_id(db, "g1")
    # the figures the card showed are the application's
    price, share = money(app.monthly_price), money(app.monthly_share)
    copay = money(app.monthly_price - app.monthly_share)
    assert 0 < app.monthly_share < app.monthly_price
    assert f"Стоимость: {price} в месяц" in card.text, card.text
    assert f"Сертификат оплатит: {share} в месяц" in card.text, card.text
    assert f"доплата: {copay} в месяц" in card.text, card.text
    assert "сейчас доступно" in card.text  # the balance the reserve comes out of


async def test_a_stale_card_shows_the_new_quote_instead_of_applying(db):
    await setup_region(db, nominal=100000, rows=[catalogue_row(1, price=1000)])
    await parent_with_child(db, "1")
    engine, _, card = await open_card(db)
    assert f"Сертификат оплатит: {money(100000)} в месяц" in card.text, card.text
    # the catalogue's price changes while the family reads the card
    async with db.uow() as uow:
        await uow.session.execute(update(Program).values(price=150000))
        await uow.commit()
    quote = await _press(engine, "1", card.buttons[0].payload)
    assert "Условия изменились" in quote.text, quote.text
    assert f"Сертификат оплатит: {money(150000)} в месяц" in quote.text, quote.text
    assert await _applications(db) == []  # nothing applied for the old figures
    done = await _press(engine, "1", quote.buttons[0].payload)
    assert "Заявка подана" in done.text, done.text
    [app] = await _applications(db)
    assert (app.monthly_price, app.monthly_share) == (150000, 150000)


async def test_several_groups_or_children_keep_the_group_button(db):
    two_groups = catalogue_row(2).replace(",g2,Группа 2,", ",g2b,Группа 2б,")
    await setup_region(db, rows=[catalogue_row(1), catalogue_row(2), two_groups])
    parent, _ = await parent_with_child(db, "1")
    engine, signer, card = await open_card(db, program=2)
    groups = [b for b in card.buttons if b.label.startswith("✍")]
    assert len(groups) == 2 and not any(APPLY in b.label for b in card.buttons), card.text
    quote = await _press(engine, "1", groups[0].payload)
    assert APPLY in quote.buttons[0].label, quote.text
    # a second child of the age: the card of one group asks which child, as before
    async with db.uow() as uow:
        await children.add(
            uow, parent, children.ChildInput("Иванов", "Пётр", None, date(2015, 1, 1), None, 1)
        )
        await uow.commit()
    card = await _press(engine, "1", signer.sign(PUBLIC, "prog:1"))
    assert not any(APPLY in b.label for b in card.buttons), card.text
    group = next(b for b in card.buttons if b.label.startswith("✍"))
    which = await _press(engine, "1", group.payload)
    assert "Кого записываем" in which.text, which.text


async def test_a_child_s_own_account_applies_for_themselves_from_the_card(db):
    """The family has two children of the age (the parent's card asks which, through the
    group), the child's own account quotes and applies for that child alone."""
    from core.certificates import certificates, confirmations
    from core.family import parents, teens
    from core.register import linking
    from tests.support.world import confirmer

    await setup_region(db, rows=[catalogue_row(1)])
    parent, young = await parent_with_child(db, "1")
    teen = await db.run(
        children.add,
        parent,
        children.ChildInput("Иванов", "Глеб", None, date(2011, 9, 1), None, 1),
    )
    async with db.uow() as uow:  # a funded certificate of the teen's own
        cert = await certificates.issue(uow, parent, teen)
        await confirmations.confirm(uow, await confirmer(uow), cert)
        await certificates.request_funding(uow, parent, teen)
        await uow.commit()
    own = (await db.run(parents.get_or_create, "tg", "5050")).id
    code = await db.run(teens.invite, parent, teen)
    assert await db.run(linking.redeem, own, "tg", code) == parent
    signer = Signer(b"k")
    engine = _engine(db, signer)
    card = await _press(engine, "1", signer.sign(PUBLIC, "prog:1"))
    assert not any(APPLY in b.label for b in card.buttons), card.text
    card = await _press(engine, "5050", signer.sign(PUBLIC, "prog:1"))
    assert APPLY in card.buttons[0].label, card.text
    assert "Запись: Глеб" in card.text, card.text
    done = await _press(engine, "5050", card.buttons[0].payload)
    assert "Заявка подана" in done.text, done.text
    [app] = await _applications(db)
    assert app.child_id == teen != young


async def test_the_card_reads_each_child_s_funding_year_in_its_one_statement(db, clock):
    """The card reads the family's children and the group's facts for each in one
    statement, the settings of the funding year chosen there by the child's municipality's
    period (February 2027: a calendar year's 2027, a school year's 2026), and quotes what
    the quote asked alone says; the child's open applications are read with it (one to
    the same program: no quote on the card)."""
    from datetime import datetime

    from sqlalchemy import select

    from core.catalogue import catalogue_import, municipalities_import
    from core.enrolment import enrolment, quotes
    from core.storage.models import MunicipalityYear
    from core.usecases import UseCases
    from tests.support.world import HEADER

    munis = (
        "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit,"
        "funding_period\n"
        "town,Город,Регион,2026,10,12000,2,календарный\n"
        "town,Город,Регион,2027,10,12000,2,календарный\n"
        "village,Село,Регион,2026,5,12000,2,учебный\n"
        "village,Село,Регион,2027,5,12000,2,учебный\n"
    )
    async with db.uow() as uow:
        assert (await municipalities_import.import_municipalities(uow, munis)).ok
        rows = [catalogue_row(1), catalogue_row(2)]
        assert (await catalogue_import.import_catalogue(uow, HEADER + "\n" + "\n".join(rows))).ok
        await uow.commit()
    town_parent, town_child = await parent_with_child(db, "1", muni_id=1)
    village_parent, village_child = await parent_with_child(db, "2", muni_id=2)
    clock.set(datetime(2027, 2, 10, 9, 0))
    core = UseCases(db)
    one, other = await group_id(db, "g1"), await group_id(db, "g2")
    for parent, child, muni, year in (
        (town_parent, town_child, 1, 2027),
        (village_parent, village_child, 2, 2026),
    ):
        async with db.reader() as uow:
            [[row]] = await quotes.family_quotes(uow, parent, one)
            settings = select(MunicipalityYear.id).where(
                MunicipalityYear.municipality_id == muni, MunicipalityYear.school_year == year
            )
            assert row.year_id == await uow.session.scalar(settings), (muni, year)
        card = await core.catalogue.card(1, parent)
        assert card.ready is not None
        assert card.ready == await core.enrolment.quote(parent, child, one)
    # an open application elsewhere is read beside the child; one to this program refuses
    await db.run(enrolment.apply, town_parent, town_child, other)
    async with db.reader() as uow:
        [rows] = await quotes.family_quotes(uow, town_parent, one)
    assert [r.app_program for r in rows] == [2]
    card = await core.catalogue.card(1, town_parent)
    assert card.ready == await core.enrolment.quote(town_parent, town_child, one)
    await db.run(enrolment.apply, town_parent, town_child, one)
    assert (await core.catalogue.card(1, town_parent)).ready is None
