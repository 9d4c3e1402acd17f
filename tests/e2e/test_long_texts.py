"""A screen and a notice longer than one message, in Telegram, VK and MAX through each real
client library: delivered whole, in order, each part within what the platform (and its
library) accepts in the platform's own unit, the buttons on the last part only."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import pytest
from sqlalchemy import select

from core.enrolment import decisions, enrolment
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import (
    Broadcast,
    Child,
    Contract,
    Group,
    Identity,
    Municipality,
    Program,
)
from tests.e2e.chats import Chat, family, paid_program, school_clock

PLATFORMS = ["tg", "vk", "max"]
FIXTURES = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}
PARENT = 8201


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _within(platform: str, text: str) -> bool:
    if platform == "max":  # MAX counts 4,000; maxapi refuses len(text) >= 4,000
        return _units(text) <= 4000 and len(text) < 4000
    return _units(text) <= 4096  # Telegram in UTF-16 code units; VK kept to the same


def _paragraphs(what: str, count: int) -> list[str]:
    """Paragraphs of Cyrillic with emoji outside the BMP (2 UTF-16 units each)."""
    body = (
        "Дети 🎨 рисуют акварелью и гуашью, лепят 🏺 из глины, собирают коллажи, "
        "а в конце года показывают работы на выставке 🖼 для родителей. "
    )
    return [f"{what} {i + 1}: " + body * 6 + "Конец абзаца." for i in range(count)]


@pytest.fixture(params=PLATFORMS)
def chat(request: pytest.FixtureRequest) -> Chat:
    platform = request.param
    return Chat(request.getfixturevalue(FIXTURES[platform]), platform)


async def _answer(chat: Chat, user: int, before: int, within: float = 15) -> list[Any]:
    """What the bot sent ``user`` since ``before``, once a message with buttons came (a
    long answer's last part) and nothing more followed for a moment."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = [s for s in chat.server.sent[before:] if _to(chat, s) == user]
        if got and got[-1].buttons:
            await asyncio.sleep(0.3)  # nothing may follow the part with the keyboard
            return [s for s in chat.server.sent[before:] if _to(chat, s) == user]
        await asyncio.sleep(0.05)
    raise AssertionError("no part with buttons came")


def _to(chat: Chat, sent: Any) -> int:
    return getattr(sent, {"tg": "chat_id", "vk": "peer_id", "max": "user_id"}[chat.platform])


def _check_parts(chat: Chat, parts: list[Any], paragraphs: list[str]) -> None:
    assert len(parts) >= 2, [len(p.text) for p in parts]
    for part in parts:
        assert _within(chat.platform, part.text), (_units(part.text), len(part.text))
    # the buttons on the last part only
    assert parts[-1].buttons
    assert all(not p.buttons for p in parts[:-1])
    # whole and in order: every paragraph in one part, none cut, in the order written
    found = []
    for paragraph in paragraphs:
        holders = [i for i, p in enumerate(parts) if paragraph in p.text]
        assert len(holders) == 1, paragraph[:20]
        found.append((holders[0], parts[holders[0]].text.index(paragraph)))
    assert found == sorted(found)


async def test_a_long_notice_and_a_long_screen_arrive_whole(chat):
    h = chat.h
    await family(h, chat.platform, PARENT)
    program, name, _, _ = await paid_program(h)
    await chat.deliver()  # the certificate's notices of the family's set-up
    # a provider's long description (5,000 characters), as the catalogue import stores it
    description = _paragraphs("Описание", 6)
    notice_text = _paragraphs("Объявление", 14)
    async with h.app.db.uow() as uow:
        # an announcement's author is a coordinator (the worker drops one whose author
        # holds no role any more)
        author = await roles.grant(
            uow,
            f"{chat.platform}:8888",
            "coordinator",
            municipality_code="birobidzhan",
            region_wide=True,
        )
        p = await uow.session.get(Program, program)
        assert p is not None
        p.description = "\n\n".join(description)
        # an announcement of every length must go whole too (one longer than composing
        # allows stands in for any long notice: the worker renders it as it is)
        uow.session.add(
            Broadcast(
                author_id=author,
                municipality_id=None,
                text="\n\n".join(notice_text),
                program_id=program,
                status="scheduled",
                scheduled_at=uow.now,
                created_at=uow.now,
            )
        )
        await uow.commit()

    # the notice: several messages, the program's button on the last
    before = len(chat.server.sent)
    await chat.deliver()
    notice = await _answer(chat, PARENT, before)
    _check_parts(chat, notice, notice_text)
    assert notice[0].text.startswith("📣")
    async with h.app.db.reader() as uow:
        assert await uow.session.scalar(select(Identity.unreachable_at)) is None

    # the card it opens: the pressed message becomes the first part where the platform
    # edits (Telegram edits it, MAX answers the press with it), the rest follow it
    before = len(chat.server.sent)
    await chat.press(PARENT, notice[-1], "Открыть программу")
    card = await _answer(chat, PARENT, before)
    _check_parts(chat, card, description)
    assert name in card[0].text
    if chat.platform == "tg":
        assert card[0].method == "editMessageText"
        assert card[0].message_id == notice[-1].message_id
        assert all(c.method == "sendMessage" for c in card[1:])
    if chat.platform == "max":
        assert card[0].method == "answers" and not card[0].attachments
        assert all(c.method == "messages" for c in card[1:])

    # the same card asked for by a link: sent anew, whole
    before = len(chat.server.sent)
    await chat.server.message(PARENT, f"/start prog_{program}")
    again = await _answer(chat, PARENT, before)
    _check_parts(chat, again, description)
    if chat.platform == "tg":
        assert all(c.method == "sendMessage" for c in again)


async def test_a_long_contract_arrives_whole_and_is_accepted_as_shown(chat):
    """The municipality's contract text (7,000 characters): the offer's screen in several
    messages within the platform's limits, the accept button on the last; the text kept
    is the whole text shown."""
    h = chat.h
    school_clock(h)
    parent = await family(h, chat.platform, PARENT)
    program, _, group, provider = await paid_program(h)
    template = _paragraphs("Пункт договора", 12)
    async with h.app.db.uow() as uow:
        p = await uow.session.get(Program, program)
        assert p is not None
        muni = await uow.session.get(Municipality, p.municipality_id)
        assert muni is not None
        muni.contract_template = "\n\n".join(template)
        child = await uow.session.scalar(select(Child.id).where(Child.parent_id == parent))
        group_id = await uow.session.scalar(
            select(Group.id).where(Group.program_id == program, Group.name == group)
        )
        await uow.commit()
    app = await h.app.db.run(enrolment.apply, parent, child, group_id)
    staff = await h.app.db.run(
        roles.grant, f"{chat.platform}:8301", "provider", provider_external_id=provider
    )
    assert (await h.app.db.run(decisions.provider_decide, staff, app, AppStatus.ACCEPTED)).done
    offered = await chat.notice(PARENT, "предлагает договор-оферту")

    before = len(chat.server.sent)
    await chat.press(PARENT, offered, "Договор")
    parts = await _answer(chat, PARENT, before)
    _check_parts(chat, parts, template)
    assert "ДОГОВОР-ОФЕРТА" in parts[0].text
    before = len(chat.server.sent)
    await chat.press(PARENT, parts[-1], "Принимаю договор")
    done = await _answer(chat, PARENT, before)
    assert "Договор заключён" in done[0].text
    async with h.app.db.reader() as uow:
        kept = await uow.session.scalar(select(Contract).where(Contract.application_id == app))
    assert kept is not None and kept.status == "concluded" and kept.text is not None
    # every paragraph of the municipality's text, in order, in what was kept
    at = [kept.text.index(paragraph) for paragraph in template]
    assert at == sorted(at)
    assert kept.digest == hashlib.sha256(kept.text.encode()).hexdigest()


async def test_a_refused_edit_sends_every_part_anew(telegram_bot):
    """Telegram may refuse to edit the pressed message (too old, deleted): the long card
    then goes whole as new messages."""
    from tests.support.tg_server import ApiRefusal

    h = telegram_bot
    chat = Chat(h, "tg")
    await family(h, "tg", PARENT)
    program, _, _, _ = await paid_program(h)
    description = _paragraphs("Описание", 6)
    async with h.app.db.uow() as uow:
        p = await uow.session.get(Program, program)
        assert p is not None
        p.description = "\n\n".join(description)
        await uow.commit()
    before = len(h.tg.sent)
    await h.tg.message(PARENT, f"/start prog_{program}")
    card = await _answer(chat, PARENT, before)

    async def refuse(params: dict[str, Any]) -> Any:
        raise ApiRefusal(400, "Bad Request: message to edit not found")

    h.tg._m_editmessagetext = refuse
    group = next(b["text"] for b in card[-1].buttons if b["text"].startswith("✍"))
    before = len(h.tg.sent)
    await chat.press(PARENT, card[-1], group)  # the quote: short, sent anew
    quote = await _answer(chat, PARENT, before)
    assert [q.method for q in quote] == ["sendMessage"]
    before = len(h.tg.sent)
    await chat.press(PARENT, quote[-1], "Отмена")  # back to the card
    again = await _answer(chat, PARENT, before)
    _check_parts(chat, again, description)
    assert all(c.method == "sendMessage" for c in again)
