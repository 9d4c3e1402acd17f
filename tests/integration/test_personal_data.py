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


ALONE = "7001"  # a child of 15 who registered without a parent


def _press(reply, label: str, who: str = ALONE) -> Event:  # type: ignore[no-untyped-def]
    """The press of the button whose label holds ``label`` on this screen."""
    found = [b for b in reply.screen.buttons if label in b.label]
    assert found, (label, [b.label for b in reply.screen.buttons])
    return Event("tg", who, "button", payload=found[0].payload)


async def test_a_child_alone_reads_how_to_withdraw_and_withdraws(db):
    """The consent a child registering alone gives names /privacy; /privacy is theirs, and
    the withdrawal erases the family of one as a parent's would: the child, the
    certificate's tie to them, the family's notices; the account itself stays, blank, and
    may register again."""
    from core.certificates import confirmations
    from core.family import teens
    from core.storage.models import Child, Identity
    from tests.support.world import confirmer

    await setup_region(db, rows=[])
    states = MemoryStateStore()
    engine = Engine(FLOWS, UseCases(db), states, translator(), Signer(b"k"), deadline=10)
    step = await engine.handle(Event("tg", ALONE, "command", text="start"))
    step = await engine.handle(_press(step, "14–17"))
    for typed in ("Соколова", "Алина", "Игоревна", "01.09.2011"):
        step = await engine.handle(Event("tg", ALONE, "text", text=typed))
    step = await engine.handle(_press(step, "Город"))
    step = await engine.handle(Event("tg", ALONE, "text", text="112-233-445 95"))
    # the consent says how it is withdrawn, and the command it names works for the account
    said = step.screen.text
    assert "/privacy" in said and "Отозвать согласие" in said, said
    assert "/privacy" in translator()("en", "self-consent", you="teen", min=14)
    step = await engine.handle(_press(step, "даю согласие"))
    assert "регистрация прошла" in step.screen.text
    step = await engine.handle(_press(step, "Запросить сертификат"))
    async with db.reader() as uow:
        family, child = (
            await uow.session.execute(
                select(Identity.parent_id, Identity.child_id).where(Identity.external_id == ALONE)
            )
        ).one()
        cert_id = await uow.session.scalar(
            select(Certificate.id).where(Certificate.child_id == child)
        )
    assert child is not None and cert_id is not None
    async with db.uow() as uow:
        staff = await confirmer(uow)
        await uow.commit()
    await db.run(confirmations.confirm, staff, cert_id)
    menu = await engine.handle(Event("tg", ALONE, "command", text="menu"))
    assert "Мои данные" in str([b.label for b in menu.screen.buttons])
    mine = await engine.handle(_press(menu, "Мои данные"))
    assert "твоего сертификата" in mine.screen.text, mine.screen.text
    assert "Детей в профиле" not in mine.screen.text
    off = await engine.handle(_press(mine, "Отключить объявления"))
    assert "выключены" in off.screen.text
    async with db.reader() as uow:
        assert (await parents.view(uow, family)).announcements is False
    shown = await engine.handle(Event("tg", ALONE, "command", text="privacy"))
    ask = await engine.handle(_press(shown, "Отозвать согласие"))
    assert "Твои данные" in ask.screen.text and "Если ты зарегистрируешься" in ask.screen.text
    done = await engine.handle(_press(ask, "Да, удалить"))
    assert "Согласие отозвано" in done.screen.text
    async with db.reader() as uow:
        assert await uow.session.scalar(select(Child.id).where(Child.id == child)) is None
        cert = await uow.session.get(Certificate, cert_id)
        assert cert is not None and (cert.child_id, cert.status) == (None, "closed")
        kinds = list(
            await uow.session.scalars(select(Outbox.kind).where(Outbox.parent_id == family))
        )
        # the account stays the family's, blank: no child's any more
        own = (
            await uow.session.execute(
                select(Identity.parent_id, Identity.child_id).where(Identity.external_id == ALONE)
            )
        ).one()
        view = await parents.view(uow, family)
        assert await parents.acting_child(uow, "tg", ALONE) is None
        assert not await teens.alone(uow, family)
    assert kinds == ["data_erased"]
    assert tuple(own) == (family, None)
    assert view.consent is False and view.withdrawn_at is not None
    assert "teen" not in (await states.get(f"tg:{ALONE}")).data
    # the same person may register alone again, from the same account
    again = await engine.handle(Event("tg", ALONE, "command", text="start"))
    again = await engine.handle(_press(again, "14–17"))
    assert "Твоя фамилия" in again.screen.text


async def test_a_child_invited_by_a_parent_is_refused_privacy(db):
    """The parent answers for the family's data: the child's own account neither sees
    /privacy nor withdraws, even with a button of the flow signed for it."""
    from datetime import date

    from core.family import children, teens
    from core.storage.models import Child

    await setup_region(db, rows=[])
    parent, _ = await parent_with_child(db, "41")
    teen = await db.run(
        children.add,
        parent,
        children.ChildInput("Иванов", "Глеб", None, date(2011, 9, 1), None, 1),
    )
    own = (await db.run(parents.get_or_create, "tg", "4100")).id
    await db.run(linking.redeem, own, "tg", await db.run(teens.invite, parent, teen))
    engine = Engine(
        FLOWS, UseCases(db), MemoryStateStore(), translator(), Signer(b"k"), deadline=10
    )
    menu = await engine.handle(Event("tg", "4100", "command", text="menu"))
    assert "Мои данные" not in str([b.label for b in menu.screen.buttons])
    refused = await engine.handle(Event("tg", "4100", "command", text="privacy"))
    assert "только родитель" in refused.screen.text
    refused = await engine.handle(
        Event("tg", "4100", "button", payload=engine.signer.sign("tg:4100", "withdraw"))
    )
    assert "только родитель" in refused.screen.text
    for name in ("withdraw-yes", "ann"):
        payload = engine.signer.sign("tg:4100", name)
        refused = await engine.handle(Event("tg", "4100", "button", payload=payload))
        # refused, or stale where the button belongs to a screen the child never had
        said = refused.screen.text
        assert "только родитель" in said or "устарела" in said, (name, said)
    async with db.reader() as uow:
        kids = list(await uow.session.scalars(select(Child.id).where(Child.parent_id == parent)))
        assert (await parents.view(uow, parent)).consent
    assert len(kids) == 2
