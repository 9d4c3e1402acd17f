"""Stopping the Telegram bot stops its long polling: nothing of aiogram's polling outlives
it. aiogram's start_polling, when the task running it is cancelled, leaves its polling
tasks running (asyncio.wait does not cancel them): they went on asking for updates after
the bot's HTTP session was closed, opened a new one that nobody closed (found as an
"unclosed client session" at a later test's garbage collection) and, in production, kept
a stopped replica taking updates."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.conftest import running_bot
from tests.e2e.test_telegram import PARENT, say


def _polling_tasks() -> list[asyncio.Task[object]]:
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and getattr(t.get_coro(), "__qualname__", "") == "Dispatcher._polling"
    ]


async def test_stopping_the_bot_stops_its_polling(sqlite_template: Path, tmp_path: Path):
    async with running_bot(sqlite_template, tmp_path, with_tg=True, with_vk=False) as h:
        start = await say(h, "/start", PARENT)
        assert "Здравствуйте" in start.text
        assert _polling_tasks()  # polling while the bot runs
    await asyncio.sleep(0.1)
    assert _polling_tasks() == []
