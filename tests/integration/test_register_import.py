"""The region's register imported; families link the numbers they already hold."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from core.catalogue import provider_views
from core.certificates import certificates, link_requests
from core.enrolment import enrolment
from core.family import children, parents
from core.register import linking, register, register_import
from core.staff import roles
from core.storage.models import Certificate, LedgerEntry, LinkFailure, Outbox, RegisterEntry
from core.usecases import certificates as certificate_cases
from core.usecases import family as family_cases
from tests.support.world import (
    accept_contract,
    catalogue_row,
    confirmer,
    group_id,
    parent_with_child,
    setup_region,
)

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
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.left == {"closed": 1}
    async with db.reader() as uow:
        credits = await uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "credit")
        )
    assert credits == 1

    parent = await _family(db, "1")
    # the number as people type it; the birth date as they write it
    # the number and the birth date are not enough where the register has the СНИЛС
    no_proof = await db.run(
        certificate_cases.link_by_number, parent, "01-7770001-1", date(2015, 4, 12)
    )
    assert no_proof == register.LinkOutcome()
    linked = await db.run(
        certificate_cases.link_by_number,
        parent,
        " 01-7770001-1 ",
        date(2015, 4, 12),
        "112-233-445 95",
    )
    child = linked.child_id
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
    assert (third.created, third.updated, third.unchanged) == (0, 0, 1)
    assert third.left == {"linked": 1, "closed": 1}
    async with db.reader() as uow:
        assert (await certificates.view(uow, parent, child)).total == 850_050


async def test_every_refusal_is_the_same_and_tries_are_limited(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    parent = await _family(db, "1")
    snils = "11223344595"
    refused = register.LinkOutcome()
    for number, born in (
        ("01-7770001-1", date(2015, 4, 13)),  # another birth date
        ("01-9999999-9", date(2015, 4, 12)),  # no such number
        ("x" * 10_000, date(2015, 4, 12)),
    ):
        assert (
            await db.run(certificate_cases.link_by_number, parent, number, born, snils) == refused
        )
    other = await _family(db, "2")
    asked = await db.run(certificate_cases.link_by_number, other, "01-7770002-1", date(2013, 9, 1))
    assert asked.requested  # no СНИЛС in the register: a request the МОЦ confirms
    # a number another family asked for already: the same answer
    assert await db.run(
        certificate_cases.link_by_number, parent, "01-7770002-1", date(2013, 9, 1)
    ) == (refused)
    assert await db.run(
        certificate_cases.link_by_number, parent, "01-7770003-1", date(2008, 1, 2)
    ) == (refused)
    # five failures in the hour: even the right number, date and СНИЛС are refused now
    assert await db.run(
        certificate_cases.link_by_number, parent, "01-7770001-1", date(2015, 4, 12), snils
    ) == (refused)
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
            linked = await db.run(
                certificate_cases.link_by_number,
                parent,
                "01-7770001-1",
                date(2015, 4, 12),
                "11223344595",
            )
        except DomainError as exc:
            return exc.code
        return "ok" if linked.child_id else "refused"

    results = await asyncio.gather(*(one(p) for p in families))
    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"refused", "child_registered_elsewhere"}
    async with db.reader() as uow:
        linked = await uow.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.child_id.is_not(None))
        )
    assert linked == 1


async def test_a_reimport_never_undoes_a_familys_choice(db):
    """Issue 24 item 4: a certificate whose family withdrew stays closed and nameless, a
    closed one is not reopened, the quota is never exceeded; the report says so."""
    await setup_region(db, quota=1, rows=[])
    parent, child = await parent_with_child(db, "1")  # funded: the town's only quota place
    await parent_with_child(db, "2")  # queued, funded once family 1 withdraws
    async with db.reader() as uow:
        number = (await certificates.view(uow, parent, child)).number
    await db.run(family_cases.withdraw_consent, parent)
    region = (
        HEADER + f"{number},Иванова,Мария,,05.03.2016,,town,ПФ,5000\n"
        "01-7770009-1,Орлова,Дарья,,12.04.2015,,town,ПФ,8500\n"
        "01-7770003-1,Орлов,Лев,,2008-01-01,,village,закрыт,\n"
    )
    first = await _import(db, region)
    assert (first.created, first.updated, first.left) == (2, 0, {"withdrawn": 1})
    assert first.over_quota == [3]  # imported, but as an accounting certificate
    async with db.reader() as uow:
        cert = await uow.session.scalar(select(Certificate).where(Certificate.number == number))
        assert cert.status == "closed" and cert.child_id is None
        assert await uow.session.get(RegisterEntry, cert.id) is None  # no name stored again
        darya = await uow.session.scalar(
            select(Certificate).where(Certificate.number == "01-7770009-1")
        )
        assert (darya.status, darya.total) == ("accounting", 0)
        funded = await uow.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.status == "funded")
        )
    assert funded == 1  # family 2's: the withdrawn one was not funded again either
    # the region's closed entry is not reopened by a later file saying it is funded
    reopen = HEADER + "01-7770003-1,Орлов,Лев,,2008-01-01,,village,ПФ,100\n"
    again = await _import(db, reopen)
    assert (again.created, again.updated, again.left) == (0, 0, {"closed": 1})
    async with db.reader() as uow:
        lev = await uow.session.scalar(
            select(Certificate).where(Certificate.number == "01-7770003-1")
        )
        assert (lev.status, lev.total) == ("closed", 0)


async def test_bad_cells_reported_by_row_and_column_the_good_rows_imported(db):
    """Issue 25: a NaN amount, a NUL byte, a field over 131,072 characters each a bad cell."""
    await setup_region(db, rows=[])
    text = (
        HEADER + "01-1,Орлова,Дарья,,12.04.2015,,town,ПФ,NaN\n"
        "01-2,Орл\x00ова,Дарья,,12.04.2014,,town,учёта,\n"
        f"01-3,Орлова,{'Я' * 131_073},,12.04.2013,,town,учёта,\n"
        "01-4,Орлова,Вера,,12.04.2012,,town,учёта,\n"
        "01-5,Орлова,Нина,,12.04.2011,,town,ПФ,Infinity\n"
    )
    nothing = await db.run(register_import.import_certificates, text, all_or_nothing=True)
    assert not nothing.applied and nothing.created == 0
    async with db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Certificate)) == 0
    report = await _import(db, text)
    assert [(line, e.code, e.column) for line, e in report.errors] == [
        (2, "not-amount", "balance_rub"),
        (3, "bad-character", "surname"),
        (4, "too-long", "name"),
        (6, "not-amount", "balance_rub"),
    ]
    assert report.created == 1
    # the same through the chunked import
    chunked = await register_import.import_register(db, text, chunk=2)
    assert [(line, e.code) for line, e in chunked.errors] == [
        (line, e.code) for line, e in report.errors
    ]
    assert chunked.unchanged == 1


async def test_optional_columns_left_out_keep_what_is_stored(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    short = (
        "number,surname,name,birth_date,municipality_code,status\n"
        "01-7770001-1,Орлова,Дарья,12.04.2015,town,ПФ\n"
        "01-7770004-1,Орлов,Ян,12.04.2012,town,учёта\n"
    )
    report = await register_import.import_register(db, short, chunk=1)
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 0, 1, [])
    async with db.reader() as uow:
        cert = await uow.session.scalar(
            select(Certificate).where(Certificate.number == "01-7770001-1")
        )
        entry = await uow.session.get(RegisterEntry, cert.id)
        assert (entry.patronymic, entry.snils, cert.total) == ("Игоревна", "11223344595", 850_050)


async def test_tries_are_limited_per_number_across_accounts(db):
    """Issue 24 item 2: 20 accounts × 5 tries on one number linked it at try 100. Five
    refused tries on a number in the hour close it, whichever accounts made them."""
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    for n in range(5):
        stranger = await _family(db, f"9{n}")
        wrong = await db.run(
            certificate_cases.link_by_number,
            stranger,
            "01-7770001-1",
            date(2015, 4, 12),
            "12345678964",
        )
        assert wrong == register.LinkOutcome()
    owner = await _family(db, "1")
    right = await db.run(
        certificate_cases.link_by_number, owner, "01-7770001-1", date(2015, 4, 12), "11223344595"
    )
    assert right == register.LinkOutcome()  # the number is closed for the hour
    async with db.reader() as uow:
        assert await register.number_tries_exhausted(uow, "01-7770001-1")
        assert not await linking.tries_exhausted(uow, owner)


async def test_a_number_without_snils_is_linked_once_the_moc_confirms(db):
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    parent = await _family(db, "1")
    asked = await db.run(
        certificate_cases.link_by_number, parent, "01-7770002-1", date(2013, 9, 1)
    )
    assert asked == register.LinkOutcome(requested=True)
    async with db.reader() as uow:
        assert await children.list_children(uow, parent) == []  # nothing until confirmed
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    async with db.reader() as uow:
        [request], total = await link_requests.pending(uow, staff)
    assert total == 1 and request.full_name == "Орлов Глеб" and request.number == "01-7770002-1"
    # refused: the entry waits for its family again, the family is told
    await db.run(link_requests.refuse, staff, request.id, "Документы на другого ребёнка")
    async with db.reader() as uow:
        assert await link_requests.pending(uow, staff) == ([], 0)
        told = await uow.session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.parent_id == parent)
        )
    assert told == 1
    await db.run(certificate_cases.link_by_number, parent, "01-7770002-1", date(2013, 9, 1))
    child = await db.run(link_requests.approve, staff, request.id)
    async with db.reader() as uow:
        [kid] = await children.list_children(uow, parent)
        view = await certificates.view(uow, parent, child)
        cert = await uow.session.get(Certificate, view.id)
        assert await uow.session.get(RegisterEntry, view.id) is None
    assert (kid.id, kid.full_name, view.number) == (child, "Орлов Глеб", "01-7770002-1")
    assert cert.confirmed_by == staff


async def test_the_provider_sees_the_number_only_after_acceptance(db):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db, "1")
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    async with db.reader() as uow:
        assert (await provider_views.card(uow, staff, app)).certificate is None
    await db.run(accept_contract, staff, app)
    async with db.reader() as uow:
        number = (await certificates.view(uow, parent, child)).number
        assert (await provider_views.card(uow, staff, app)).certificate == number


@pytest.mark.alone  # measures how long a family waits: nothing beside it
async def test_a_family_waits_for_one_chunk_not_the_whole_import(db):
    """Issue 25: the register is applied a chunk at a time, each committed, so a family's
    write runs between two chunks (it waited for the whole file before)."""
    from bench.register_import_bench import register_file

    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, "1")
    async with db.reader() as uow:
        kid = await children.view(uow, parent, child)
    data = children.ChildInput(
        kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils, kid.municipality_id
    )
    rows = 200

    async def imported() -> int:
        async with db.reader() as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(RegisterEntry)))

    async def family() -> tuple[float, int]:
        for _ in range(4000):  # polled: the import's commits are the only signal
            if await imported():
                break
            await asyncio.sleep(0.005)
        started = asyncio.get_running_loop().time()
        await db.run(children.update_child, parent, child, data)
        return asyncio.get_running_loop().time() - started, await imported()

    waited = asyncio.create_task(family())
    report = await register_import.import_register(db, register_file(rows), chunk=1)
    wait, seen = await waited
    assert report.created == rows and report.ok
    assert seen < rows  # the family's write went through while the import went on
    assert wait < 1.0


async def test_a_link_request_lapses_when_its_account_is_merged_away(db):
    """The request names an account; merged into another family it is gone, and the id
    can never point at someone else."""
    await setup_region(db, rows=[])
    await _import(db, HEADER + ROWS)
    asking = await _family(db, "1")
    assert (
        await db.run(certificate_cases.link_by_number, asking, "01-7770002-1", date(2013, 9, 1))
    ).requested

    async def other(uow):
        parent = await parents.get_or_create(uow, "vk", "2")
        return parent.id

    target = await db.run(other)
    code = await db.run(linking.create_code, target)
    assert await db.run(linking.redeem, asking, "tg", code) == target
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    async with db.reader() as uow:
        assert await link_requests.pending(uow, staff) == ([], 0)
        entry = await uow.session.scalar(select(RegisterEntry).where(RegisterEntry.name == "Глеб"))
        assert entry.requested_by is None
