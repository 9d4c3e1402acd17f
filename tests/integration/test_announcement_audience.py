"""An announcement's audience by municipality, ages and the filters (no funded
certificate, no enrolment, on a waiting list): it reaches exactly the families the test
computes from the rows it reads back in Python (not by the audience query), and the
count is the same in the preview, the status of the scheduled one, its result and the
history. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.broadcasts import broadcasts
from core.broadcasts.broadcasts import Audience
from core.enrolment import decisions, enrolment
from core.rules.enrolment import AppStatus, CertStatus
from core.staff import roles
from core.storage.models import Application, Certificate, Child, Outbox
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

TEXT = "Открыт набор в кружки на весну!"


async def _world(db):  # type: ignore[no-untyped-def]
    """Families of the town (and one of the village) in every state a filter tells apart."""
    await setup_region(db, quota=10, rows=[catalogue_row(1, seats=1), catalogue_row(2)])
    enrolled = await parent_with_child(db, "1")  # funded, enrolled in g1 (its one seat)
    waiting = await parent_with_child(db, "2")  # funded, on g1's waiting list
    await parent_with_child(db, "3", certificate="accounting")  # no money, no club
    await parent_with_child(db, "4", certificate=None)  # no certificate at all
    await parent_with_child(db, "5", certificate="awaiting")  # not yet checked
    await parent_with_child(db, "6", certificate="accounting", muni_id=2)  # the village
    await parent_with_child(db, "7", born=date(2021, 1, 10), certificate="accounting")  # 5
    g1 = await group_id(db, "g1")
    async with db.uow() as uow:
        staff = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        app = await enrolment.apply(uow, *enrolled, g1)
        await accept_contract(uow, staff, app)
        await decisions.provider_decide(uow, staff, app, AppStatus.ENROLLED)
        await enrolment.apply(uow, *waiting, g1)
        author = await roles.grant(uow, "tg:900", "coordinator", municipality_code="town")
        await uow.commit()
    return author


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


async def _expected(db, a: Audience) -> set[int]:  # type: ignore[no-untyped-def]
    """The parents an audience should reach, worked out in Python from the rows."""
    async with db.reader() as uow:
        today = uow.today
        kids = (
            await uow.session.execute(
                select(Child.id, Child.parent_id, Child.birth_date, Child.municipality_id)
            )
        ).all()
        funded = set(
            await uow.session.scalars(
                select(Certificate.child_id).where(Certificate.status == CertStatus.FUNDED)
            )
        )
        apps = (await uow.session.execute(select(Application.child_id, Application.status))).all()
    enrolled = {c for c, s in apps if s == AppStatus.ENROLLED}
    waiting = {c for c, s in apps if s == AppStatus.WAITING}
    found = set()
    for kid, parent, born, muni in kids:
        if a.municipality_id is not None and muni != a.municipality_id:
            continue
        age = _age(born, today)
        if a.age_min is not None and age < a.age_min:
            continue
        if a.age_max is not None and age > a.age_max:
            continue
        if "unfunded" in a.filters and kid in funded:
            continue
        if "unenrolled" in a.filters and kid in enrolled:
            continue
        if "waiting" in a.filters and kid not in waiting:
            continue
        found.add(parent)
    return found


async def _outbox_parents(db, bid: int) -> set[int]:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        rows = await uow.session.scalars(
            select(Outbox.parent_id).where(Outbox.kind == "broadcast", Outbox.ref == bid)
        )
        return set(rows)


async def test_no_funded_certificate_reaches_exactly_those_families(db):
    author = await _world(db)
    audience = Audience(1, filters=("unfunded",))
    expected = await _expected(db, audience)
    assert len(expected) == 4  # families 3, 4, 5 and 7: not 1, 2 (funded) nor 6 (village)
    async with db.reader() as uow:
        assert await broadcasts.count_audience(uow, audience) == len(expected)
    bid = await db.run(broadcasts.create, author, TEXT, audience)
    assert await _outbox_parents(db, bid) == expected


async def test_each_filter_and_their_combinations_match_the_rows(db):
    await _world(db)
    cases = [
        Audience(1),
        Audience(1, filters=("unenrolled",)),
        Audience(1, filters=("waiting",)),
        Audience(1, filters=("unfunded", "unenrolled")),
        Audience(1, filters=("unenrolled", "waiting")),
        Audience(1, 5, 9, filters=("unfunded",)),
        Audience(None, filters=("unfunded",)),
    ]
    sizes = []
    for a in cases:
        expected = await _expected(db, a)
        async with db.reader() as uow:
            assert set(await uow.session.scalars(broadcasts.audience_query(a, uow.today))) == (
                expected
            ), a
        sizes.append(len(expected))
    # the world tells the filters apart: not every case is everyone or no one
    assert sizes == [6, 5, 1, 4, 1, 1, 5]


async def test_the_count_agrees_in_preview_status_result_and_history(db, clock):
    author = await _world(db)
    audience = Audience(1, filters=("unenrolled",))
    async with db.reader() as uow:
        preview = await broadcasts.count_audience(uow, audience)
        now = uow.now
    at = now + timedelta(hours=2)
    bid = await db.run(broadcasts.create, author, TEXT, audience, at=at)
    async with db.reader() as uow:
        scheduled = await broadcasts.progress(uow, author, bid)
        lines, total = await broadcasts.history(uow, author, 0)
    assert scheduled.status == "scheduled"
    assert scheduled.scheduled_at == at
    assert scheduled.recipients == preview == 5
    assert (total, lines[0].id, lines[0].recipients) == (1, bid, preview)
    clock.set(datetime.combine(at.date(), at.time()) + timedelta(minutes=1))
    assert await db.run(broadcasts.expand_due) == 1
    async with db.reader() as uow:
        sending = await broadcasts.progress(uow, author, bid)
        lines, _ = await broadcasts.history(uow, author, 0)
    assert sending.recipients == sending.left == preview
    assert lines[0].recipients == preview
    assert len(await _outbox_parents(db, bid)) == preview


async def test_the_history_is_paged_newest_first(db):
    author = await _world(db)
    ids = [
        await db.run(broadcasts.create, author, f"{TEXT} №{n:02d}", Audience(1))
        for n in range(broadcasts.HISTORY_PAGE + 2)
    ]
    async with db.reader() as uow:
        first, total = await broadcasts.history(uow, author, 0)
        second, _ = await broadcasts.history(uow, author, 1)
    assert total == len(ids)
    assert [s.id for s in first + second] == ids[::-1]
    assert all(s.recipients == 6 for s in first + second)


async def test_the_notice_is_headed_by_the_municipality_s_moc(db):
    from bot.i18n import LANGUAGES
    from bot.notify.render import Renderer
    from core.outbox.delivery import Claimed
    from core.usecases.jobs import NoticeFacts
    from tests.support.wording import wording_problems
    from tests.unit.test_screens import StrictTranslator

    author = await _world(db)
    region = await db.run(
        roles.grant, "tg:901", "coordinator", municipality_code="village", region_wide=True
    )
    town = await db.run(broadcasts.create, author, TEXT, Audience(1))
    everyone = await db.run(broadcasts.create, region, TEXT, Audience(None))
    renderer = Renderer(StrictTranslator(), low_balance=100_000)
    parent = next(iter(await _outbox_parents(db, town)))
    async with db.reader() as uow:
        facts = NoticeFacts(uow)
        for lang in LANGUAGES:
            ours = await renderer.render(facts, Claimed(1, parent, "broadcast", town, {}, 0), lang)
            wide = await renderer.render(
                facts, Claimed(2, parent, "broadcast", everyone, {}, 0), lang
            )
            assert ours is not None and wide is not None
            head, body = ours.text.split("\n\n", 1)
            assert "МОЦ" in head and "Город" in head, head
            assert body == TEXT
            assert "Город" not in wide.text and wide.text.endswith(TEXT)
            assert wording_problems(ours.text, lang) == wording_problems(wide.text, lang) == []
