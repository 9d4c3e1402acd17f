"""One parent, two platforms, one set of children."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.notify.build import build_worker, close_worker
from core.storage.models import Identity, Outbox, Parent
from tests.e2e import test_max as maxflow
from tests.e2e import test_telegram as tgflow
from tests.e2e import test_vk as vkflow


async def test_link_telegram_and_vk(both_bots):
    h = both_bots
    start = await tgflow.say(h, "/start")
    await tgflow.press(h, start, "Даю согласие")
    child = await tgflow.add_child(h)
    assert "Иванова Мария" in child.text
    code_screen = await tgflow.say(h, "/link")
    code = re.search(r"\b(\d{4} \d{4} \d{4})\b", code_screen.text)[1]
    # in VK, a new person as far as the bot knows, until the code is typed
    vk_start = await vkflow.say(h, "/start")
    assert "Здравствуйте" in vk_start.text
    wrong = await vkflow.say(h, "/link 0000 0000 0000")
    assert "не получилось" in wrong.text
    linked = await vkflow.say(h, f"/link {code}")
    assert "аккаунты связаны" in linked.text
    kids = await vkflow.say(h, "/children")
    assert "Мария" in str([b["action"]["label"] for b in kids.buttons])
    # a certificate requested in VK is seen in Telegram
    card = await vkflow.press(h, kids, "Мария")
    card = await vkflow.press(h, card, "Получить сертификат")
    card = await vkflow.say(h, "Иванова Анна Петровна")
    assert "Заявка на сертификат принята" in card.text
    tg_kids = await tgflow.say(h, "/children")
    tg_card = await tgflow.press(h, tg_kids, "Мария")
    assert "ждёт подтверждения" in tg_card.text
    async with h.app.db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Parent)) == 1
        platforms = set(await uow.session.scalars(select(Identity.platform)))
    assert platforms == {"tg", "vk"}
    # the code is single-use
    again = await vkflow.say(h, f"/link {code}")
    assert "не получилось" in again.text


async def test_link_telegram_and_max_and_choose_where_notices_go(tg_and_max):
    h = tg_and_max
    start = await tgflow.say(h, "/start")
    await tgflow.press(h, start, "Даю согласие")
    await tgflow.add_child(h)
    code_screen = await tgflow.say(h, "/link")
    code = re.search(r"\b(\d{4} \d{4} \d{4})\b", code_screen.text)[1]
    linked = await maxflow.say(h, f"/link {code}")
    assert "аккаунты связаны" in linked.text
    kids = await maxflow.say(h, "/children")
    assert "Мария" in str([b["text"] for b in kids.buttons])
    # reachable in both: Telegram (the first account) until the parent says otherwise
    privacy = await maxflow.say(h, "/privacy")
    assert "Уведомления приходят в Telegram" in privacy.text
    chosen = await maxflow.press(h, privacy, "Присылать в MAX")
    assert "уведомления будут приходить в MAX" in chosen.text
    assert "Присылать в Telegram" in str([b["text"] for b in chosen.buttons])
    # a notice now goes to MAX, not to Telegram
    async with h.app.db.uow() as uow:
        parent = await uow.session.scalar(select(Parent.id))
        uow.session.add(
            Outbox(
                parent_id=parent,
                kind="data_erased",
                payload={"children": 0},
                status="pending",
                attempts=0,
                created_at=uow.now,
            )
        )
        await uow.commit()
    sent_tg = len(h.tg.sent)
    before = len(h.max.sent)
    worker = build_worker(h.app)
    try:
        await worker.step()
        await h.max.wait_sent(before + 1)
    finally:
        await close_worker(worker)
    assert len(h.tg.sent) == sent_tg
    async with h.app.db.reader() as uow:
        status = await uow.session.scalar(select(Outbox.status).where(Outbox.parent_id == parent))
        assert set(await uow.session.scalars(select(Identity.platform))) == {"tg", "max"}
    assert status == "delivered"
