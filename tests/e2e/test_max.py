"""The real maxapi client against a stand-in MAX Bot API on 127.0.0.1 that enforces the
documented limits (rate, keyboard size, payload size, text length)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from core.staff import roles
from core.storage.models import Application, Identity
from tests.e2e.chats import first_of_one_group

USER = 7001
STAFF = 7003  # a МОЦ's confirmer


async def say(h, text, user=USER):
    return await h.max.ask(h.max.message(user, text))


async def press(h, sent, label, user=USER):
    return await h.max.ask(h.max.press(user, sent.button(label)["payload"]))


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


async def test_parent_journey_in_max(max_bot):
    h = max_bot
    start = await h.max.ask(h.max.start_bot(USER))
    assert "Здравствуйте" in start.text
    menu = await press(h, start, "Даю согласие")
    assert "Согласие сохранено" in menu.text
    assert menu.method == "answers"  # the press answered by replacing its message
    child = await add_child(h)
    assert "Иванова Мария" in child.text
    child = await press(h, child, "Получить сертификат")
    assert "как в паспорте" in child.text
    child = await say(h, "Иванова Анна Петровна")
    assert "Заявка на сертификат принята" in child.text
    child = await press(h, child, "Запросить финансирование")
    assert "Запрос записан" in child.text
    await h.app.db.run(
        roles.grant, f"max:{STAFF}", "confirmer", municipality_code="birobidzhan", region_wide=True
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
    # a program of one group: its card is the quote, and applies (issue 30)
    card = await press(h, results, await first_of_one_group(h, results))
    assert "Стоимость" in card.text
    assert "Запись: Мария" in card.text and "Сертификат оплатит" in card.text
    done = await press(h, card, "Подать заявку")
    assert "Заявка подана" in done.text
    apps = await say(h, "/apps")
    assert "подана" in apps.text
    balance = await say(h, "/balance")
    assert "Зарезервировано" in balance.text
    assert h.max.refused == []  # nothing over MAX's limits was ever sent
    assert h.max.polls_refused == 0  # nor polled faster than two a second


async def test_bad_input_gets_a_message_and_the_dialog_goes_on(max_bot):
    h = max_bot
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    step = await say(h, "/children")
    step = await press(h, step, "Добавить")
    step = await say(h, "Иванова")
    step = await say(h, "Мария")
    step = await press(h, step, "Пропустить")
    wrong = await say(h, "31.02.2016")
    assert "дат" in wrong.text.lower()
    long = await say(h, "я" * 10_000)
    assert "длинн" in long.text.lower()
    emoji = await say(h, "👨‍👩‍👧🎨")
    assert emoji.text
    again = await say(h, "05.03.2016")
    assert "СНИЛС" in again.text
    assert h.max.refused == []


async def test_forged_payload_and_strangers_button(max_bot):
    h = max_bot
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    child = await add_child(h)
    forged = await h.max.ask(h.max.press(USER, "child-remove-yes:1.forged"))
    assert "устарела" in forged.text
    remove = child.button("Удалить")["payload"]
    other = 7002
    refused = await h.max.ask(h.max.press(other, remove))
    assert "устарела или не ваша" in refused.text
    assert "Мария" not in refused.text  # the second parent never sees the first's child
    async with h.app.db.reader() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Application)) == 0


async def test_a_repeated_update_is_handled_once(max_bot):
    h = max_bot
    await h.max.message(USER, "/help", twice=True)
    await h.max.wait_sent(1)
    await asyncio.sleep(0.5)
    assert sum("Команды" in s.text for s in h.max.sent) == 1


async def test_a_blocked_chat_is_recorded_as_unreachable(max_bot):
    h = max_bot
    await say(h, "/help")
    h.max.blocked.add(USER)
    await h.max.message(USER, "/menu")
    for _ in range(50):
        async with h.app.db.reader() as uow:
            marked = await uow.session.scalar(
                select(Identity.unreachable_at).where(
                    Identity.platform == "max", Identity.external_id == str(USER)
                )
            )
        if marked:
            break
        await asyncio.sleep(0.1)
    assert marked is not None
    h.max.blocked.clear()
    again = await say(h, "/help")
    assert "Команды" in again.text


# the stand-in listens on plain HTTP on 127.0.0.1; the library rightly warns about that
@pytest.mark.filterwarnings("ignore:URL вебхука не использует HTTPS:UserWarning")
async def test_webhook_mode_with_its_secret(sqlite_template, tmp_path):
    import aiohttp

    from bench._replicas import free_port
    from tests.e2e.conftest import running_bot

    port = free_port()
    secret = "max-webhook-secret-0123"
    extra = {
        "max_webhook_url": f"http://127.0.0.1:{port}",
        "max_webhook_secret": secret,
        "max_webhook_host": "127.0.0.1",
        "max_webhook_port": port,
    }
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=False,
        with_vk=False,
        with_max=True,
        extra_settings=extra,
    ) as h:
        for _ in range(100):  # the bot subscribes once its server listens
            if h.max.subscriptions:
                break
            await asyncio.sleep(0.05)
        sub = h.max.subscriptions[0]
        assert sub["url"] == f"http://127.0.0.1:{port}/max/webhook"
        assert sub["secret"] == secret
        start = await say(h, "/start")  # delivered by POST to the webhook
        assert "Здравствуйте" in start.text
        menu = await press(h, start, "Даю согласие")
        assert "Согласие сохранено" in menu.text
        update = {"update_type": "message_created", "timestamp": 1, "message": {}}
        async with aiohttp.ClientSession() as http:
            for wrong in ("", "not-the-secret"):
                async with http.post(
                    sub["url"], json=update, headers={"X-Max-Bot-Api-Secret": wrong}
                ) as resp:
                    assert resp.status == 401
        assert h.max.updates == []  # nothing went through long polling


async def test_an_expired_press_still_gets_its_screen_and_marks_nobody(sqlite_template, tmp_path):
    """MAX refuses an answer to a press it no longer knows with 404 not.found: the screen
    goes as a new message, and the person, who did nothing wrong, stays reachable (before:
    marked unreachable, and the screen never sent)."""
    from tests.e2e.conftest import running_bot

    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=False,
        with_vk=False,
        with_max=True,
        max_options={"callback_ttl_s": 0},
    ) as h:
        start = await say(h, "/start")
        menu = await press(h, start, "Даю согласие")
        assert "Согласие сохранено" in menu.text
        assert menu.method == "messages"  # sent anew, not in place of the old one
        assert "not.found" in h.max.refused
        async with h.app.db.reader() as uow:
            marked = await uow.session.scalar(
                select(Identity.unreachable_at).where(
                    Identity.platform == "max", Identity.external_id == str(USER)
                )
            )
        assert marked is None
        children = await press(h, menu, "Дети")
        assert "Детей пока нет" in children.text
