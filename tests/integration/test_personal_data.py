"""What a withdrawal of consent leaves: nothing that ties the ledger to a messenger account,
no draft of a child's data in any messenger."""

from __future__ import annotations

from sqlalchemy import select

from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import DialogState, MemoryStateStore
from bot.i18n import translator
from core.enrolment import decisions, enrolment
from core.family import parents
from core.register import linking
from core.storage.models import Application, Certificate, LedgerEntry, Outbox
from core.usecases import UseCases
from core.usecases import family as family_cases
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def test_withdrawal_unties_the_ledger_from_the_family(db):
    await setup_region(db, rows=[catalogue_row(1)])
    parent, child = await parent_with_child(db)
    await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    await db.run(family_cases.withdraw_consent, parent)
    async with db.reader() as uow:
        apps = (await uow.session.scalars(select(Application))).all()
        assert [(a.parent_id, a.child_id, a.status) for a in apps] == [(None, None, "cancelled")]
        certs = (await uow.session.scalars(select(Certificate))).all()
        assert [(c.child_id, c.status) for c in certs] == [(None, "closed")]
        assert await uow.session.scalar(select(LedgerEntry.id).limit(1)) is not None
        kinds = list(await uow.session.scalars(select(Outbox.kind)))
    assert kinds == ["data_erased"]  # the only notice of this family left


async def test_withdrawal_clears_the_draft_in_every_messenger(db):
    await setup_region(db, rows=[])
    parent = await db.run(_consenting, "tg", "5")
    vk = await db.run(_consenting, "vk", "5")
    assert await db.run(linking.redeem, vk, "vk", await db.run(linking.create_code, parent))
    states = MemoryStateStore()
    draft = DialogState(
        screen="ask-snils",
        data={"pid": parent, "draft": {"surname": "Иванова", "birth": "2016-03-05"}},
    )
    await states.set("vk:5", draft)
    engine = Engine(FLOWS, UseCases(db), states, translator(), Signer(b"k"), deadline=10)
    await engine.handle(Event("tg", "5", "command", text="privacy"))
    payload = engine.signer.sign("tg:5", "withdraw")
    await engine.handle(Event("tg", "5", "button", payload=payload))
    payload = engine.signer.sign("tg:5", "withdraw-yes")
    reply = await engine.handle(Event("tg", "5", "button", payload=payload))
    assert "Согласие отозвано" in reply.screen.text
    assert await states.get("vk:5") is None
    assert "draft" not in (await states.get("tg:5")).data


async def _consenting(uow, platform: str, external: str) -> int:  # type: ignore[no-untyped-def]
    parent = await parents.get_or_create(uow, platform, external)
    await parents.give_consent(uow, parent.id)
    return parent.id


async def test_a_state_whose_family_was_merged_away_finds_the_family(db):
    await setup_region(db, rows=[])
    target = await db.run(_consenting, "tg", "7")
    source = await db.run(_consenting, "vk", "7")
    states = MemoryStateStore()
    await states.set("vk:7", DialogState(screen="menu", data={"pid": source}))
    assert await db.run(linking.redeem, source, "vk", await db.run(linking.create_code, target))
    engine = Engine(FLOWS, UseCases(db), states, translator(), Signer(b"k"), deadline=10)
    reply = await engine.handle(Event("vk", "7", "command", text="menu"))
    assert "Главное меню" in reply.screen.text
    assert (await states.get("vk:7")).data["pid"] == target


async def test_dialog_states_expire_within_hours():
    now = [0.0]
    states = MemoryStateStore(ttl=6 * 3600, clock=lambda: now[0])
    await states.set("tg:1", DialogState(data={"draft": {"snils": "11223344595"}}))
    now[0] += 6 * 3600 - 1
    assert await states.get("tg:1") is not None
    now[0] += 2
    assert await states.get("tg:1") is None


async def test_sqlite_overwrites_what_it_deletes(sqlite_db):
    async with sqlite_db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1


async def test_withdrawal_while_attending_is_leaving_and_the_screen_says_so(db, clock):
    from datetime import datetime

    from core.accounting import month_close
    from core.rules.calendar import month_index
    from core.rules.enrolment import AppStatus
    from core.staff import roles

    await setup_region(db, rows=[catalogue_row(1), catalogue_row(2)])
    parent, child = await parent_with_child(db, "31")
    staff = await db.run(roles.grant, "tg:900", "provider", provider_external_id="prov1")
    attends = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    waits = await db.run(enrolment.apply, parent, child, await group_id(db, "g2"))
    await db.run(accept_contract, staff, attends)
    await db.run(decisions.provider_decide, staff, attends, AppStatus.ENROLLED)
    engine = Engine(
        FLOWS, UseCases(db), MemoryStateStore(), translator(), Signer(b"k"), deadline=10
    )
    await engine.handle(Event("tg", "31", "command", text="privacy"))
    reply = await engine.handle(
        Event("tg", "31", "button", payload=engine.signer.sign("tg:31", "withdraw"))
    )
    assert "Программа 1»: занятия заканчиваются сегодня" in reply.screen.text
    assert "Программа 2»: заявка будет отменена" in reply.screen.text
    clock.set(datetime(2026, 10, 16, 12, 0))
    await db.run(family_cases.withdraw_consent, parent)
    async with db.reader() as uow:
        left = await uow.session.get(Application, attends)
        cancelled = await uow.session.get(Application, waits)
        assert (left.status, left.reserved_left) == ("finished", 100_000)  # October stays
        assert (cancelled.status, cancelled.reserved_left) == ("cancelled", 0)
    clock.set(datetime(2026, 11, 1, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    async with db.reader() as uow:
        debit = await uow.session.scalar(
            select(LedgerEntry.total_delta).where(LedgerEntry.kind == "debit")
        )
    # paid to the day of leaving by the group's class days: Mondays 5 and 12 of October's 4
    assert debit == -(100_000 * 2 // 4)
