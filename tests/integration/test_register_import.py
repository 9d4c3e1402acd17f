"""The region's register imported; families link the numbers they already hold."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select

from core.services import certificates, children, linking, parents, register, register_import
from core.storage.models import Certificate, LedgerEntry, LinkFailure, RegisterEntry
from tests.support.world import setup_region

HEADER = "number,surname,name,patronymic,birth_date,snils,municipality_code,status,balance_rub\n"
ROWS = (
    "01-7770001-1,Орлова,Дарья,Игоревна,12.04.2015,11223344595,town,ПФ,8500.50\n"
    "01-7770002-1,Орлов,Глеб,,2013-09-01,,town,учёта,\n"
    "01-7770003-1,Орлов,Лев,,2008-01-01,,village,закрыт,\n"
)


async def _import(db, text: str):
    return await db.run(register_import.import_certificates, text)


async def _family(db, external: str) -> int:
    async def make(uow):
        parent = await parents.get_or_create(uow, "tg", external)
        await parents.give_consent(uow, parent.id)
        return parent.id

    return await db.run(make)


async def test_import_then_link_by_number_and_birth_date(db):
    await setup_region(db, rows=[])
    report = await _import(db, HEADER + ROWS)
    assert (report.created, report.updated, report.errors) == (3, 0, [])
    again = await _import(db, HEADER + ROWS)  # a repeated import changes nothing twice
    assert (again.created, again.updated) == (0, 3)
    async with db.reader() as uow:
        credits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "credit")
        )
    assert credits == 1

    parent = await _family(db, "1")
    # the number as people type it; the birth date as they write it
    child = await db.run(register.link_by_number, parent, " 01-7770001-1 ", date(2015, 4, 12))
    assert child is not None
    async with db.reader() as uow:
        [kid] = await children.list_children(uow, parent)
        view = await certificates.view(uow, parent, child)
        assert await uow.session.scalar(select(func.count()).select_from(RegisterEntry)) == 2
    assert (kid.surname, kid.name, kid.patronymic, kid.snils) == (
        "Орлова",
        "Дарья",
        "Игоревна",
        "11223344595",
    )
    assert (view.number, view.status, view.total) == ("01-7770001-1", "funded", 850_050)
    # linked: a re-import leaves the family's entry as it is
    third = await _import(db, HEADER + ROWS.replace("8500.50", "9999"))
    assert (third.created, third.updated) == (0, 2)
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, child)).total == 850_050


async def test_every_refusal_is_the_same_and_tries_are_limited(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    parent = await _family(db, "1")
    for number, born in (
        ("01-7770001-1", date(2015, 4, 13)),  # another birth date
        ("01-9999999-9", date(2015, 4, 12)),  # no such number
        ("x" * 10_000, date(2015, 4, 12)),
    ):
        assert await db.run(register.link_by_number, parent, number, born) is None
    other = await _family(db, "2")
    assert await db.run(register.link_by_number, other, "01-7770002-1", date(2013, 9, 1))
    # a number linked already: the same answer
    assert await db.run(register.link_by_number, parent, "01-7770002-1", date(2013, 9, 1)) is None
    assert await db.run(register.link_by_number, parent, "01-7770003-1", date(2008, 1, 2)) is None
    # five failures in the hour: even the right number and date are refused now
    assert await db.run(register.link_by_number, parent, "01-7770001-1", date(2015, 4, 12)) is None
    async with db.reader() as uow:
        assert await linking.tries_exhausted(uow, parent)
        failures = await uow.session.scalar(select(func.count()).select_from(LinkFailure))
    assert failures == 6


async def test_a_child_registered_by_hand_gets_the_imported_entry(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    parent = await _family(db, "1")
    data = children.ChildInput("Орлова", "Дарья", None, date(2015, 4, 12), "11223344595", 1)
    child = await db.run(children.add, parent, data)
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, child)
        left = await uow.session.scalar(select(func.count()).select_from(RegisterEntry))
    assert (view.number, view.total) == ("01-7770001-1", 850_050)
    assert left == 2  # the imported copy of her data is gone: the family's row replaces it
    # and the closed entry of the region stays closed when its child is registered
    data = children.ChildInput("Орлов", "Лев", None, date(2008, 1, 1), None, 2)
    lev = await db.run(children.add, parent, data)
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, lev)).status == "closed"


async def test_bad_rows_are_reported_by_line(db):
    await setup_region(db, rows=[])
    bad = (
        HEADER + "01-1,Орлова,Дарья,,12.04.2015,11223344596,town,ПФ,10\n"  # SNILS checksum
        "01-2,Орлова,Дарья,,31.02.2015,,town,ПФ,10\n"  # no such date
        "01-3,Орлова,Дарья,,12.04.2015,,nowhere,ПФ,10\n"  # no such municipality
        "01-4,Орлова,Дарья,,12.04.2015,,town,отозван,10\n"  # no such status
        "01-5,Орлова,Дарья,,12.04.2015,,town,ПФ,десять\n"  # not an amount
        "01-6,Орлова,Дарья,,12.04.2015,11223344595,town,ПФ,10\n"
        "01-7,Орлова,Дарья,,12.04.2015,11223344595,town,ПФ,10\n"  # the same SNILS twice
    )
    report = await _import(db, bad)
    assert [(line, e.code) for line, e in report.errors] == [
        (2, "person-invalid"),
        (3, "person-invalid"),
        (4, "unknown-municipality"),
        (5, "unknown-value"),
        (6, "not-amount"),
        (8, "snils-twice"),
    ]
    assert report.created == 1
    # a child registered in the chat already is not given a second certificate silently
    parent = await _family(db, "1")
    data = children.ChildInput("Сидорова", "Ия", None, date(2015, 1, 1), None, 1)
    await db.run(children.add, parent, data)
    clash = HEADER + "01-8,Сидорова,Ия,,01.01.2015,,town,учёта,\n"
    assert [(e.code) for _, e in (await _import(db, clash)).errors] == ["child-in-chat"]


async def test_two_families_linking_one_number_at_once(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    families = [await _family(db, str(n)) for n in range(1, 5)]

    async def one(parent: int) -> str:
        from core.errors import DomainError

        try:
            child = await db.run(
                register.link_by_number, parent, "01-7770001-1", date(2015, 4, 12)
            )
        except DomainError as exc:
            return exc.code
        return "ok" if child else "refused"

    results = await asyncio.gather(*(one(p) for p in families))
    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"refused", "child_registered_elsewhere"}
    async with db.reader() as uow:
        linked = await uow.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.child_id.is_not(None))
        )
    assert linked == 1
