"""Families' ratings of programs, on both databases: who may rate (a month of studies, the
family's own child), one review per child and program (edited when rated again), the
text's limit, the card's average and latest reviews, and the municipality's coordinator
hiding one (audited; the text kept as written; another municipality's coordinator may
not)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.staff import roles
from core.storage.models import AuditRecord, Outbox, Program, Review
from core.usecases.catalogue import Catalogue
from core.usecases.jobs import NoticeFacts, invite_to_rate
from core.usecases.staff import Staff
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

ROWS = [
    catalogue_row(1, price=1000, schedule="Пн 15:00"),
    catalogue_row(2, price=1000, schedule="Пн 15:00", muni="village"),
]


async def _enrolled(db, staff: int, family: str, group: str, first: date) -> tuple[int, int]:
    parent, child = await parent_with_child(db, family, muni_id=1 if group == "g1" else 2)
    app = await db.run(enrolment.apply, parent, child, await group_id(db, group))
    assert (await db.run(accept_contract, staff, app)).done
    assert await db.run(decisions.provider_enrol, staff, app, first) == first
    return parent, app


async def _world(db):
    await setup_region(db, rows=ROWS, nominal=30_000)
    return await db.run(roles.grant, "tg:100", "provider", provider_external_id="prov1")


async def test_a_family_rates_after_a_month_of_studies_once_per_child(db, clock):
    staff = await _world(db)
    parent, app = await _enrolled(db, staff, "11", "g1", date(2026, 10, 5))
    other, _ = await _enrolled(db, staff, "12", "g1", date(2026, 10, 12))
    cards = Catalogue(db)
    clock.set(datetime(2026, 11, 4, 9, 0))  # a month less a day
    with pytest.raises(DomainError) as err:
        await cards.rate(parent, app, 5, "Отлично")
    assert err.value.code == "review_too_early"
    clock.set(datetime(2026, 11, 5, 9, 0))  # a month of studies
    aim = await cards.rate_target(parent, app)
    assert (aim.stars, aim.program) == (None, "Программа 1")
    # another family's application is not this family's to rate
    with pytest.raises(DomainError) as err:
        await cards.rate(other, app, 1, "Плохо")
    assert err.value.code == "application_not_found"
    first = await cards.rate(parent, app, 5, "Ребёнку нравится 👍")
    # rated again: the same review, edited
    again = await cards.rate(parent, app, 4, "Хорошо, но группа большая 🙂")
    assert again == first
    async with db.reader() as uow:
        kept = (await uow.session.scalars(select(Review))).all()
    assert [(r.stars, r.text) for r in kept] == [(4, "Хорошо, но группа большая 🙂")]
    assert (await cards.rate_target(parent, app)).stars == 4
    shown = await cards.card(aim.program_id)
    assert shown.ratings is not None
    assert (shown.ratings.count, shown.ratings.average) == (1, 4.0)
    assert [r.text for r in shown.ratings.latest] == ["Хорошо, но группа большая 🙂"]


async def _invitations(db) -> list[tuple[int, dict]]:
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(Outbox.parent_id, Outbox.payload)
            .where(Outbox.kind == "rate_invite")
            .order_by(Outbox.id)
        )
        return [(p, dict(payload or {})) for p, payload in rows]


async def test_a_month_of_studies_invites_the_family_to_rate_once(db, clock):
    """One notice a child and program, when the rule of rating allows it, with a button
    that rates; none where the child rated already; never a second one, sent or not."""
    from bot.dialogs.actions import RateProgram, parse
    from bot.i18n import LANGUAGES
    from bot.notify.render import Renderer
    from core.outbox.delivery import Claimed
    from tests.unit.test_screens import StrictTranslator

    staff = await _world(db)
    parent, app = await _enrolled(db, staff, "11", "g1", date(2026, 10, 5))
    rated, rated_app = await _enrolled(db, staff, "12", "g1", date(2026, 10, 5))
    clock.set(datetime(2026, 11, 4, 9, 0))  # a month less a day: not yet
    assert await invite_to_rate(db) == 0
    assert await _invitations(db) == []
    clock.set(datetime(2026, 11, 5, 9, 0))  # a month of studies
    await Catalogue(db).rate(rated, rated_app, 5, "")  # this child rated already
    assert await invite_to_rate(db) == 1
    invitations = await _invitations(db)
    assert [p for p, _ in invitations] == [parent]
    payload = invitations[0][1]
    assert payload["application_id"] == app
    # never twice: pending, then sent, then a month later
    assert await invite_to_rate(db) == 0
    async with db.uow() as uow:
        await uow.session.execute(update(Outbox).values(status="sent"))
        await uow.commit()
    clock.set(datetime(2026, 12, 5, 9, 0))
    assert await invite_to_rate(db) == 0
    assert len(await _invitations(db)) == 1
    # the notice names the program and carries the button that rates it
    renderer = Renderer(StrictTranslator(), low_balance=100_000)
    async with db.reader() as uow:
        for lang in LANGUAGES:
            row = Claimed(1, parent, "rate_invite", None, payload, 0)
            notice = await renderer.render(NoticeFacts(uow), row, lang)
            assert notice is not None and "Программа 1" in notice.text
            assert notice.action is not None and notice.action[0] == "btn-rate"
            assert parse(notice.action[1]) == RateProgram(app)


async def test_a_review_s_text_is_checked(db, clock):
    staff = await _world(db)
    parent, app = await _enrolled(db, staff, "11", "g1", date(2026, 10, 5))
    clock.set(datetime(2026, 12, 1, 9, 0))
    cards = Catalogue(db)
    for stars in (0, 6):
        with pytest.raises(DomainError) as err:
            await cards.rate(parent, app, stars, "")
        assert err.value.code == "review_stars"
    with pytest.raises(DomainError) as err:
        await cards.rate(parent, app, 5, "а" * 10_000)
    assert (err.value.code, err.value.params["length"]) == ("review_too_long", 10_000)
    # 500 emoji are 500 characters: within the limit (and stored whole)
    await cards.rate(parent, app, 5, "🎨" * 500)
    with pytest.raises(DomainError) as err:
        await cards.rate(parent, app, 5, "🎨" * 501)
    assert err.value.code == "review_too_long"
    async with db.reader() as uow:
        assert await uow.session.scalar(select(Review.text)) == "🎨" * 500


async def test_the_municipality_s_coordinator_hides_a_review(db, clock):
    staff = await _world(db)
    parent, app = await _enrolled(db, staff, "11", "g1", date(2026, 10, 5))
    clock.set(datetime(2026, 11, 10, 9, 0))
    cards, staffs = Catalogue(db), Staff(db)
    review = await cards.rate(parent, app, 1, "Грубое слово")
    town = await db.run(roles.grant, "tg:800", "coordinator", municipality_code="town")
    village = await db.run(roles.grant, "tg:801", "coordinator", municipality_code="village")
    found, total = await staffs.reviews(town, 0)
    assert ([r.id for r in found], total) == ([review], 1)
    assert await staffs.reviews(village, 0) == ([], 0)
    with pytest.raises(DomainError) as err:
        await staffs.hide_review(village, review)
    assert err.value.code == "not_allowed"
    with pytest.raises(DomainError) as err:
        await staffs.reviews(parent, 0)  # a family is no coordinator
    assert err.value.code == "not_allowed"
    await staffs.hide_review(town, review)
    async with db.reader() as uow:
        hidden = await uow.session.get(Review, review)
        program = await uow.session.scalar(select(Program.id).where(Program.external_id == "p1"))
        trail = (
            await uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "hide-review")
            )
        ).all()
    # hidden, the text as written; the act in the trail with the program's municipality
    assert hidden.hidden_at is not None and hidden.text == "Грубое слово"
    assert [(t.actor, t.municipality_id, t.detail) for t in trail] == [
        (f"staff:{town}", 1, f"review {review}")
    ]
    shown = await cards.card(program)
    assert shown.ratings is not None and shown.ratings.count == 0
    assert await staffs.reviews(town, 0) == ([], 0)
    # the family rates again: the review stays hidden (an edit undoes no decision)
    await cards.rate(parent, app, 2, "Другое")
    assert (await cards.card(program)).ratings.count == 0


async def test_a_removed_child_s_review_goes_with_it(db, clock):
    from core.usecases.family import Family

    staff = await _world(db)
    parent, app = await _enrolled(db, staff, "11", "g1", date(2026, 10, 5))
    clock.set(datetime(2026, 11, 10, 9, 0))
    await Catalogue(db).rate(parent, app, 5, "Спасибо")
    await Family(db).withdraw_consent(parent)
    async with db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Review)) == 0
