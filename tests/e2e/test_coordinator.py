"""A coordinator composes an announcement in Telegram; parents get it through the worker."""

from __future__ import annotations

from bot.notify.build import build_worker, close_worker
from core.services import roles
from tests.e2e.test_telegram import PARENT, add_child, press, say

COORDINATOR = 999


async def test_coordinator_broadcast_reaches_parents(telegram_bot):
    h = telegram_bot
    # a parent with a child in г. Биробиджан
    start = await say(h, "/start")
    await press(h, start, "Согласен")
    await add_child(h)
    # someone without the role: the command does not exist for them
    stranger = await say(h, "/broadcast", 4242)
    assert "Такой команды нет" in stranger.text
    async with h.app.db.uow() as uow:
        await roles.grant(uow, f"tg:{COORDINATOR}", "coordinator", municipality_code="birobidzhan")
        await uow.commit()
    step = await say(h, "/start", COORDINATOR)
    step = await press(h, step, "Согласен", COORDINATOR)
    assert "Объявление" in str([b["text"] for b in step.buttons])
    step = await say(h, "/broadcast", COORDINATOR)
    assert "текст объявления" in step.text
    step = await say(h, "Коротко", COORDINATOR)
    assert "Текст объявления — от 10 до 2\xa0000 символов" in step.text  # asked again
    step = await say(h, "Открыт весенний набор в кружки Дома детского творчества!", COORDINATOR)
    step = await press(h, step, "г. Биробиджан", COORDINATOR)
    step = await press(h, step, "Любой", COORDINATOR)
    step = await press(h, step, "Готово", COORDINATOR)
    step = await press(h, step, "Без кнопки", COORDINATOR)
    assert "Объявление получат 1 родитель." in step.text
    assert "весенний набор" in step.text
    step = await press(h, step, "Отправить сейчас", COORDINATOR)
    assert "Рассылка началась" in step.text
    assert "Получателей: 1" in step.text
    worker = build_worker(h.app)
    try:
        assert await worker.step() >= 1
    finally:
        await close_worker(worker)
    got = [s for s in h.tg.sent if s.chat_id == PARENT and "📣" in s.text]
    assert len(got) == 1
    assert "весенний набор" in got[0].text
    progress = await press(h, step, "Обновить", COORDINATOR)
    assert "Отправлено: 1" in progress.text
