from __future__ import annotations

from sqlalchemy import func, select

from core.catalogue import catalogue, catalogue_import
from core.rules.catalogue import Direction
from core.storage.models import Group, Program, Provider
from tests.support.world import HEADER, catalogue_row, setup_region


async def _search(db, **kw):
    async with db.uow() as uow:
        return await catalogue.search(uow, catalogue.SearchQuery(**kw))


async def test_search_filters_combine(db):
    await setup_region(
        db,
        rows=[
            catalogue_row(1, direction="technical", ages=(7, 12), name="Робототехника"),
            catalogue_row(2, direction="technical", ages=(12, 17), muni="village"),
            catalogue_row(3, direction="sports", seats=0, name="Футбол"),
            catalogue_row(4, direction="arts", register="significant", name="Ёлочка", price=0),
        ],
    )
    assert (await _search(db)).total == 4
    page = await _search(db, direction=Direction.TECHNICAL, municipality_id=1)
    assert [r.name for r in page.items] == ["Робототехника"]
    assert (await _search(db, age=15)).total == 3
    assert (await _search(db, free_seats_only=True)).total == 3
    assert (await _search(db, certificate_only=True)).total == 3
    assert (await _search(db, text="ФУТ")).total == 1
    # ё and е are one letter for search, in either direction
    assert [r.name for r in (await _search(db, text="елочка")).items] == ["Ёлочка"]
    assert (await _search(db, text="ёлочка")).total == 1
    # provider and description are searched too; a % is a character, not a wildcard
    assert (await _search(db, text="описание 2")).total == 1
    assert (await _search(db, text="%")).total == 0


async def test_search_pages_in_stable_order(db):
    await setup_region(db, rows=[catalogue_row(n, name=f"Кружок {n:02d}") for n in range(1, 13)])
    seen = []
    page = 0
    while True:
        result = await _search(db, page=page)
        seen += [r.name for r in result.items]
        assert result.pages == 2
        if not result.has_next:
            break
        page += 1
    assert seen == [f"Кружок {n:02d}" for n in range(1, 13)]


async def test_search_by_distance(db):
    rows = [catalogue_row(1, name="Далеко"), catalogue_row(2, name="Близко")]
    rows[0] = rows[0].replace("48.79,132.92", "48.70,132.50")
    await setup_region(db, rows=rows)
    page = await _search(db, near=(48.79, 132.92))
    assert [r.name for r in page.items] == ["Близко", "Далеко"]
    assert page.items[0].distance_km < 1 < page.items[1].distance_km


async def test_card_shows_groups_and_seats(db):
    await setup_region(db, rows=[catalogue_row(1, seats=7)])
    async with db.uow() as uow:
        card = await catalogue.card(uow, 1)
    assert card.free_seats == 7 and card.groups[0].schedule == "Пн 15:00"


async def test_card_names_the_teacher_of_each_group(db):
    """The optional `teacher` column: a group's teacher on the card, blank names nobody, a
    re-import changes it."""
    rows = [catalogue_row(1) + ",Соколова Анна Викторовна", catalogue_row(2) + ","]
    await setup_region(db, rows=[])
    async with db.uow() as uow:
        text = HEADER + ",teacher\n" + "\n".join(rows) + "\n"
        report = await catalogue_import.import_catalogue(uow, text)
        assert report.ok, report.errors
        await uow.commit()
    async with db.uow() as uow:
        first, second = await catalogue.card(uow, 1), await catalogue.card(uow, 2)
    assert first.groups[0].teacher == "Соколова Анна Викторовна"
    assert second.groups[0].teacher == ""
    async with db.uow() as uow:
        text = HEADER + ",teacher\n" + catalogue_row(1) + ",Петров Игорь Николаевич\n"
        assert (await catalogue_import.import_catalogue(uow, text)).ok
        await uow.commit()
    async with db.uow() as uow:
        assert (await catalogue.card(uow, 1)).groups[0].teacher == "Петров Игорь Николаевич"


async def test_reimport_updates_never_duplicates(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000)])
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + catalogue_row(1, price=1500, seats=20) + "\n"
        )
        await uow.commit()
    assert (report.created, report.updated, report.errors) == (0, 1, [])
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Program)) == 1
        assert await uow.session.scalar(select(func.count()).select_from(Provider)) == 1
        program = await uow.session.scalar(select(Program))
        group = await uow.session.scalar(select(Group))
        assert program.price == 150_000 and group.seats == 20 and program.free_seats == 20


async def test_bad_rows_reported_by_line_good_rows_land(db):
    await setup_region(db, rows=[catalogue_row(1)])
    text = "\n".join(
        [
            HEADER,
            catalogue_row(2),
            catalogue_row(3).replace(",technical,", ",магия,"),
            catalogue_row(4, ages=(12, 7)),
            catalogue_row(5).replace(",town,", ",atlantis,"),
            catalogue_row(6),
            catalogue_row(7).replace(",1000,", ",12.345,"),
        ]
    )
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(uow, text + "\n")
        await uow.commit()
    assert report.created == 2
    assert [line for line, _ in report.errors] == [3, 4, 5, 7]
    assert report.errors[0][1].column == "direction"
    assert report.errors[0][1].code == "unknown-value"
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Program)) == 3


async def test_missing_columns_reported(db):
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(uow, "provider_id,foo\n1,2\n")
    assert report.errors
    assert report.errors[0][1].code == "missing-columns"


async def test_russian_names_and_semicolons_accepted(db):
    await setup_region(db, rows=[catalogue_row(1)])
    row = catalogue_row(2).replace(",technical,certified,", ",Техническая,Сертифицированные,")
    text = HEADER.replace(",", ";") + "\n" + row.replace(",", ";") + "\n"
    async with db.uow() as uow:
        report = await catalogue_import.import_catalogue(uow, "\ufeff" + text)
        await uow.commit()
    assert report.ok and report.created == 1
