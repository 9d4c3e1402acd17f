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


def _nth_reply(sent, users: list[int], n: int) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Where in the bot's messages each user's ``n``-th reply (1-based) is."""
    seen: dict[int, int] = {}
    at: dict[int, int] = {}
    for i, s in enumerate(sent):
        if s.chat_id in users:
            seen[s.chat_id] = seen.get(s.chat_id, 0) + 1
            if seen[s.chat_id] == n:
                at[s.chat_id] = i
    return at


async def test_replies_under_a_storm_go_round_robin_across_families(
    sqlite_template: Path, tmp_path: Path
):
    # 20 families each take three steps, each step once the answer to the one before
    # came (as a person reads, then presses), from a budget of 5 messages a second (60
    # replies, 12 s, after 20 to begin with): every family's first answer comes before
    # any family's third, so nobody waits behind another family's whole journey
    families = list(range(8000, 8020))
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        tg_options={"limit_per_s": 5},
        real_rhythm=True,
        extra_settings={"telegram_rate": 5},
    ) as h:
        tg = h.tg

        async def journey(user: int, steps: int, before: int) -> None:
            for step in range(1, steps + 1):
                await tg.message(user, "/help")
                wanted = before + step
                async with tg._changed:  # until this family's answer to the step came
                    await tg._changed.wait_for(
                        lambda n=wanted: sum(s.chat_id == user for s in tg.sent) >= n
                    )

        # the families known to the bot first (their accounts made), so that what is
        # measured is the reply queue, not how long the first update of each took
        await asyncio.wait_for(asyncio.gather(*(journey(u, 1, 0) for u in families)), 60)
        warm = len(tg.sent)
        await asyncio.wait_for(asyncio.gather(*(journey(u, 3, 1) for u in families)), 60)
        first = _nth_reply(tg.sent[warm:], families, 1)
        third = _nth_reply(tg.sent[warm:], families, 3)
        assert len(first) == len(third) == len(families)
        assert max(first.values()) < min(third.values()), (first, third)
        assert tg.too_many == 0


@pytest.mark.alone  # a second, measured on the machine: nothing beside it
async def test_a_press_is_answered_within_a_second_whatever_the_queue(
    sqlite_template: Path, tmp_path: Path
):
    # the screens are slow to build (1.5 s each) and slow to send (2 a second for 20
    # families): every press is still answered (answerCallbackQuery) within a second of
    # reaching the bot, and every screen goes after it. Measured from when the update
    # reached the bot: long polling itself may hand it over a second late (the stand-in's
    # connection dropped and aiogram's 1 s pause before asking again)
    families = list(range(8100, 8120))
    async with running_bot(
        sqlite_template,
        tmp_path,
        with_tg=True,
        with_vk=False,
        real_rhythm=True,
        extra_settings={"telegram_rate": 2},
    ) as h:
        await h.tg.message(8199, "/help")  # the bot is up and polling
        await h.tg.wait_sent(1, within=20)
        # long polling runs the step in the update's own task (Engine.handle_here)
        handle = h.app.engine.handle_here
        reached: dict[str, float] = {}

        async def slow(event, late):  # type: ignore[no-untyped-def]
            reached[event.user_id] = time.monotonic()
            await asyncio.sleep(1.5)
            return await handle(event, late)

        h.app.engine.handle_here = slow  # type: ignore[method-assign]
        pressed: dict[str, tuple[str, float]] = {}  # query id -> (user, when pressed)
        for user in families:
            at = time.monotonic()
            update_id = await h.tg.press(user, "no-such-button")
            update = next(u for u in h.tg.updates if u["update_id"] == update_id)
            pressed[update["callback_query"]["id"]] = (str(user), at)
        await h.tg.wait_sent(1 + len(families), within=30)
        assert len(h.tg.answers) == len(families)
        waits = []
        for answer in h.tg.answers:
            user, at = pressed[answer["callback_query_id"]]
            waits.append(at + answer["after_s"] - reached[user])
        assert max(waits) < 1.0, sorted(waits)
