"""/stats end to end: a coordinator in Telegram, VK and MAX gets the summary, the two
charts as pictures and the tables as an XLSX, each through the platform's real upload
method and client (aiogram, vk_api, maxapi), the stand-ins checking the uploads; a parent
sending /stats is told who it is for and gets no file; the terminal saves the files and
prints their paths."""

from __future__ import annotations

import asyncio
import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.handlers.console import handler as console
from core.staff import roles
from core.storage.models import AuditRecord
from tests.e2e.chats import Chat
from tests.e2e.conftest import running_bot

FIXTURES = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}
COORDINATOR = 7300
PARENT = 7301
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["tg", "vk", "max"])
def chat(request: pytest.FixtureRequest) -> Chat:
    return Chat(request.getfixturevalue(FIXTURES[request.param]), request.param)


async def _messages(chat: Chat, user: int, before: int, count: int, within: float = 40) -> list:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = [s for s in chat.sent_to(user) if s in chat.server.sent[before:]]
        if len(got) >= count:
            await asyncio.sleep(0.3)  # nothing more should follow
            return [s for s in chat.sent_to(user) if s in chat.server.sent[before:]]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(got)} messages came, wanted {count}")


async def test_a_coordinator_gets_the_summary_two_charts_and_the_tables(chat):
    h = chat.h
    async with h.app.db.uow() as uow:
        staff = await roles.grant(
            uow, f"{chat.platform}:{COORDINATOR}", "coordinator", municipality_code="birobidzhan"
        )
        await uow.commit()
    before = len(chat.server.sent)
    await chat.server.message(COORDINATOR, "/stats")
    sent = await _messages(chat, COORDINATOR, before, 4)
    assert len(sent) == 4, [s.text[:40] for s in sent]
    assert sent[0].text.startswith("Отчёт: г. Биробиджан")
    assert "Детей 5–17 лет" in sent[0].text or "Число детей 5–17 лет" in sent[0].text
    files = chat.uploads(sent)
    assert [kind for kind, _, _ in files] == ["picture", "picture", "document"]
    assert all(data.startswith(PNG) for _, _, data in files[:2])
    assert files[2][1].endswith(".xlsx")
    if chat.platform != "vk":  # vk_api names every upload file0.<ext>; the title is docs.save's
        assert files[2][1].startswith("stats-birobidzhan-")
    book = load_workbook(io.BytesIO(files[2][2]), read_only=True)
    assert len(book.sheetnames) == 5
    if chat.platform == "tg":
        assert [s.method for s in sent] == [
            "sendMessage",
            "sendPhoto",
            "sendPhoto",
            "sendDocument",
        ]
        assert files[0][1].endswith("-coverage.png") and files[1][1].endswith("-money.png")
    elif chat.platform == "vk":
        assert [c for c in h.vk.calls if c.startswith(("photos.", "docs."))] == [
            "photos.getMessagesUploadServer",
            "photos.saveMessagesPhoto",
            "photos.getMessagesUploadServer",
            "photos.saveMessagesPhoto",
            "docs.getMessagesUploadServer",
            "docs.save",
        ]
        assert h.vk.upload_refusals == []
    else:
        assert h.max.upload_refusals == []
    assert "Охват детей 5–17 лет" in sent[1].text and "XLSX" in sent[3].text
    async with h.app.db.reader() as uow:
        trail = list(
            await uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "report"))
        )
    assert [(r.actor, r.outcome) for r in trail] == [(f"staff:{staff}", "ok")]


async def test_a_parent_sending_stats_is_refused(chat):
    before = len(chat.server.sent)
    await chat.server.message(PARENT, "/stats")
    sent = await _messages(chat, PARENT, before, 1)
    assert "координаторам, сотрудникам МОЦ и операторам" in sent[0].text
    assert chat.uploads(sent) == []


async def test_the_terminal_saves_the_files_and_prints_their_paths(sqlite_template, tmp_path):
    folder = tmp_path / "files"
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=False,
        with_vk=False,
        extra_settings={"console_files_dir": folder},
    ) as h:
        # as `python -m bot console` makes the demo's person (bot/runners.py)
        await h.app.demo.make_confirmer("console", console.USER)
        out = io.StringIO()
        await console.run(h.app, stdin=io.StringIO("/stats\n"), stdout=out)
    printed = out.getvalue()
    paths = [Path(p) for p in re.findall(r"сохранён: (\S+)", printed)]
    assert [p.suffix for p in paths] == [".png", ".png", ".xlsx"], printed[-2000:]
    assert all(p.parent == folder.resolve() for p in paths)
    assert all(p.read_bytes().startswith(PNG) for p in paths[:2])
    assert len(load_workbook(paths[2], read_only=True).sheetnames) == 5
    assert "Отчёт: регион" in printed  # the demo's person: a region-wide confirmer
