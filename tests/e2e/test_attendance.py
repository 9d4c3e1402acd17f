"""Attendance (issue 27) through the real client libraries: the whole path in Telegram —
apply, the provider accepts, the family accepts the offer, enrolment from a first day, the
register kept over a month, the month closed by the worker itself, the family's debit
notice with its basis, the provider's month and its file, the operator's `payments` — in a
municipality that debits by attendance; and the attendance screen in VK, MAX and Telegram
within each platform's limits (many children with long names, paged)."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.__main__ import cli
from bot.notify.build import build_worker, close_worker
from core.enrolment import decisions, enrolment
from core.family.children import list_children
from core.rules import schedule
from core.rules.calendar import month_bounds, month_label, month_of
from core.staff import roles
from core.storage.models import Absence, Application, Group, MonthClose, Municipality
from tests.e2e.chats import Chat, family, paid_program, school_clock
from tests.support.world import accept_contract

FIXTURES = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}
PARENT, STAFF, OPERATOR = 8301, 8302, 8303
LONG = "Константинопольская-Преображенская"
CHILDREN = 15


async def _attendance_rule(h: Any) -> None:
    async with h.app.db.uow() as uow:
        await uow.session.execute(
            update(Municipality)
            .where(Municipality.code == "birobidzhan")
            .values(debit_rule="attendance")
        )
        await uow.commit()


async def test_the_whole_path_by_attendance_through_telegram(telegram_bot, monkeypatch, tmp_path):
    chat = Chat(telegram_bot, "tg")
    h = chat.h
    clock = school_clock(h, day=2, month=11)
    november = month_of(h.app.db.today())
    year = h.app.db.today().year
    await _attendance_rule(h)
    await family(h, "tg", PARENT)
    program, name, group, provider = await paid_program(h)
    await h.app.db.run(roles.grant, f"tg:{STAFF}", "provider", provider_external_id=provider)
    await h.app.db.run(roles.grant, f"tg:{OPERATOR}", "operator")

    # the family applies; the provider accepts; the family accepts the offer
    card = await chat.say(PARENT, f"/start prog_{program}")
    quote = await chat.press(PARENT, card, group)
    done = await chat.press(PARENT, quote, "Подать заявку")
    assert "Заявка подана" in done.text
    queue = await chat.say(STAFF, "/queue")
    app_card = await chat.press(STAFF, queue, "Мария")
    queue = await chat.press(STAFF, app_card, "Принять")
    assert "Заявка принята" in queue.text
    accepted = await chat.notice(PARENT, "заявка принята")
    offer = await chat.press(PARENT, accepted, "Договор")
    concluded = await chat.press(PARENT, offer, "Принимаю договор")
    assert "Договор заключён" in concluded.text
    # enrolled from the first day offered: the group's next class day
    app_card = await chat.press(STAFF, queue, "Мария")
    ask_first = await chat.press(STAFF, app_card, "Зачислить")
    queue = await chat.press(STAFF, ask_first, f".{year}")
    assert "Ребёнок зачислен, первый день занятий" in queue.text

    # the month's classes: the register kept on the 27th, two classes missed
    clock.advance(days=25)
    assert h.app.db.today().month == 11
    groups = await chat.say(STAFF, "/attendance")
    assert "Табель посещаемости" in groups.text
    sheet = await chat.press(STAFF, groups, group[:20])
    assert "По умолчанию все присутствуют" in sheet.text
    assert "все присутствовали" in sheet.text
    sheet = await chat.press(STAFF, sheet, "✅ Иванова Мария")
    assert "отсутствующих: 1" in sheet.text
    assert sheet.button("❌ Иванова Мария")
    sheet = await chat.press(STAFF, sheet, "◀")
    sheet = await chat.press(STAFF, sheet, "✅ Иванова Мария")
    assert "отсутствующих: 1" in sheet.text
    # what the rule makes of it, worked out here from the schedule
    async with h.app.db.reader() as uow:
        start, mask = (
            await uow.session.execute(
                select(Application.start_day, Group.class_days).join(
                    Group, Group.id == Application.group_id
                )
            )
        ).one()
        absent = frozenset(
            date.fromordinal(d) for d in await uow.session.scalars(select(Absence.day))
        )
    assert len(absent) == 2
    first, last = month_bounds(november)
    counted, of = schedule.basis(
        first, last, mask, date.fromordinal(start), None, absent, schedule.ATTENDANCE
    )
    assert 0 < counted < of

    # 1 December, 09:00 in the region: the worker closes November by itself
    clock.advance(days=4)
    worker = build_worker(h.app)
    worker.auto_close = True
    worker.idle_s = 0.05
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with h.app.db.reader() as uow:
                if await uow.session.get(MonthClose, november) is not None:
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the worker did not close the month")
    finally:
        stop.set()
        await running
        await close_worker(worker)
    told = await chat.notice(OPERATOR, "")
    assert told is not None

    # the family's notice says what the amount was based on
    debit = await chat.notice(PARENT, "Списания за")
    assert name in debit.text
    assert f"за {counted} " in debit.text and f"из {of} — по посещаемости" in debit.text
    # the statement: November's classes, attended and missed
    balance = await chat.say(PARENT, "/balance")
    statement = await chat.press(PARENT, balance, "Выписка")
    assert "Посещаемость:" in statement.text
    assert ", пропущено 2: " in statement.text
    for day in sorted(absent):
        assert f"{day:%d.%m}" in statement.text

    # the provider's month: the notice, its screen and the bookkeeper's file
    owed = await chat.notice(STAFF, "🧾")
    month_screen = await chat.press(STAFF, owed, "🧾")
    assert f"{counted} из {of}" in month_screen.text
    before = len(chat.server.sent)
    await chat.press(STAFF, month_screen, "Файл для бухгалтерии")
    for _ in range(600):
        if chat.uploads(chat.server.sent[before:]):
            break
        await asyncio.sleep(0.05)
    ((kind, file_name, data),) = chat.uploads(chat.server.sent[before:])
    assert kind == "document" and file_name == f"payments-{month_label(november)}.xlsx"
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert any("Иванова Мария" in str(r) for r in rows)

    # the operator's payment register of the month
    monkeypatch.setenv("DATABASE_URL", h.app.db.url)
    monkeypatch.setenv("BOT_SECRET", "b" * 64)
    monkeypatch.setenv("REGISTER_SECRET", "r" * 64)
    monkeypatch.chdir(tmp_path)
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["payments", month_label(november)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.output)))
    assert any("Иванова Мария" in ",".join(r) for r in table), result.output
    async with h.app.db.reader() as uow:
        debited = await uow.session.scalar(
            select(MonthClose.debited).where(MonthClose.month == november)
        )
    assert debited > 0


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _within(platform: str, text: str) -> bool:
    if platform == "max":
        return _units(text) <= 4000 and len(text) < 4000
    return _units(text) <= 4096


@pytest.fixture(params=["vk", "max", "tg"])
def chat(request: pytest.FixtureRequest) -> Chat:
    return Chat(request.getfixturevalue(FIXTURES[request.param]), request.param)


async def test_the_attendance_screen_within_the_platforms_limits(chat):
    h = chat.h
    school_clock(h, day=5, month=10)
    await _attendance_rule(h)
    program, _, group_name, provider = await paid_program(h)
    async with h.app.db.uow() as uow:
        staff = await roles.grant(
            uow, f"{chat.platform}:{STAFF}", "provider", provider_external_id=provider
        )
        group = await uow.session.scalar(
            select(Group.id).where(Group.program_id == program, Group.name == group_name)
        )
        await uow.session.execute(update(Group).where(Group.id == group).values(seats=100))
        await uow.commit()
    apps = []
    for n in range(CHILDREN):
        parent = await family(
            h, chat.platform, 8500 + n, surname=f"{LONG}-{'абвгдежзиклмнопр'[n]}"
        )
        async with h.app.db.reader() as uow:
            child = (await list_children(uow, parent))[0].id
        app = await h.app.db.run(enrolment.apply, parent, child, group)
        assert (await h.app.db.run(accept_contract, staff, app)).done
        await h.app.db.run(decisions.provider_enrol, staff, app, None)
        apps.append(app)
    h.app.db.clock.advance(days=14)
    groups = await chat.say(STAFF, "/attendance")
    assert _within(chat.platform, groups.text)
    sheet = await chat.press(STAFF, groups, group_name[:20])
    pages = [sheet]
    # the screen's pages (Дальше), and VK's own pages of a keyboard over its 6 rows (Ещё)
    while len(pages) < 20:
        more = [m for m in ("Дальше", "Ещё") if any(m in _label(b) for b in pages[-1].buttons)]
        if not more:
            break
        pages.append(await chat.press(STAFF, pages[-1], more[0]))
    assert len(pages) >= 2  # the children did not fit one page: paged, not cut
    shown = ""
    for page in pages:
        assert _within(chat.platform, page.text)
        assert "Табель" in page.text
        shown += " ".join(_label(b) for b in page.buttons)
    # every child is on some page, by the start of the name the platform's label shows
    assert shown.count("✅") >= CHILDREN
    # a press marks the child absent, on the platform's own callback
    marked = await chat.press(STAFF, pages[-1], "✅")
    assert "отсутствующих: 1" in marked.text
    async with h.app.db.reader() as uow:
        assert len(list(await uow.session.scalars(select(Absence.id)))) == 1


def _label(button: dict[str, Any]) -> str:
    return str(button.get("text") or button.get("action", {}).get("label", ""))
