"""Leaving tells everyone the truth: the withdrawal's and the removal's confirmations say
what ends today (each club, what is still debited for it and what returns, the funded
place going to the queue, what a registration again brings back), and the behaviour is
what they said; the provider's staff are told when a child leaves by the family's choice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.dialogs.actions import OpenChild
from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.flows.children import AskRemoveChild, RemoveChild
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
from bot.i18n import money, translator
from bot.notify.render import Renderer
from core.accounting import month_close
from core.certificates import certificates
from core.enrolment import decisions, enrolment, leaving
from core.family import children, parents
from core.outbox.delivery import Claimed
from core.rules.calendar import month_index
from core.rules.enrolment import AppStatus, CertStatus
from core.staff import roles
from core.storage.models import Certificate, LedgerEntry, Outbox
from core.usecases import UseCases
from core.usecases.jobs import NoticeFacts
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)

ROWS = [catalogue_row(1, price=1000), catalogue_row(2, price=200, name="Шахматы")]


async def _staff(db):
    async with db.uow() as uow:
        pid = await roles.grant(uow, "tg:100", "provider", provider_external_id="prov1")
        await uow.commit()
    return pid


async def _family(db, staff):
    """Мария (family "1", tg:1): studying in group 1 (Mondays) from 5 October, accepted in
    group 2 (Шахматы); her funded certificate is the municipality's only one, and family
    "2" waits in the funding queue."""
    parent, child = await parent_with_child(db, "1")
    queued = await parent_with_child(db, "2")
    studying = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    assert (await db.run(accept_contract, staff, studying)).done
    assert (await db.run(decisions.provider_decide, staff, studying, AppStatus.ENROLLED)).done
    accepted = await db.run(enrolment.apply, parent, child, await group_id(db, "g2"))
    assert (await db.run(accept_contract, staff, accepted)).done
    return parent, child, studying, accepted, queued


def _engine(db):
    return Engine(FLOWS, UseCases(db), MemoryStateStore(), translator(), Signer(b"k"), deadline=10)


async def _press(engine, action):
    return await engine.handle(
        Event("tg", "1", "button", payload=engine.signer.sign("tg:1", action))
    )


async def _told(db, staff):
    async with db.reader() as uow:
        rows = await uow.session.execute(
            select(Outbox.id, Outbox.payload).where(
                Outbox.parent_id == staff, Outbox.kind == "child_left"
            )
        )
        return list(rows)


async def _render(db, staff, payload):
    renderer = Renderer(translator(), low_balance=100_000)
    async with db.reader() as uow:
        notice = await renderer.render(
            NoticeFacts(uow), Claimed(1, staff, "child_left", None, payload, 0), "ru"
        )
    assert notice is not None
    return notice.text


async def test_the_withdrawal_does_what_its_confirmation_says(db, clock):
    await setup_region(db, quota=1, rows=ROWS)
    staff = await _staff(db)
    parent, child, studying, accepted, queued = await _family(db, staff)
    clock.set(datetime(2026, 10, 20, 10, 0))  # a Tuesday: 3 of October's 4 Mondays served
    async with db.reader() as uow:
        number = (await certificates.view(uow, parent, child)).number
        ends = await leaving.leaving(uow, parent)
    debit, back = 100_000 * 3 // 4, 800_000 - 75_000
    assert [(e.program, e.studying, e.told, e.debited, e.returned) for e in ends.endings] == [
        ("Программа 1", True, True, debit, back),
        ("Шахматы", False, True, 0, 160_000),
    ]
    [cert] = ends.certificates
    assert (cert.number, cert.funded, cert.left) == (number, True, 1_100_000 - debit)

    # the text the family reads names exactly these figures
    engine = _engine(db)
    await engine.handle(Event("tg", "1", "command", text="privacy"))
    screen = (await _press(engine, "withdraw")).screen.text
    for shown in (
        f"«Программа 1»: занятия заканчиваются сегодня. Спишется {money(debit)}",
        f"на сертификат вернётся {money(back)}",
        f"«Шахматы»: заявка будет отменена, заблокированные {money(160_000)} вернутся",
        f"Сертификат № {number} (Мария) закрывается",
        "переходит следующему в очереди",
        f"Остаток {money(1_100_000 - debit)} остаётся за сертификатом",
        "вернётся тот же номер сертификата — как сертификат учёта",
        "Номинал нужно будет запросить заново",
        "Организация получит уведомление",
    ):
        assert shown in screen, shown
    assert "Согласие отозвано" in (await _press(engine, "withdraw-yes")).screen.text

    # the place went to the queue today
    async with db.reader() as uow:
        assert (await certificates.view(uow, *queued)).status == CertStatus.FUNDED
    # the provider's staff were told of both, without the child's name
    told = await _told(db, staff)
    assert sorted((p["application_id"], p["why"], p["child_id"]) for _, p in told) == [
        (studying, "withdrawn", None),
        (accepted, "withdrawn", None),
    ]
    text = await _render(db, staff, next(p for _, p in told if p["application_id"] == studying))
    assert f"Ребёнок с сертификатом № {number} больше не занимается" in text
    assert "Мария" not in text and "20.10.2026" in text
    # October's close debits what the screen said, and the rest came back
    clock.set(datetime(2026, 11, 2, 9, 0))
    await db.run(month_close.close_month, month_index(2026, 10))
    async with db.reader() as uow:
        got = await uow.session.scalar(
            select(LedgerEntry.total_delta).where(
                LedgerEntry.application_id == studying, LedgerEntry.kind == "debit"
            )
        )
        left = await uow.session.scalar(select(Certificate).where(Certificate.number == number))
    assert -got == debit
    assert (left.total, left.reserved, left.status) == (1_100_000 - debit, 0, "closed")

    # registered again: the same number, as an accounting certificate, with the money left
    await db.run(parents.give_consent, parent)
    again = children.ChildInput("Иванова", "Мария", None, date(2016, 3, 5), None, 1)
    kid = await db.run(children.add, parent, again)
    async with db.reader() as uow:
        view = await certificates.view(uow, parent, kid)
    assert (view.number, view.status, view.total) == (number, CertStatus.ACCOUNTING, left.total)


async def test_removing_a_child_says_and_does_the_same(db, clock):
    await setup_region(db, quota=1, rows=ROWS)
    staff = await _staff(db)
    _, child, studying, accepted, queued = await _family(db, staff)
    engine = _engine(db)
    await engine.handle(Event("tg", "1", "command", text="children"))
    await _press(engine, OpenChild(child).pack())
    screen = (await _press(engine, AskRemoveChild(child).pack())).screen.text
    assert "Удалить ребёнка (Мария) из профиля?" in screen
    # 5 October, a Monday: one of October's four Mondays so far
    assert f"Спишется {money(25_000)}" in screen and "переходит следующему в очереди" in screen
    await _press(engine, RemoveChild(child).pack())
    told = await _told(db, staff)
    assert sorted((p["application_id"], p["why"]) for _, p in told) == [
        (studying, "removed"),
        (accepted, "removed"),
    ]
    async with db.reader() as uow:
        assert (await certificates.view(uow, *queued)).status == CertStatus.FUNDED


async def test_the_provider_hears_when_a_child_leaves_or_an_application_is_cancelled(db, clock):
    await setup_region(db, rows=ROWS)
    staff = await _staff(db)
    parent, child, studying, accepted, _ = await _family(db, staff)
    clock.set(datetime(2026, 10, 20, 10, 0))
    await db.run(enrolment.leave, parent, studying)
    await db.run(enrolment.cancel, parent, accepted)
    told = {p["application_id"]: p for _, p in await _told(db, staff)}
    assert (told[studying]["why"], told[accepted]["why"]) == ("left", "cancelled")
    text = await _render(db, staff, told[studying])
    assert "Мария (сертификат №" in text and "семья прекратила занятия" in text
    assert "Последний день занятий — 20.10.2026" in text
    text = await _render(db, staff, told[accepted])
    assert "больше не ждёт зачисления" in text and "семья отменила заявку" in text
    # the provider's own decisions are not news to the provider
    other = await db.run(enrolment.apply, parent, child, await group_id(db, "g2"))
    await db.run(decisions.provider_decide, staff, other, AppStatus.REJECTED, "Мест нет")
    assert other not in {p["application_id"] for _, p in await _told(db, staff)}
