"""The provider's month in VK and MAX (and Telegram) through each real client library: after
a month closes, the organisation's staff member gets the notice, presses its button and
reads the month's payments — many children with long names, paged — each message and
keyboard within the platform's limits (the stand-ins refuse anything beyond them)."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from core.accounting import month_close
from core.enrolment import decisions, enrolment
from core.family.children import list_children
from core.rules.calendar import month_index
from core.staff import roles
from core.storage.models import Group
from tests.e2e.chats import Chat, family, paid_program, school_clock
from tests.support.world import accept_contract

FIXTURES = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}
STAFF = 7100
CHILDREN = 15  # two pages of the screen
LONG = "Константинопольская-Преображенская"


@pytest.fixture(params=["vk", "max", "tg"])
def chat(request: pytest.FixtureRequest) -> Chat:
    return Chat(request.getfixturevalue(FIXTURES[request.param]), request.param)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _within(platform: str, text: str) -> bool:
    if platform == "max":
        return _units(text) <= 4000 and len(text) < 4000
    return _units(text) <= 4096


def _to(chat: Chat, sent: Any) -> int:
    return getattr(sent, {"tg": "chat_id", "vk": "peer_id", "max": "user_id"}[chat.platform])


async def _answer(chat: Chat, user: int, before: int, within: float = 15) -> list[Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = [s for s in chat.server.sent[before:] if _to(chat, s) == user]
        if got and got[-1].buttons:
            await asyncio.sleep(0.3)
            return [s for s in chat.server.sent[before:] if _to(chat, s) == user]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer with buttons came")


async def test_the_providers_month_within_the_platforms_limits(chat):
    h = chat.h
    clock = school_clock(h, day=5, month=10)
    program, _, _, provider = await paid_program(h)
    async with h.app.db.uow() as uow:
        staff = await roles.grant(
            uow, f"{chat.platform}:{STAFF}", "provider", provider_external_id=provider
        )
        group = await uow.session.scalar(select(Group.id).where(Group.program_id == program))
        await uow.session.execute(update(Group).where(Group.id == group).values(seats=100))
        await uow.commit()
    for n in range(CHILDREN):
        parent = await family(
            h, chat.platform, 8400 + n, surname=f"{LONG}-{'абвгдежзиклмнопр'[n]}"
        )
        async with h.app.db.reader() as uow:
            child = (await list_children(uow, parent))[0].id
        app = await h.app.db.run(enrolment.apply, parent, child, group)
        # accepted and the contract concluded (enrolment needs it since issue 27's offer)
        decided = await h.app.db.run(accept_contract, staff, app)
        assert decided.done
        await h.app.db.run(decisions.provider_enrol, staff, app, None)
    year = clock().year
    local = datetime(year, 11, 1, 9, 0, tzinfo=ZoneInfo(h.app.settings.timezone))
    clock.set(local.astimezone(UTC).replace(tzinfo=None))
    await h.app.db.run(month_close.close_month, month_index(year, 10))

    notice = await chat.notice(STAFF, "🧾")
    assert _within(chat.platform, notice.text)
    before = len(chat.server.sent)
    await chat.press(STAFF, notice, "🧾")
    page = await _answer(chat, STAFF, before)
    pages = [page]
    while any("Дальше" in _label(b) for b in page[-1].buttons) and len(pages) < 10:
        before = len(chat.server.sent)
        await chat.press(STAFF, page[-1], "Дальше")
        page = await _answer(chat, STAFF, before)
        pages.append(page)
    assert len(pages) >= 2  # the children did not fit one page: paged, not cut
    for number, page in enumerate(pages, 1):
        assert len(page) == 1  # a page is one message on every platform
        assert _within(chat.platform, page[0].text)
        assert f"{number} из {len(pages)}" in page[0].text
    shown = "\n".join(p[0].text for p in pages)
    for letter in "абвгдежзиклмноп":  # as the child's data keep it (capitalised)
        assert shown.count(f"{LONG}-{letter.upper()} Мария") == 1, letter
    # the bookkeeper's file: the whole month as one XLSX document, uploaded by the
    # platform's own method, whichever page it is asked from
    before = len(chat.server.sent)
    await chat.press(STAFF, pages[-1][-1], "Файл для бухгалтерии")
    for _ in range(600):  # 30 s
        if chat.uploads(chat.server.sent[before:]):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    ((kind, name, data),) = chat.uploads(chat.server.sent[before:])
    assert kind == "document" and name.endswith(".xlsx")
    if chat.platform != "vk":
        assert name == f"payments-{year}-10.xlsx"
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert sum(LONG in str(r) for r in rows) == CHILDREN  # every page's children


def _label(button: dict[str, Any]) -> str:
    return str(button.get("text") or button.get("action", {}).get("label", ""))
