"""The dialog's replies draw from the same Telegram budgets as the notices, ahead of them,
and a reply refused with 429 goes again after retry_after: never dropped."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.notify.build import build_worker, close_worker
from core.storage.models import Outbox
from tests.e2e.conftest import running_bot
from tests.support.audience import add_parents

WELCOME = "Здравствуйте"


async def _answered(tg, users: list[int], within: float) -> dict[int, float]:  # type: ignore[no-untyped-def]
    """When each user got the welcome, in seconds from now; fails after ``within``."""
    started = time.monotonic()
    got: dict[int, float] = {}
    while len(got) < len(users):
        for s in tg.sent:
            if s.chat_id in users and s.chat_id not in got and WELCOME in s.text:
                got[s.chat_id] = time.monotonic() - started
        if time.monotonic() - started > within:
            missing = sorted(set(users) - set(got))
            raise AssertionError(f"{len(missing)} of {len(users)} got no answer: {missing[:5]}")
        await asyncio.sleep(0.02)
    return got


async def test_twenty_five_parents_at_once_all_answered_within_the_limits(
    sqlite_template: Path, tmp_path: Path
):
    options = {"limit_per_s": 30, "chat_limit_per_s": 1}
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        tg_options=options,
        real_rhythm=True,
    ) as h:
        users = list(range(5000, 5025))
        for user in users:
            await h.tg.message(user, "/start")
        await _answered(h.tg, users, within=10)
        assert h.tg.too_many == 0


async def test_a_stricter_server_gets_429s_and_every_reply_still_goes(
    sqlite_template: Path, tmp_path: Path
):
    # the stand-in allows 5 a second where our budget is 30: Telegram's 429 decides
    options = {"limit_per_s": 5}
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        tg_options=options,
        real_rhythm=True,
    ) as h:
        users = list(range(6000, 6025))
        for user in users:
            await h.tg.message(user, "/start")
        await _answered(h.tg, users, within=30)
        assert h.tg.too_many > 0
        assert sum(WELCOME in s.text for s in h.tg.sent) == len(users)  # once each


@pytest.mark.alone  # every reply within 1.5 s, measured on the machine: nothing beside it
async def test_replies_go_ahead_of_a_broadcast(sqlite_template: Path, tmp_path: Path):
    options = {"limit_per_s": 30, "chat_limit_per_s": 1}
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        tg_options=options,
        real_rhythm=True,
    ) as h:
        recipients = await add_parents(h.app.db, 150, first=700_000)
        async with h.app.db.uow() as uow:
            await uow.session.execute(
                insert(Outbox),
                [
                    {
                        "parent_id": pid,
                        "kind": "data_erased",
                        "payload": {"children": 0},
                        "status": "pending",
                        "attempts": 0,
                        "created_at": datetime(2026, 10, 5),
                    }
                    for pid, _, _ in recipients
                ],
            )
            await uow.commit()
        worker = build_worker(h.app)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        try:
            await h.tg.wait_sent(30, within=10)  # the broadcast is under way
            users = list(range(7000, 7010))
            for user in users:
                await h.tg.message(user, "/start")
            latency = await _answered(h.tg, users, within=10)
            notices_left = 150 - sum(s.chat_id >= 700_000 for s in h.tg.sent)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(running, 30)
            await close_worker(worker)
        assert notices_left > 30  # the replies did not wait for the broadcast to end
        assert max(latency.values()) < 1.5, latency
        assert h.tg.too_many == 0


async def test_told_to_slow_down_the_replies_slow_down_and_all_go(
    sqlite_template: Path, tmp_path: Path
):
    # the stand-in allows 5 a second where our budget is 30: after a 429 the replies'
    # rate halves each time Telegram refuses, so the refusals stop coming soon instead of
    # one after every pause (30/s again right after each retry_after)
    options = {"limit_per_s": 5}
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        tg_options=options,
        real_rhythm=True,
        extra_settings={"telegram_recover_s": 120},
    ) as h:
        users = list(range(6100, 6140))
        for user in users:
            await h.tg.message(user, "/start")
        await _answered(h.tg, users, within=40)
        assert sum(WELCOME in s.text for s in h.tg.sent) == len(users)  # once each
        # measured: 3 refusals adapting, 7 with the rate back at 30/s after each pause
        assert 0 < h.tg.too_many <= 5, h.tg.too_many
