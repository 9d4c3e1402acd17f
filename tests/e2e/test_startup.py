"""Start-up against platforms that refuse for a moment: any method may be answered 429
(Telegram with retry_after, MAX plain, VK error 6), set-up calls included. A refusal is
retried within a bound; a messenger that still cannot start never takes the others or
the worker down under `run`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from pathlib import Path

import pytest

import bot.handlers as platforms
from bot import runners
from bot.config import Settings
from bot.dialogs.commands import PARENT_COMMANDS
from bot.handlers import startup
from bot.i18n import translator
from tests.e2e.conftest import running_bot
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk


async def test_telegram_set_up_calls_answered_429_are_retried(sqlite_template, tmp_path):
    options = {"refuse": {"setmycommands": [429, 429, 502], "getme": [429]}}
    started = time.monotonic()
    async with running_bot(
        sqlite_template, tmp_path, with_tg=True, with_vk=False, tg_options=options
    ) as h:
        assert h.tg is not None
        sent = await h.tg.ask(h.tg.message(1, "/help"), within=20)
        assert "Команды" in sent.text
        assert h.tg.too_many == 3
        assert h.tg.commands  # set in the end
        assert time.monotonic() - started >= 3  # retry_after (1 s) honoured each time


@pytest.mark.filterwarnings("ignore::UserWarning")
async def test_max_set_up_calls_answered_429_or_503_are_retried(sqlite_template, tmp_path):
    # the command list is set first, then long polling removes any webhook subscription
    # (GET /subscriptions)
    options = {"refuse": {"PATCH /me/commands": [429], "GET /subscriptions": [429, 503]}}
    async with running_bot(
        sqlite_template, tmp_path, with_tg=False, with_vk=False, with_max=True, max_options=options
    ) as h:
        assert h.max is not None
        sent = await h.max.ask(h.max.message(7001, "/help"), within=20)
        assert "Команды" in sent.text
        assert h.max.too_many == 2 and "internal.error" in h.max.refused
        # a parent's commands, described in Russian (one list for the whole bot)
        assert h.max.commands is not None
        assert [c["name"] for c in h.max.commands] == list(PARENT_COMMANDS)
        assert h.max.commands[0]["description"] == translator()("ru", "cmd-start")


@contextlib.asynccontextmanager
async def _run_command(settings: Settings):  # type: ignore[no-untyped-def]
    """`python -m bot run` as a task (no click, no health port)."""
    task = asyncio.create_task(runners._surfaces(settings, platforms.configured(settings)))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_vk_long_poll_server_refused_with_error_6_is_retried(sqlite_template, tmp_path):
    db = tmp_path / "run.db"
    shutil.copy(sqlite_template, db)
    vk = FakeVk(errors={"groups.getLongPollServer": [6, 10]})
    await vk.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        vk_group_token=vk.token,
        vk_group_id=vk.group_id,
        vk_api_base=vk.base,
        health_port=None,
        worker_enabled=False,
    )
    try:
        async with _run_command(settings):
            for _ in range(200):
                if vk.lp_requests:
                    break
                await asyncio.sleep(0.05)
            sent = await vk.ask(vk.message(5001, "/help"), within=20)
            assert "Команды" in sent.text
            assert vk.calls.count("groups.getLongPollServer") >= 3
    finally:
        await vk.stop()


async def test_a_messenger_that_cannot_start_leaves_the_others_running(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    """Telegram answers setMyCommands 429 for as long as the test lasts. Before: the
    process ended with TelegramRetryAfter, VK and the worker with it. Now Telegram gives
    up after its bound, is logged, and VK and the worker go on."""
    monkeypatch.setattr(startup, "SETUP_WITHIN_S", 2.5)
    db = tmp_path / "run.db"
    shutil.copy(sqlite_template, db)
    tg = FakeTelegram(refuse={"setmycommands": [429] * 10_000})
    vk = FakeVk()
    await tg.start()
    await vk.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
        vk_group_token=vk.token,
        vk_group_id=vk.group_id,
        vk_api_base=vk.base,
        health_port=None,
    )
    caplog.set_level(logging.INFO)
    try:
        async with _run_command(settings) as task:
            for _ in range(200):
                if vk.lp_requests:
                    break
                await asyncio.sleep(0.05)
            sent = await vk.ask(vk.message(5001, "/help"), within=20)
            assert "Команды" in sent.text
            for _ in range(200):
                if "Telegram stopped" in caplog.text:
                    break
                await asyncio.sleep(0.1)
            assert "Telegram stopped" in caplog.text
            assert "the other messengers and the worker go on" in caplog.text
            assert not task.done()
            sent = await vk.ask(vk.message(5002, "/help"), within=20)
            assert "Команды" in sent.text
            assert not task.done()
            assert "getupdates" not in tg.calls  # Telegram never started serving
    finally:
        await tg.stop()
        await vk.stop()


async def test_alone_a_messenger_that_cannot_start_ends_with_a_message(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`python -m bot telegram`: no other messenger to keep, so the process ends, exit
    code 1 and a message, for the process manager to start it again."""
    import click

    from bot.__main__ import cli

    monkeypatch.setattr(startup, "SETUP_WITHIN_S", 1.5)
    db = tmp_path / "run.db"
    shutil.copy(sqlite_template, db)
    tg = FakeTelegram(refuse={"setmycommands": [429] * 10_000})
    await tg.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
        health_port=None,
        worker_enabled=False,
    )
    try:
        with click.Context(cli, obj=settings), pytest.raises(click.ClickException) as refused:
            await runners._surfaces(settings, platforms.configured(settings))
        assert "Telegram" in refused.value.message and "retry" in refused.value.message.lower()
    finally:
        await tg.stop()
