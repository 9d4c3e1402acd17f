"""The search of issue 29 through the real clients: a parent's walk from /start to a
submitted application counted (11 messages typed and buttons pressed: the card of a
program of one group applies at once, issue 30; 12 before), and a walk that uses each
search filter, in Telegram, VK and MAX."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.e2e import test_max, test_telegram, test_vk
from tests.e2e.chats import first_of_one_group

ACTIONS = 11  # from /start to a submitted application
MORE = "Ещё"  # VK pages a long keyboard


def labels(sent: Any) -> list[str]:
    return [b.get("text") or b.get("action", {}).get("label", "") for b in sent.buttons]


@dataclass
class Chat:
    """One person in one messenger: what they type and press, counted."""

    send: Callable[[str], Awaitable[Any]]
    click: Callable[[Any, dict[str, Any]], Awaitable[Any]]
    actions: int = 0
    seen: list[Any] = field(default_factory=list)

    async def say(self, text: str) -> Any:
        self.actions += 1
        sent = await self.send(text)
        self.seen.append(sent)
        return sent

    async def press(self, sent: Any, label: str, *, exact: bool = False) -> Any:
        """The first button whose label holds ``label`` (is it, with ``exact``); on a VK
        keyboard split into pages, the pages are turned to find it (not counted)."""
        for _ in range(8):
            for b in sent.buttons:
                text = b.get("text") or b.get("action", {}).get("label", "")
                if (text == label) if exact else (label in text):
                    self.actions += 1
                    answer = await self.click(sent, b)
                    self.seen.append(answer)
                    return answer
            pages = [b for b in sent.buttons if MORE in labels_of(b)]
            if not pages:
                break
            sent = await self.click(sent, pages[0])
        raise AssertionError(f"no button {label!r} in {labels(sent)}")

    async def labels(self, sent: Any) -> list[str]:
        """Every label of the screen, on every page of a VK keyboard (turned, not counted)."""
        found = labels(sent)
        for _ in range(8):
            pages = [b for b in sent.buttons if MORE in labels_of(b)]
            if not pages:
                break
            sent = await self.click(sent, pages[0])
            found += labels(sent)
        return found


def labels_of(b: dict[str, Any]) -> str:
    return str(b.get("text") or b.get("action", {}).get("label", ""))


def telegram(h: Any, user: int) -> Chat:
    return Chat(
        lambda text: h.tg.ask(h.tg.message(user, text)),
        lambda sent, b: h.tg.ask(h.tg.press(user, b["callback_data"], sent.message_id)),
    )


def vk(h: Any, user: int) -> Chat:
    return Chat(
        lambda text: h.vk.ask(h.vk.message(user, text)),
        lambda sent, b: h.vk.ask(h.vk.press(user, b)),
    )


def max_(h: Any, user: int) -> Chat:
    return Chat(
        lambda text: h.max.ask(h.max.message(user, text)),
        lambda sent, b: h.max.ask(h.max.press(user, b["payload"])),
    )


def applicable(results: Any) -> str:
    """The number of the first line that may be applied to with a free seat."""
    for line in results.text.split("\n"):
        found = re.match(r"(\d+)\. ", line)
        if found and "⛔" not in line and "Свободных мест нет" not in line:
            return found[1]
    raise AssertionError(results.text)


async def test_a_parent_applies_in_eleven_actions(telegram_bot):
    h = telegram_bot
    me = telegram(h, test_telegram.PARENT)
    start = await me.say("/start")
    menu = await me.press(start, "Даю согласие")
    form = await me.press(menu, "Добавить ребёнка")
    # the whole name, the birth date and the СНИЛС in one message
    step = await me.say("Иванова Мария 05.03.2016 112-233-445 95")
    step = await me.press(step, "г. Биробиджан")
    assert "Фамилия: Иванова\nИмя: Мария" in step.text
    step = await me.press(step, "Сохранить и получить сертификат")
    assert "паспорт" in step.text  # the parent's name, for the passport check at the МОЦ
    child = await me.say(test_telegram.APPLICANT)
    assert "Заявка на сертификат принята" in child.text
    child = await me.press(child, "Запросить финансирование")
    assert "Запрос записан" in child.text
    await test_telegram.confirm_data(h)  # the МОЦ's confirmer: not the parent's action
    results = await me.say("/search")  # one child: no question, the results at once
    assert "Найдено" in results.text and "г. Биробиджан" in results.text
    # a program of one group: its card is the quote and applies (issue 30)
    card = await me.press(results, await first_of_one_group(h, results), exact=True)
    assert "Запись: Мария" in card.text
    done = await me.press(card, "Подать заявку")
    assert "Заявка подана" in done.text
    assert me.actions == ACTIONS, me.actions
    assert form is not None
    # by the child's certificate: the funded one pays for certified programs
    results = await me.say("/search")
    mine = await me.press(results, "По сертификату")
    assert "Найдено" in mine.text and "✅ 💳 По сертификату" in labels(mine)


async def walk_each_filter(me: Chat) -> None:
    """A family with no child: the results at once, every district; each filter pressed
    and dropped again, nearest first by a typed address, a word, nothing found widened,
    the next page."""
    start = await me.say("/start")
    await me.press(start, "Даю согласие")
    results = await me.say("/search")
    assert "Найдено" in results.text, results.text
    step = await me.press(results, "Направленность")
    step = await me.press(step, "Техническая")
    assert "Найдено" in step.text and "✅ Техническая" in await me.labels(step)
    step = await me.press(step, "✅ Техническая")
    step = await me.press(step, "Любая")
    step = await me.press(step, "Все районы")
    step = await me.press(step, "г. Биробиджан")
    assert "✅ 🏘 г. Биробиджан" in await me.labels(step)
    step = await me.press(step, "Возраст")
    step = await me.press(step, "10", exact=True)
    assert "✅ 👶 10 лет" in await me.labels(step)
    for toggle in ("Бесплатные", "Платные", "💻 Онлайн", "Для детей с ОВЗ", "Есть места"):
        step = await me.press(step, toggle)
        assert "Найдено" in step.text, (toggle, step.text)
        assert f"✅ {toggle}" in await me.labels(step)
        step = await me.press(step, f"✅ {toggle}")
    # nearest first: a street that is not there is said so, one that is sorts by it
    near = await me.press(step, "Ближе ко мне")
    missing = await me.say("Несуществующая 5")
    assert "Не нашли улицу" in missing.text and "ул." in missing.text, missing.text
    step = await me.say("Калинина 10")
    assert "Сначала ближайшие к улице: ул. Калинина" in step.text, step.text
    assert "км от вас" in step.text
    assert near is not None
    # a word within the filters, then a word that finds nothing: widened with counts
    step = await me.say("квазиробототехника")
    assert "Ничего не нашлось" in step.text, step.text
    assert any(re.search(r"Без слова .* — \d+", x) for x in await me.labels(step))
    step = await me.press(step, "Без слова")
    assert "Найдено" in step.text
    step = await me.press(step, "Дальше")
    assert "Страница 2" in step.text


async def walk_by_certificate(me: Chat, h: Any, platform: str, user: int) -> None:
    """A family whose child has a funded certificate: «По сертификату» keeps the programs
    that certificate pays for (the family registered through the core, as the walk above
    covers the rest)."""
    from sqlalchemy import select

    from core.storage.models import Municipality
    from tests.support.world import parent_with_child

    async with h.app.db.reader() as uow:
        town = await uow.session.scalar(
            select(Municipality.id).where(Municipality.code == "birobidzhan")
        )
    assert town is not None
    await parent_with_child(h.app.db, str(user), platform=platform, muni_id=town)
    results = await me.say("/search")  # one child: the results at once
    assert "Найдено" in results.text, results.text
    mine = await me.press(results, "По сертификату")
    assert "Найдено" in mine.text, mine.text
    assert "✅ 💳 По сертификату" in await me.labels(mine)


async def test_each_filter_in_telegram(telegram_bot):
    me = telegram(telegram_bot, test_telegram.PARENT)
    await walk_each_filter(me)


async def test_each_filter_in_vk(vk_bot):
    me = vk(vk_bot, test_vk.USER)
    await walk_each_filter(me)
    other = vk(vk_bot, test_vk.USER + 1)
    await walk_by_certificate(other, vk_bot, "vk", test_vk.USER + 1)
    me.seen += other.seen
    for sent in me.seen:
        test_vk.check_limits(sent)


async def test_each_filter_in_max(max_bot):
    me = max_(max_bot, test_max.USER)
    await walk_each_filter(me)
    other = max_(max_bot, test_max.USER + 1)
    await walk_by_certificate(other, max_bot, "max", test_max.USER + 1)
    assert max_bot.max.refused == []  # nothing over MAX's limits was ever sent
