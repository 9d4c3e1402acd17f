"""The real vk_api client against a stand-in VK API and Bots Long Poll on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from core.staff import roles
from core.storage.models import Application, Identity
from tests.e2e.chats import first_of_one_group

USER = 5001
STAFF = 5003  # a МОЦ's confirmer


async def say(h, text, user=USER, **kw):
    return await h.vk.ask(h.vk.message(user, text, **kw))


async def press(h, sent, label, user=USER):
    return await h.vk.ask(h.vk.press(user, sent.button(label)))


def check_limits(sent):
    rows = sent.keyboard["buttons"] if sent.keyboard else []
    if sent.keyboard and sent.keyboard.get("inline"):
        assert len(rows) <= 6
        assert sum(len(r) for r in rows) <= 10
    for row in rows:
        assert len(row) <= 5
        for b in row:
            assert len(b["action"].get("label", "")) <= 40


def first_open(results) -> str:
    """The number of the first result that may be applied to, with a free seat."""
    for line in results.text.split("\n"):
        found = re.match(r"(\d+)\. ", line)
        if found and "⛔" not in line and "Свободных мест нет" not in line:
            return found[1]
    raise AssertionError(results.text)


async def add_child(h, user=USER):
    step = await say(h, "/children", user)
    step = await press(h, step, "Добавить", user)
    step = await say(h, "Иванова", user)
    step = await say(h, "Мария", user)
    step = await press(h, step, "Пропустить", user)
    step = await say(h, "05.03.2016", user)
    step = await press(h, step, "Пропустить", user)
    step = await press(h, step, "г. Биробиджан", user)
    return await press(h, step, "Сохранить", user)


async def test_parent_journey_in_vk(vk_bot):
    h = vk_bot
    start = await say(h, "Начать", payload={"command": "start"})
    assert "Здравствуйте" in start.text
    check_limits(start)
    menu = await press(h, start, "Даю согласие")
    assert "Согласие сохранено" in menu.text
    assert h.vk.answers, "the press was answered with sendMessageEventAnswer"
    child = await add_child(h)
    assert "Иванова Мария" in child.text
    child = await press(h, child, "Получить сертификат")
    assert "как в паспорте" in child.text
    child = await say(h, "Иванова Анна Петровна")
    assert "Заявка на сертификат принята" in child.text
    child = await press(h, child, "Запросить финансирование")
    assert "Запрос записан" in child.text
    # the МОЦ's confirmer, in VK too, checks the documents and confirms
    await h.app.db.run(
        roles.grant, f"vk:{STAFF}", "confirmer", municipality_code="birobidzhan", region_wide=True
    )
    queue = await say(h, "/confirm", STAFF)
    assert "1. Иванова Мария" in queue.text
    card = await press(h, queue, "1", STAFF)
    assert "Иванова Анна Петровна" in card.text
    done = await press(h, card, "подтвердить", STAFF)
    assert "Данные подтверждены" in done.text
    kids = await say(h, "/children")
    child = await press(h, kids, "Мария")
    assert "Доступно" in child.text
    results = await say(h, "/search")  # one child: the results at once
    assert "Найдено" in results.text
    check_limits(results)
    # a program of one group: its card is the quote, and applies (issue 30)
    number = await first_of_one_group(h, results)
    while number not in [b["action"].get("label") for b in results.buttons]:
        results = await press(h, results, "Ещё")  # VK pages a long keyboard
    card = await press(h, results, number)
    assert "Стоимость" in card.text
    assert "Запись: Мария" in card.text and "Сертификат оплатит" in card.text
    done = await press(h, card, "Подать заявку")
    assert "Заявка подана" in done.text
    apps = await say(h, "/apps")
    assert "подана" in apps.text
    balance = await say(h, "/balance")
    assert "Зарезервировано" in balance.text
    for sent in h.vk.sent:
        check_limits(sent)
        # an answer's random_id is of the negative half of VK's int32 (the notices'
        # counter is the positive half)
        assert -(2**31) <= sent.random_id < 0


async def test_long_keyboards_page_instead_of_being_cut(vk_bot):
    h = vk_bot
    results = await say(h, "/search")
    check_limits(results)
    labels = [b["action"]["label"] for b in results.buttons]
    assert any("Ещё" in label for label in labels)
    assert not any("Меню" in label for label in labels)
    rest = results
    for _ in range(5):  # the pages in turn, to the last with the menu
        rest = await press(h, rest, "Ещё")
        check_limits(rest)
        assert rest.text == results.text
        rest_labels = [b["action"]["label"] for b in rest.buttons]
        if any("Меню" in label for label in rest_labels):
            break
    assert any("Меню" in label for label in rest_labels)
    # the pages turn back to the first
    back = rest
    for _ in range(5):
        back = await press(h, back, "Назад")
        if [b["action"]["label"] for b in back.buttons] == labels:
            break
    assert [b["action"]["label"] for b in back.buttons] == labels


async def test_long_poll_failures_lose_and_repeat_nothing(vk_bot):
    h = vk_bot
    start = await say(h, "/start")
    h.vk.lp_script += ["failed2"]
    menu = await press(h, start, "Даю согласие")
    assert "Согласие сохранено" in menu.text
    h.vk.lp_script += ["failed1", "failed3"]
    await asyncio.sleep(0.3)
    step = await say(h, "/help")
    assert "Команды" in step.text
    h.vk.lp_script += ["drop"]
    step = await say(h, "/menu")
    assert "Главное меню" in step.text
    await asyncio.sleep(1.5)
    texts = [s.text for s in h.vk.sent]
    assert sum("Команды" in t for t in texts) == 1
    assert sum(t.startswith("Главное меню") for t in texts) == 1
    assert h.vk.keys_issued >= 3  # a new key after failed 2 and after failed 3
    assert not h.vk.lp_script  # every scripted failure was served


async def test_too_many_requests_waits_and_sends_once(vk_bot):
    h = vk_bot
    h.vk.errors["messages.send"] = [6]
    start = await say(h, "/start")
    assert "Здравствуйте" in start.text
    assert h.vk.calls.count("messages.send") == 2  # refused once, then sent
    assert len(h.vk.sent) == 1


async def test_messages_not_allowed_is_recorded(vk_bot):
    h = vk_bot
    h.vk.errors["messages.send"] = [901]
    await h.vk.message(USER, "/start")
    for _ in range(50):
        async with h.app.db.reader() as uow:
            marked = await uow.session.scalar(
                select(Identity.unreachable_at).where(Identity.external_id == str(USER))
            )
        if marked:
            break
        await asyncio.sleep(0.1)
    assert marked is not None
    # the bot goes on serving
    again = await say(h, "/help")
    assert "Команды" in again.text


async def test_retried_send_gives_no_second_message(vk_bot):
    from bot.handlers.vk.api import random_id

    assert random_id(1, "m5", "text", "{}") == random_id(1, "m5", "text", "{}")
    assert random_id(1, "m5", "text", "{}") != random_id(1, "m6", "text", "{}")
    h = vk_bot
    await say(h, "/help")
    before = len(h.vk.sent)
    await h.vk.message(USER, "/help")  # a new message: a new answer
    await h.vk.wait_sent(before + 1)
    last = h.vk.sent[-1]
    # the same request repeated (a retry after a lost response): VK drops it
    import vk_api

    from bot.handlers.vk.handler import make_vk

    vk = make_vk(h.vk.token, h.vk.base)
    await asyncio.to_thread(
        vk.method,
        "messages.send",
        {"peer_id": USER, "message": last.text, "random_id": last.random_id},
    )
    assert len(h.vk.sent) == before + 1
    assert isinstance(vk, vk_api.VkApi)


async def test_no_applications_for_strangers(vk_bot):
    h = vk_bot
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    child = await add_child(h)
    remove = child.button("Удалить")
    other = 5002
    refused = await h.vk.ask(h.vk.press(other, remove))
    assert "устарела или не ваша" in refused.text
    async with h.app.db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Application)) == 0


async def test_a_failed_or_refused_press_answer_still_sends_the_screen(vk_bot):
    """sendMessageEventAnswer refused (an event VK no longer knows) or its connection
    lost: the action was saved, its screen must come all the same."""
    h = vk_bot
    start = await say(h, "Начать", payload={"command": "start"})
    h.vk.drops["messages.sendMessageEventAnswer"] = 1
    menu = await press(h, start, "Даю согласие")
    assert "Согласие сохранено" in menu.text
    h.vk.errors["messages.sendMessageEventAnswer"] = [100]
    children = await press(h, menu, "Дети")
    assert "Детей пока нет" in children.text
    h.vk.event_ttl_s = 0  # every press answered after its event_id expired
    answered = len(h.vk.answers)
    menu = await press(h, children, "Меню")
    assert len(h.vk.answers) == answered and menu.text
    assert h.vk.drops["messages.sendMessageEventAnswer"] == 0
    assert h.vk.errors["messages.sendMessageEventAnswer"] == []
