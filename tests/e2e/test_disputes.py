"""Issue 28: a dispute moves a child between families, through Telegram (the real aiogram
against the stand-in Bot API; the worker delivers both families' notices)."""

from __future__ import annotations

from sqlalchemy import select

from bot.notify.build import build_worker, close_worker
from core.storage.models import AuditRecord, Certificate
from tests.e2e.test_telegram import (
    OTHER,
    PARENT,
    STAFF,
    add_child,
    confirm_data,
    press,
    request_certificate,
    say,
)


async def test_a_dispute_moves_a_child_between_families(telegram_bot):
    h = telegram_bot
    # a stranger registers the child first, and the МОЦ even confirms the data
    start = await say(h, "/start", OTHER)
    await press(h, start, "Даю согласие", OTHER)
    card = await add_child(h, OTHER)
    card = await request_certificate(h, card, OTHER)
    await press(h, card, "Запросить финансирование", OTHER)
    await confirm_data(h)
    async with h.app.db.reader() as uow:
        cert = await uow.session.scalar(select(Certificate))
        number, total, child = cert.number, cert.total, cert.child_id

    # the child's family is refused, and disputes the registration from there
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    refused = await add_child(h)
    assert "уже зарегистрировала в боте другая семья" in refused.text
    assert "оспорьте регистрацию" in refused.text
    filed = await press(h, refused, "Оспорить регистрацию")
    assert "Заявка принята" in filed.text
    assert "свидетельством о рождении" in filed.text

    # the МОЦ's confirmer, at the desk with both families' documents
    queue = await say(h, "/confirm", STAFF)
    disputes = await press(h, queue, "Споры о регистрации: 1", STAFF)
    assert "оспаривают регистрацию" in disputes.text
    dispute = await press(h, disputes, "Иванова Мария", STAFF)
    assert f"Сертификат: № {number}" in dispute.text
    assert "Аккаунтов у семьи, где ребёнок сейчас: 1; у семьи, подавшей спор: 1" in dispute.text
    done = await press(h, dispute, "Перенести ребёнка", STAFF)
    assert "Ребёнок перенесён" in done.text
    assert "Споров о регистрации нет" in done.text
    again = await press(h, dispute, "Перенести ребёнка", STAFF)  # a second press: nothing
    assert "устарела" in again.text

    worker = build_worker(h.app)
    try:
        while await worker.step():
            pass
    finally:
        await close_worker(worker)
    to_family = [s.text for s in h.tg.sent if s.chat_id == PARENT and "МОЦ" in s.text]
    to_stranger = [s.text for s in h.tg.sent if s.chat_id == OTHER and "МОЦ" in s.text]
    assert any("перенёс ребёнка в ваш аккаунт" in t for t in to_family), to_family
    assert any("убрал ребёнка из вашего аккаунта" in t for t in to_stranger), to_stranger

    # the child, its certificate and its money are the family's now, and not the stranger's
    kids = await say(h, "/children")
    card = await press(h, kids, "Мария")
    assert number in card.text and "Доступно" in card.text
    theirs = await say(h, "/children", OTHER)
    assert "Мария" not in str([b["text"] for b in theirs.buttons])
    async with h.app.db.reader() as uow:
        same = await uow.session.scalar(select(Certificate).where(Certificate.number == number))
        record = await uow.session.scalar(
            select(AuditRecord).where(AuditRecord.action == "dispute")
        )
    assert (same.child_id, same.total) == (child, total)
    assert record.outcome == "moved" and "Иванова" not in (record.detail or "")
