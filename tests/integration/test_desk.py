"""The МОЦ's desk (issue 28 item 3): the queue found by surname, certificate number or the
СНИЛС's last digits, ten a page oldest first, filtered by kind, within the confirmer's
municipality; the parent's name kept while the request waits and dropped after; a typo
corrected in place, audited with digests and told to the family."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.certificates import amendments, certificates, confirmations, corrections, desk
from core.certificates.amendments import Field
from core.certificates.desk import Desk
from core.errors import DomainError
from core.family import children, parents
from core.rules.people import snils_checksum
from core.staff import roles
from core.storage.models import AuditRecord, Certificate, Child, Outbox
from core.usecases import family as family_cases
from tests.support.world import setup_region

TOWN, VILLAGE = 1, 2


def snils(n: int) -> str:
    body = f"{100000000 + n:09d}"
    return f"{body}{snils_checksum(body):02d}"


async def _request(
    db,
    external: str,
    surname: str,
    *,
    snils_no: str | None = None,
    muni: int = TOWN,
    applicant: str | None = "Иванова Анна Петровна",
) -> tuple[int, int, int]:
    """A family asks for a certificate: (parent, child, certificate)."""
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", external)
        await parents.give_consent(uow, parent.id)
        child = await children.add(
            uow,
            parent.id,
            children.ChildInput(surname, "Мария", None, date(2016, 3, 5), snils_no, muni),
        )
        cert = await certificates.issue(uow, parent.id, child, applicant)
        await uow.commit()
        return parent.id, child, cert


async def _confirmer(db, external: str = "700", muni: str = "town") -> int:
    return await db.run(roles.grant, f"tg:{external}", "confirmer", municipality_code=muni)


async def _desk(db, staff: int, which: Desk = Desk.NEW, query: str = "", page: int = 0):
    async with db.reader() as uow:
        return await desk.desk(uow, staff, which, query, page)


async def test_found_by_surname_number_and_snils_tail_in_scope(db):
    await setup_region(db, rows=[])
    _, _, semenova = await _request(db, "1", "Семёнова", snils_no=snils(1))
    await _request(db, "2", "Семенович", snils_no=snils(2))
    _, _, petrova = await _request(db, "3", "Петрова", snils_no=snils(3))
    await _request(db, "4", "Семёнова-Ким", muni=VILLAGE)  # another municipality
    staff = await _confirmer(db)
    # the surname's beginning, any case, ё as е: both «Семён…» of the town, not the village's
    found = await _desk(db, staff, query="  СЕМЕН ")
    assert found.query == "СЕМЕН"
    assert sorted(x.surname for x in found.lines) == ["Семенович", "Семёнова"]
    assert found.found == 2 and found.waiting == {Desk.NEW: 3, Desk.CORRECTIONS: 0}
    assert [x.surname for x in (await _desk(db, staff, query="семёнова")).lines] == ["Семёнова"]
    # the certificate number, as printed or without its dashes
    async with db.reader() as uow:
        number = (await uow.session.get(Certificate, petrova)).number
    for typed in (number, number.replace("-", ""), f" {number.lower()} "):
        assert [x.id for x in (await _desk(db, staff, query=typed)).lines] == [petrova]
    # the СНИЛС's last four or more digits; three are too few to be a search
    tail = snils(1)[-4:]
    assert [x.id for x in (await _desk(db, staff, query=tail)).lines] == [semenova]
    assert [x.id for x in (await _desk(db, staff, query=snils(1)[-6:])).lines] == [semenova]
    assert (await _desk(db, staff, query=snils(1)[-3:])).lines == []
    # nothing found: said by the count, the filters' counts stay
    nothing = await _desk(db, staff, query="Сидоров")
    assert (nothing.found, nothing.lines, nothing.waiting[Desk.NEW]) == (0, [], 3)
    # a search does not reach past the scope: the village's child is the village's
    village = await _confirmer(db, "701", muni="village")
    assert [x.surname for x in (await _desk(db, village, query="семен")).lines] == ["Семёнова-Ким"]
    assert (await _desk(db, village, query=number)).lines == []
    # a wildcard typed is a letter, not a pattern
    assert (await _desk(db, staff, query="%")).lines == []
    assert (await _desk(db, staff, query="_")).lines == []
    with pytest.raises(DomainError) as err:
        await _desk(db, (await _request(db, "9", "Чужая"))[0])
    assert err.value.code == "not_allowed"


async def test_ten_a_page_oldest_first(db, clock):
    await setup_region(db, rows=[])
    for n in range(23):
        clock.set(datetime(2026, 10, 5, 10, n))
        await _request(db, str(n + 1), "Кузнецова-" + "абвгдежзиклмнопрстуфхцчш"[n])
    staff = await _confirmer(db)
    pages = [await _desk(db, staff, page=p) for p in range(3)]
    assert [len(p.lines) for p in pages] == [10, 10, 3]
    assert all(p.found == 23 for p in pages)
    order = [x.requested_at for p in pages for x in p.lines]
    assert order == sorted(order) and len(set(order)) == 23
    # a search is paged the same way
    searched = await _desk(db, staff, query="кузнецова", page=2)
    assert (searched.found, len(searched.lines)) == (23, 3)


async def test_filters_new_requests_and_corrections(db):
    await setup_region(db, rows=[])
    parent, child, cert = await _request(db, "1", "Орлова")
    await _request(db, "2", "Орлов")
    staff = await _confirmer(db)
    await db.run(confirmations.confirm, staff, cert)
    fix = await db.run(
        corrections.request,
        parent,
        child,
        children.ChildInput("Орлова", "Марина", None, date(2016, 3, 5), None, TOWN),
        "Опечатка в имени",
    )
    new = await _desk(db, staff, Desk.NEW)
    assert [x.surname for x in new.lines] == ["Орлов"]
    fixes = await _desk(db, staff, Desk.CORRECTIONS)
    assert [x.id for x in fixes.lines] == [fix] and fixes.lines[0].name == "Мария"
    assert fixes.waiting == new.waiting == {Desk.NEW: 1, Desk.CORRECTIONS: 1}
    # the search applies to the filter shown
    assert [x.id for x in (await _desk(db, staff, Desk.CORRECTIONS, "орлова")).lines] == [fix]
    assert (await _desk(db, staff, Desk.CORRECTIONS, "орлов ")).found == 1
    assert (await _desk(db, staff, Desk.NEW, "орлова")).lines == []
    village = await _confirmer(db, "701", muni="village")
    assert (await _desk(db, village, Desk.CORRECTIONS)).waiting == {
        Desk.NEW: 0,
        Desk.CORRECTIONS: 0,
    }


async def _applicant(db, cert: int) -> str | None:
    async with db.reader() as uow:
        return (await uow.session.get(Certificate, cert)).applicant_name


async def test_the_parents_name_is_kept_while_the_request_waits(db):
    await setup_region(db, rows=[])
    _, _, confirmed = await _request(db, "1", "Орлова", applicant="  иванова   анна-мария ")
    parent, child, rejected = await _request(db, "2", "Орлов", applicant="Орлов Пётр Ильич")
    staff = await _confirmer(db)
    assert await _applicant(db, confirmed) == "Иванова Анна-Мария"
    async with db.reader() as uow:
        assert (await confirmations.pending_one(uow, staff, confirmed)).applicant == (
            "Иванова Анна-Мария"
        )
    await db.run(confirmations.confirm, staff, confirmed)
    assert await _applicant(db, confirmed) is None  # the passport was seen
    await db.run(confirmations.reject, staff, rejected, "Не совпадает дата рождения")
    assert await _applicant(db, rejected) is None
    # asked again after the rejection: asked again, kept again
    await db.run(certificates.issue, parent, child, "Орлов Пётр Ильич")
    assert await _applicant(db, rejected) == "Орлов Пётр Ильич"
    # the family withdraws: the name goes with its data
    await db.run(family_cases.withdraw_consent, parent)
    assert await _applicant(db, rejected) is None
    # a child removed while its request waits: the name goes with the child
    other, kid, waiting = await _request(db, "3", "Орлова-Ким", applicant="Орлова Ия")
    assert await _applicant(db, waiting) == "Орлова Ия"
    await db.run(family_cases.remove_child, other, kid)
    assert await _applicant(db, waiting) is None


@pytest.mark.parametrize(
    "typed",
    [
        "Иванова",
        "Иванова Анна Петровна Сидорова",
        "Ivanova Anna",
        "Иванова 😀 Анна",
        "Ива1 Анна",
        "Иванова " * 1250,
        "Иванова Анна" + " " * 10_000 + "x",
        "",
    ],
)
async def test_a_parents_name_that_is_not_one_is_refused(db, typed):
    await setup_region(db, rows=[])
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", "1")
        await parents.give_consent(uow, parent.id)
        child = await children.add(
            uow, parent.id, children.ChildInput("Орлова", "Мария", None, date(2016, 3, 5), None, 1)
        )
        await uow.commit()
    with pytest.raises(DomainError) as err:
        await db.run(certificates.issue, parent.id, child, typed)
    assert err.value.code == "applicant_name_invalid"
    async with db.reader() as uow:  # nothing requested
        assert await certificates.for_child(uow, child) is None


async def test_a_typo_corrected_at_the_desk(db):
    await setup_region(db, rows=[])
    parent, child, cert = await _request(db, "1", "Сменова", snils_no=snils(1))
    await _request(db, "2", "Петрова", snils_no=snils(2))
    staff = await _confirmer(db)
    async with db.reader() as uow:
        before = await confirmations.pending_one(uow, staff, cert)
    assert await db.run(amendments.amend, staff, cert, Field.SURNAME, "семёнова") is True
    assert await db.run(amendments.amend, staff, cert, Field.SURNAME, "Семёнова") is False
    assert await db.run(amendments.amend, staff, cert, Field.BIRTH_DATE, "6.3.2016") is True
    assert await db.run(amendments.amend, staff, cert, Field.PATRONYMIC, "Ивановна") is True
    assert await db.run(amendments.amend, staff, cert, Field.SNILS, snils(5)) is True
    # validated as the family's own entry
    refusals = [
        (Field.SNILS, snils(6)[:-2] + "00", "snils_checksum"),
        (Field.SNILS, snils(2), "child_registered_elsewhere"),  # another family's child
        (Field.NAME, "Мар1я", "name_invalid"),
        (Field.BIRTH_DATE, "31.02.2016", "birth_date_invalid"),
        (Field.BIRTH_DATE, "05.03.2000", "age_out_of_range"),
        (Field.SURNAME, "Ж" * 10_000, "name_invalid"),
        (Field.SURNAME, "😀", "name_invalid"),
    ]
    for field, typed, code in refusals:
        with pytest.raises(DomainError) as err:
            await db.run(amendments.amend, staff, cert, field, typed)
        assert err.value.code == code, (field, typed)
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child)
        assert (kid.surname, kid.patronymic, kid.birth_date, kid.snils) == (
            "Семёнова",
            "Ивановна",
            date(2016, 3, 6),
            snils(5),
        )
        after = await confirmations.pending_one(uow, staff, cert)
        trail = (
            await uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "amend").order_by(AuditRecord.id)
            )
        ).all()
        told = (
            await uow.session.scalars(
                select(Outbox).where(Outbox.parent_id == parent).order_by(Outbox.id)
            )
        ).all()
    # found by the corrected surname now
    assert [x.id for x in (await _desk(db, staff, query="семенова")).lines] == [cert]
    # the audit: which field, digests of the old and new values, never the values
    assert [r.detail.split(":")[0] for r in trail] == [
        "surname",
        "birth_date",
        "patronymic",
        "snils",
    ]
    secret = db.register_secret
    first = trail[0]
    assert first.detail == (
        f"surname:{amendments.digest(secret, Field.SURNAME, 'Сменова')}"
        f">{amendments.digest(secret, Field.SURNAME, 'Семёнова')}"
    )
    assert (first.child_id, first.certificate_id, first.actor) == (child, cert, f"staff:{staff}")
    everything = " ".join(r.detail for r in trail)
    for value in ("Сменова", "Семёнова", "2016-03-06", "Ивановна", snils(1), snils(5)):
        assert value not in everything
    # the family is told what was corrected
    amended = [o.payload for o in told if (o.payload or {}).get("status") == "amended"]
    assert [p["field"] for p in amended] == ["surname", "birth_date", "patronymic", "snils"]
    # the card's version moved with the data: a confirmation of the old card is refused
    assert before.version != after.version
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, staff, cert, before.version)
    assert err.value.code == "certificate_data_changed"
    assert await db.run(confirmations.confirm, staff, cert, after.version) == "accounting"
    # confirmed: no longer a request to amend
    with pytest.raises(DomainError) as err:
        await db.run(amendments.amend, staff, cert, Field.NAME, "Марина")
    assert err.value.code == "certificate_not_awaiting"


async def test_only_a_confirmer_of_the_municipality_amends(db):
    await setup_region(db, rows=[])
    parent, _, cert = await _request(db, "1", "Сменова")
    village = await _confirmer(db, "701", muni="village")
    with pytest.raises(DomainError) as err:
        await db.run(amendments.amend, village, cert, Field.SURNAME, "Семёнова")
    assert err.value.code == "certificate_not_awaiting"
    with pytest.raises(DomainError) as err:
        await db.run(amendments.amend, parent, cert, Field.SURNAME, "Семёнова")
    assert err.value.code == "not_allowed"
    async with db.reader() as uow:
        trail = await uow.session.scalars(
            select(AuditRecord.id).where(AuditRecord.action == "amend")
        )
        assert trail.all() == []


async def test_reading_the_desk_and_its_cards_is_audited_without_what_was_typed(db):
    """Staff reads of the children's personal data at the desk leave a record each: the
    list (its filter, the kind of search, the page, and only a keyed digest of the words),
    each card opened (its certificate or child); a refused read too. Never the surname or
    the СНИЛС digits typed."""
    from core.usecases.staff import Staff

    await setup_region(db, rows=[])
    _, _, cert = await _request(db, "1", "Семёнова", snils_no=snils(7))
    staff = await _confirmer(db)
    desk_of = Staff(db)
    await desk_of.desk(staff, Desk.NEW, "", 0)
    await desk_of.desk(staff, Desk.NEW, "  семенова ", 0)
    tail = snils(7)[-4:]
    await desk_of.desk(staff, Desk.NEW, tail, 0)
    shown = await desk_of.pending_one(staff, cert)
    assert shown.snils == snils(7)
    stranger, _, _ = await _request(db, "2", "Петрова")  # a parent, no confirmer
    with pytest.raises(DomainError):
        await desk_of.desk(stranger, Desk.NEW, "Семёнова", 0)
    with pytest.raises(DomainError):
        await desk_of.pending_one(stranger, cert)
    async with db.reader() as uow:
        trail = (
            await uow.session.scalars(
                select(AuditRecord)
                .where(AuditRecord.action.in_(("desk-read", "desk-card")))
                .order_by(AuditRecord.id)
            )
        ).all()
    key = amendments.audit.keyed_digest(db.register_secret, "desk", "семенова")
    assert [(r.action, r.outcome, r.detail) for r in trail] == [
        ("desk-read", "ok", "new:none:page:0"),
        ("desk-read", "ok", f"new:text:page:0:{key}"),
        ("desk-read", "ok", f"new:digits:page:0:{trail[2].detail.rsplit(':', 1)[-1]}"),
        ("desk-card", "ok", "certificate"),
        ("desk-read", "not_allowed", f"new:text:page:0:{key}"),
        ("desk-card", "not_allowed", "certificate"),
    ]
    assert [r.actor for r in trail] == [f"staff:{staff}"] * 4 + [f"staff:{stranger}"] * 2
    assert trail[3].certificate_id == cert and trail[3].municipality_id == TOWN
    everything = " ".join(r.detail or "" for r in trail)
    for typed in ("Семёнова", "семенова", tail, snils(7)):
        assert typed not in everything
