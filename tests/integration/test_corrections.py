"""Issue 24 item 1: the certificate stays with its child. Once the child's data are
confirmed the family asks for a correction, which a confirmer approves or refuses; the
birth date and a recorded СНИЛС are never changed (that is another child); the
certificate's number, money and ledger stay with the same person whatever happens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from core.certificates import corrections
from core.errors import DomainError
from core.family import children
from core.storage.models import Certificate, Child, LedgerEntry, Outbox
from tests.support.world import confirmer, parent_with_child, setup_region

SNILS = "112-233-445 95"


async def _data(db, child_id) -> children.ChildInput:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child_id)
        return children.ChildInput(
            kid.surname, kid.name, kid.patronymic, kid.birth_date, kid.snils, kid.municipality_id
        )


async def _person_and_money(db, child_id):  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child_id)
        cert = await uow.session.scalar(
            select(Certificate).where(Certificate.child_id == child_id)
        )
        ledger = await uow.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.certificate_id == cert.id)
        )
        return (kid.birth_date, kid.snils), (cert.id, cert.number, cert.total, ledger), kid


async def test_a_confirmed_child_is_not_edited_into_another_child(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db)  # confirmed and funded
    who, money, _ = await _person_and_money(db, child)
    assert money[2] > 0
    data = await _data(db, child)
    for changed in (
        replace(data, surname="Петрова", name="Ольга"),
        replace(data, birth_date=date(2019, 1, 1)),
        replace(data, snils=SNILS),
    ):
        with pytest.raises(DomainError) as err:
            await db.run(children.update_child, parent, child, changed)
        assert err.value.code == "child_confirmed_ask_correction"
    # another birth date (or another СНИЛС) is another child, even through a correction
    with pytest.raises(DomainError) as err:
        await db.run(
            corrections.request,
            parent,
            child,
            replace(data, birth_date=date(2019, 1, 1)),
            "опечатка",
        )
    assert err.value.code == "correction_other_child"
    assert (await _person_and_money(db, child))[:2] == (who, money)
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child)
        assert (kid.surname, kid.name, kid.birth_date) == ("Иванова", "Мария", date(2016, 3, 5))


async def test_an_unconfirmed_child_is_still_edited_freely(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, certificate="awaiting")
    data = await _data(db, child)
    await db.run(children.update_child, parent, child, replace(data, name="Ольга"))
    with pytest.raises(DomainError) as err:
        await db.run(corrections.request, parent, child, replace(data, name="Анна"), "опечатка")
    assert err.value.code == "correction_not_needed"


async def test_a_correction_approved_keeps_the_certificate_with_the_child(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db)
    who, money, _ = await _person_and_money(db, child)
    data = await _data(db, child)
    asked = replace(data, name="Марья", patronymic="Петровна", snils=SNILS)
    with pytest.raises(DomainError) as err:
        await db.run(corrections.request, parent, child, asked, "   ")
    assert err.value.code == "correction_reason_required"
    fix = await db.run(corrections.request, parent, child, asked, "Опечатка в имени")
    # until a confirmer decides, the old data stand
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child)
        assert (kid.name, kid.patronymic, kid.snils) == ("Мария", None, None)
        assert await corrections.pending_for_child(uow, parent, child)
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    async with db.reader() as uow:
        [view], total = await corrections.pending(uow, staff)
    assert total == 1 and view.id == fix
    assert (view.old_full_name, view.full_name) == ("Иванова Мария", "Иванова Марья Петровна")
    assert view.reason == "Опечатка в имени" and view.number == money[1]
    with pytest.raises(DomainError) as err:
        await db.run(corrections.approve, parent, fix)  # a family is no confirmer
    assert err.value.code == "not_allowed"
    await db.run(corrections.approve, staff, fix)
    with pytest.raises(DomainError) as err:
        await db.run(corrections.approve, staff, fix)
    assert err.value.code == "correction_not_pending"
    (born, snils), money_after, kid = await _person_and_money(db, child)
    assert (kid.name, kid.patronymic, snils, born) == ("Марья", "Петровна", "11223344595", who[0])
    assert money_after == money  # same certificate, number, money, ledger
    async with db.reader() as uow:
        told = await uow.session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.parent_id == parent)
            .where(Outbox.payload["status"].as_string() == "corrected")
        )
    assert told == 1
    # the СНИЛС now recorded is never corrected into another
    with pytest.raises(DomainError) as err:
        await db.run(
            corrections.request, parent, child, replace(asked, snils="123-456-789 64"), "ошибка"
        )
    assert err.value.code == "correction_other_child"


async def test_a_refused_correction_leaves_the_data(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db)
    data = await _data(db, child)
    fix = await db.run(corrections.request, parent, child, replace(data, name="Ольга"), "так")
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    with pytest.raises(DomainError) as err:
        await db.run(corrections.refuse, staff, fix, "")
    assert err.value.code == "reason_required"
    await db.run(corrections.refuse, staff, fix, "В свидетельстве о рождении — Мария")
    async with db.reader() as uow:
        kid = await uow.session.get(Child, child)
        assert kid.name == "Мария"
        assert await corrections.pending(uow, staff) == ([], 0)
        assert not await corrections.pending_for_child(uow, parent, child)


async def test_a_correction_read_at_the_desk_is_audited(db):
    """Its card shows the old and the new data, the СНИЛС among them: each read is in the
    audit trail (the correction and the child, ids only), a refused one too."""
    from core.storage.models import AuditRecord
    from core.usecases.staff import Staff

    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db)
    data = await _data(db, child)
    asked = replace(data, name="Ольга", snils=SNILS)
    fix = await db.run(corrections.request, parent, child, asked, "опечатка")
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    assert (await Staff(db).correction(staff, fix)).snils == "11223344595"
    with pytest.raises(DomainError):
        await Staff(db).correction(parent, fix)  # a family is no confirmer
    async with db.reader() as uow:
        trail = (
            await uow.session.scalars(
                select(AuditRecord)
                .where(AuditRecord.action == "desk-card")
                .order_by(AuditRecord.id)
            )
        ).all()
    assert [(r.actor, r.outcome, r.detail, r.child_id) for r in trail] == [
        (f"staff:{staff}", "ok", f"correction:{fix}", child),
        (f"staff:{parent}", "not_allowed", f"correction:{fix}", None),
    ]
