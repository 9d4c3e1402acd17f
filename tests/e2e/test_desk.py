"""The МОЦ's desk in Telegram (issue 28 item 3): a family stands at the desk of a district
with 500 requests waiting; the confirmer finds it by the child's surname, sees the parent's
name for the passport check, corrects a typo in place and confirms; the family is told."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.notify.build import build_worker, close_worker
from core.certificates import certificates
from core.family import children, parents
from core.staff import roles
from core.storage.models import AuditRecord, Child, Municipality
from tests.e2e.test_telegram import APPLICANT, PARENT, add_child, press, request_certificate, say

CONFIRMER = 555
CROWD = 500
SURNAMES = ("Кузнецова", "Попова", "Васильева", "Соколова", "Морозова", "Волкова", "Лебедева")


async def _crowd(h) -> None:
    """500 families of the town asked for a certificate before this one (straight into the
    core: the desk, not the families' chat, is under test)."""
    async with h.app.db.uow() as uow:
        town = await uow.session.scalar(
            select(Municipality.id).where(Municipality.code == "birobidzhan")
        )
        for n in range(CROWD):
            parent = await parents.get_or_create(uow, "tg", str(900_000 + n))
            await parents.give_consent(uow, parent.id)
            child = await children.add(
                uow,
                parent.id,
                children.ChildInput(
                    SURNAMES[n % len(SURNAMES)],
                    "Анна",
                    None,
                    date(2011, 1, 1) + timedelta(days=n),
                    None,
                    town,
                ),
            )
            await certificates.issue(uow, parent.id, child, "Родителева Ольга")
        await uow.commit()


async def test_a_confirmer_finds_a_family_among_500_and_corrects_a_typo(telegram_bot):
    h = telegram_bot
    await _crowd(h)
    # the family typed the surname with a typo; its request is the last of the queue
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    child = await add_child(h, surname="Сметанна")
    await request_certificate(h, child)
    await h.app.db.run(
        roles.grant, f"tg:{CONFIRMER}", "confirmer", municipality_code="birobidzhan"
    )
    step = await say(h, "/start", CONFIRMER)
    await press(h, step, "Даю согласие", CONFIRMER)

    queue = await say(h, "/confirm", CONFIRMER)
    waiting = int(re.search(r"ждут проверки документов: (\d+)", queue.text)[1])
    pages = int(re.search(r"страница 1 из (\d+)", queue.text)[1])
    assert waiting >= CROWD + 1 and pages == -(-waiting // 10)
    assert len(re.findall(r"^\d+\. ", queue.text, re.M)) == 10  # ten a page
    assert "Сметанна" not in queue.text  # the newest: on the last page
    labels = [b["text"] for b in queue.buttons]
    assert [str(n) for n in range(1, 11)] == labels[:10]
    assert any("Новые" in b for b in labels) and any("Исправления" in b for b in labels)

    # a surname nobody has: said so, the filters stay; not a search for a club
    missing = await say(h, "Кракозябрина", CONFIRMER)
    assert "ничего не найдено" in missing.text
    assert "программ" not in missing.text.lower()
    assert any("Новые" in b["text"] for b in missing.buttons)
    assert any("Сбросить поиск" in b["text"] for b in missing.buttons)

    # the family at the desk: its surname as said aloud, in capitals
    found = await say(h, "СМЕТАН", CONFIRMER)
    assert "найдено: 1" in found.text
    assert "1. Сметанна Мария, 05.03.2016" in found.text
    card = await press(h, found, "1", CONFIRMER)
    assert "Сметанна Мария" in card.text
    assert f"Родитель, подавший заявку: {APPLICANT}" in card.text

    # the birth certificate says Сметанина: corrected in place
    ask = await press(h, card, "Фамилия", CONFIRMER)
    assert "Фамилия сейчас: Сметанна" in ask.text
    bad = await say(h, "Сметан1на", CONFIRMER)  # validated as the family's entry
    assert "только буквами" in bad.text
    card = await say(h, "Сметанина", CONFIRMER)
    assert "Исправлено: фамилия" in card.text
    assert "Сметанина Мария" in card.text
    done = await press(h, card, "подтвердить", CONFIRMER)
    assert "Данные подтверждены" in done.text
    # the search is kept after the decision: that family no longer waits
    assert "ничего не найдено" in done.text

    async with h.app.db.reader() as uow:
        kid = await uow.session.scalar(select(Child).where(Child.surname == "Сметанина"))
        assert kid is not None
        trail = (
            await uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "amend"))
        ).all()
    assert [(r.child_id, r.detail.split(":")[0]) for r in trail] == [(kid.id, "surname")]
    assert "Сметан" not in trail[0].detail

    # the family is told what was corrected
    worker = build_worker(h.app)
    try:
        while await worker.step():
            pass
    finally:
        await close_worker(worker)
    told = [s.text for s in h.tg.sent if s.chat_id == PARENT]
    assert any("исправил опечатку" in t and "фамилия" in t for t in told), told[-3:]
