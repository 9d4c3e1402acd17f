"""A screen's picture and document reach each messenger through its real client and its
real upload methods (aiogram: sendPhoto/sendDocument multipart; vk_api: VkUpload and
messages.send attachment=; maxapi: POST /uploads, the upload, a token attachment), the
stand-ins checking what they receive; a file over a platform's limit is refused with a
message and never uploaded; the terminal saves the file and prints its path."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from bot.dialogs.engine import Reply
from bot.dialogs.screen import Attachment, Data, Screen, render
from bot.handlers.console import handler as console
from bot.handlers.console.sender import Terminal
from bot.i18n import translator
from tests.e2e.conftest import running_bot
from tests.support.uploads import MB, png

USER = 8001
CHART = png(1200, 800)  # a real picture: 1200×800 black pixels
TABLE = b"PK\x03\x04" + os.urandom(4096)  # a workbook's bytes, as far as a transport cares


def report_files() -> tuple[Attachment, ...]:
    return (
        Attachment("picture", "chart.png", CHART, caption=Data("Охват сертификатами")),
        Attachment("document", "report.xlsx", TABLE, caption=Data("Таблицы отчёта")),
    )


def serve(app, files: tuple[Attachment, ...]) -> None:
    """``/files`` answers a screen with these files, rendered as any screen is; every
    other event goes to the engine as usual (the flow that will send reports is not the
    subject here: the way a screen's files leave is)."""
    real, real_here = app.engine.handle, app.engine.handle_here

    def files_screen(event) -> Reply | None:  # type: ignore[no-untyped-def]
        if event.kind == "command" and event.text == "files":
            screen = Screen([Data("Отчёт за ноябрь")], files=files)
            return Reply(render(screen, "ru", app.engine.t, lambda a: a), edit=False)
        return None

    async def handle(event):  # type: ignore[no-untyped-def]
        return files_screen(event) or await real(event)

    async def handle_here(event, late):  # type: ignore[no-untyped-def]
        # Telegram's long polling: the step in the update's own task
        return files_screen(event) or await real_here(event, late)

    app.engine.handle = handle
    app.engine.handle_here = handle_here


# --- Telegram -------------------------------------------------------------------------


async def test_telegram_sends_a_picture_and_a_document(telegram_bot):
    h = telegram_bot
    serve(h.app, report_files())
    await h.tg.message(USER, "/files")
    text, photo, doc = (await h.tg.wait_sent(3))[:3]
    assert text.method == "sendMessage" and text.text == "Отчёт за ноябрь"
    assert photo.method == "sendPhoto" and photo.chat_id == USER
    assert photo.file is not None and photo.file.data == CHART
    assert (photo.file.width, photo.file.height) == (1200, 800)
    assert photo.text == "Охват сертификатами"
    assert doc.method == "sendDocument" and doc.file is not None
    assert doc.file.filename == "report.xlsx" and doc.file.data == TABLE
    assert doc.text == "Таблицы отчёта"


async def test_telegram_refuses_what_is_over_its_limits(telegram_bot):
    h = telegram_bot
    files = (
        Attachment("picture", "wide.png", png(2100, 100)),  # ratio 21 > 20
        Attachment("picture", "heavy.png", png(100, 100, pad=10 * MB)),  # > 10 MB
        Attachment("document", "huge.xlsx", b"\0" * (50 * MB + 1)),  # > 50 MB
        Attachment("picture", "fine.png", CHART, caption=Data("ы" * 1100)),  # caption apart
    )
    serve(h.app, files)
    await h.tg.message(USER, "/files")
    sent = await h.tg.wait_sent(6)
    texts = [s.text for s in sent[1:4]]
    assert "wide.png" in texts[0] and "2100×100" in texts[0] and "Telegram" in texts[0]
    assert "heavy.png" in texts[1] and "10 МБ" in texts[1]
    assert "huge.xlsx" in texts[2] and "50 МБ" in texts[2]
    assert sent[4].method == "sendMessage" and sent[4].text == "ы" * 1100
    assert sent[5].method == "sendPhoto" and sent[5].text == ""
    assert h.tg.calls.count("sendphoto") == 1 and "senddocument" not in h.tg.calls


# --- VK -------------------------------------------------------------------------------


async def test_vk_uploads_a_picture_and_a_document(vk_bot):
    h = vk_bot
    serve(h.app, report_files())
    await h.vk.message(USER, "/files")
    text, photo, doc = (await h.vk.wait_sent(3))[:3]
    assert text.text == "Отчёт за ноябрь" and not text.files
    assert photo.peer_id == USER and photo.text == "Охват сертификатами"
    assert [f.data for f in photo.files] == [CHART]
    assert (photo.files[0].width, photo.files[0].height) == (1200, 800)
    assert doc.text == "Таблицы отчёта" and [f.data for f in doc.files] == [TABLE]
    assert [c for c in h.vk.calls if c.startswith(("photos.", "docs."))] == [
        "photos.getMessagesUploadServer",
        "photos.saveMessagesPhoto",
        "docs.getMessagesUploadServer",
        "docs.save",
    ]
    assert h.vk.upload_refusals == []
    assert photo.random_id != doc.random_id


async def test_vk_refuses_what_is_over_its_limits(vk_bot):
    h = vk_bot
    files = (
        Attachment("picture", "tall.png", png(100, 2001)),  # 1:20.01
        Attachment("picture", "big.png", png(7001, 7000, pixels=False)),  # 14001 in total
        Attachment("document", "nothing.csv", b""),
    )
    serve(h.app, files)
    await h.vk.message(USER, "/files")
    sent = await h.vk.wait_sent(4)
    assert "tall.png" in sent[1].text and "100×2001" in sent[1].text and "VK" in sent[1].text
    assert "big.png" in sent[2].text
    assert "nothing.csv" in sent[3].text and "пустой" in sent[3].text
    assert not any(c.startswith(("photos.", "docs.")) for c in h.vk.calls)
    assert h.vk.uploads == []


async def test_vk_uploads_nothing_for_a_person_who_closed_messages(vk_bot):
    h = vk_bot
    serve(h.app, report_files())
    h.vk.errors["messages.send"] = [901]  # the screen's text is refused: can't send
    await h.vk.message(USER, "/files")
    for _ in range(100):
        if "messages.send" in h.vk.calls:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # what would have followed the text
    assert h.vk.calls.count("messages.send") == 1
    assert not any(c.startswith(("photos.", "docs.")) for c in h.vk.calls)


# --- MAX ------------------------------------------------------------------------------


async def test_max_uploads_a_picture_and_a_document(sqlite_template, tmp_path):
    # MAX answers attachment.not.ready while it processes an upload: maxapi asks again
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=False,
        with_vk=False,
        with_max=True,
        max_options={"not_ready": 1},
    ) as h:
        serve(h.app, report_files())
        await h.max.message(USER, "/files")
        text, image, doc = (await h.max.wait_sent(3, within=20))[:3]
    assert text.text == "Отчёт за ноябрь" and not text.files
    assert image.text == "Охват сертификатами"
    assert [a["type"] for a in image.attachments] == ["image"]
    assert [f.data for f in image.files] == [CHART] and image.files[0].field == "data"
    assert doc.text == "Таблицы отчёта" and [a["type"] for a in doc.attachments] == ["file"]
    assert [f.data for f in doc.files] == [TABLE] and doc.files[0].filename == "report.xlsx"
    assert h.max.not_ready_sent == 1 and h.max.upload_refusals == []


async def test_max_refuses_what_is_over_its_limits(max_bot):
    h = max_bot
    files = (
        Attachment("picture", "long.png", png(7681, 10, pixels=False)),
        Attachment("picture", "notes.txt", b"not a picture"),
        Attachment("document", "fine.csv", b"a;b\n1;2\n"),
    )
    serve(h.app, files)
    await h.max.message(USER, "/files")
    sent = await h.max.wait_sent(4)
    assert "long.png" in sent[1].text and "7681×10" in sent[1].text
    assert "notes.txt" in sent[2].text and "PNG" in sent[2].text
    assert [f.filename for f in sent[3].files] == ["fine.csv"]
    assert len(h.max.uploads) == 1


async def test_max_uploads_nothing_for_a_person_who_blocked_the_bot(max_bot):
    h = max_bot
    serve(h.app, report_files())
    h.max.blocked.add(USER)  # messages to them: 403 chat.denied
    await h.max.message(USER, "/files")
    for _ in range(100):
        if "chat.denied" in h.max.refused:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # what would have followed the text
    assert h.max.refused == ["chat.denied"] and h.max.uploads == []


# --- the terminal ---------------------------------------------------------------------


async def test_the_terminal_saves_files_and_prints_their_paths(sqlite_template, tmp_path):
    folder = tmp_path / "files"
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=False,
        with_vk=False,
        extra_settings={"console_files_dir": folder},
    ) as h:
        files = (*report_files(), Attachment("document", "../../escape.csv", b"x;y\n"))
        serve(h.app, files)
        out = io.StringIO()
        await console.run(h.app, stdin=io.StringIO("/files\n/files\n"), stdout=out)
    printed = out.getvalue()
    paths = [Path(p) for p in re.findall(r"сохранён: (\S+)", printed)]
    assert len(paths) == 6
    assert paths[0] == (folder / "chart.png").resolve() and paths[0].read_bytes() == CHART
    assert paths[1].name == "report.xlsx" and paths[1].read_bytes() == TABLE
    assert paths[2] == (folder / "escape.csv").resolve()  # inside the folder, always
    assert paths[3].name == "chart-2.png"  # the first one is not overwritten
    assert "Охват сертификатами" in printed
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)


def test_the_terminal_keeps_files_in_a_temporary_directory_by_default():
    shelf = console.Shelf()
    first = shelf.save("report.xlsx", TABLE)
    second = shelf.save("chart.png", CHART)
    try:
        assert first.parent == second.parent  # one directory for the run
        assert first.parent.name.startswith("pfdo-files-")
        assert first.parent.parent == Path(tempfile.gettempdir()).resolve()
        assert first.read_bytes() == TABLE
    finally:
        shutil.rmtree(first.parent)


def test_a_folder_that_cannot_be_written_is_said_not_crashed(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    out = io.StringIO()
    screen = render(Screen([Data("x")], files=report_files()), "en", translator(), str)
    console.save_files(screen, Terminal(out), console.Shelf(blocker))
    assert out.getvalue().count("could not be saved") == 2
