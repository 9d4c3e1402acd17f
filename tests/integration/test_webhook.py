"""Two webhook replicas on the machine's PostgreSQL and Redis behind one test client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import App, build
from bot.config import Settings
from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.presses import ACK_WITHIN
from bot.handlers.telegram.webhook import WEBHOOK_PATH
from tests.conftest import _truncate
from tests.support.services import REDIS_URL, require_redis
from tests.support.tg_server import FakeTelegram, serve_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SECRET = "webhook-secret-0123456789"
USER = 31337


@dataclass
class Replica:
    app: App
    runner: web.AppRunner
    url: str
    bot: object
    tg: FakeTelegram  # which carries out a call in the webhook's response, as Telegram does

    async def kill(self) -> None:
        await self.runner.cleanup()
        await self.bot.session.close()  # type: ignore[attr-defined]
        await self.app.close()


@pytest.fixture
async def cluster(postgres_url) -> AsyncIterator[tuple[FakeTelegram, list[Replica]]]:
    require_redis()
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    tg = FakeTelegram()
    await tg.start()
    settings = Settings(
        _env_file=None,
        database_url=postgres_url,
        redis_url=REDIS_URL,
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
        telegram_webhook_url="https://bot.example.org",
        telegram_webhook_secret=SECRET,
        # PostgreSQL: the deployment's secrets, the same on every replica
        bot_secret="cluster-buttons-0123456789",
        register_secret="cluster-register-0123456789",
    )
    replicas = []
    for n in range(2):
        app = await build(settings, seed_if_empty=False)
        if n == 0:
            await _truncate(app.db)
            from core import demo

            async with app.db.uow() as uow:
                await demo.seed_demo(uow)
                await uow.commit()
        bot = make_bot(tg.token, tg.base)
        runner, url = await serve_webhook(app, bot)
        replicas.append(Replica(app, runner, url, bot, tg))
    try:
        yield tg, replicas
    finally:
        for r in replicas:
            with contextlib.suppress(Exception):  # some were killed by the test already
                await r.kill()
        await tg.stop()


ids = itertools.count(int(time.time()))


def message(text: str) -> dict:
    return {
        "update_id": next(ids),
        "message": {
            "message_id": next(ids),
            "date": 0,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "P", "language_code": "ru"},
            "text": text,
        },
    }


def press(data: str) -> dict:
    return {
        "update_id": next(ids),
        "callback_query": {
            "id": str(next(ids)),
            "chat_instance": "c",
            "data": data,
            "from": {"id": USER, "is_bot": False, "first_name": "P"},
            "message": {"message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"}},
        },
    }


async def post(session, replica: Replica, update: dict, secret: str = SECRET) -> int:
    async with session.post(
        replica.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    ) as resp:
        await replica.tg.webhook_answered(await resp.read())
        return resp.status


async def pressed(session, replica: Replica, update: dict) -> Any:
    """A press posted, and the screen that follows it: the webhook's 200 carries the
    press's answer and comes before the screen, once the step is saved."""
    before = len(replica.tg.sent)
    assert await post(session, replica, update) == 200
    await replica.tg.wait_sent(before + 1)
    return replica.tg.sent[before]


async def test_two_replicas_share_a_dialog_and_survive_a_kill(cluster):
    tg, (a, b) = cluster
    async with aiohttp.ClientSession() as http:
        assert await post(http, a, message("/start"), secret="wrong") == 401
        assert await post(http, a, message("/start"), secret="") == 401
        assert tg.sent == []
        # the 200 comes after a message was handled: the answer is already there
        assert await post(http, a, message("/start")) == 200
        welcome = tg.sent[-1]
        assert "Здравствуйте" in welcome.text
        consent = welcome.button("Даю согласие")["callback_data"]
        saved = await pressed(http, b, press(consent))  # step 2 on the other replica
        assert "Согласие сохранено" in saved.text
        assert await post(http, a, message("/children")) == 200
        add = tg.sent[-1].button("Добавить")["callback_data"]
        await pressed(http, b, press(add))
        assert await post(http, a, message("Иванова")) == 200
        assert "Имя ребёнка" in tg.sent[-1].text
        await a.kill()  # replica A dies mid-dialog
        assert await post(http, b, message("Мария")) == 200
        assert "Отчество" in tg.sent[-1].text  # B knows where the parent was


async def test_duplicate_delivery_is_processed_once(cluster):
    tg, (a, b) = cluster
    update = message("/help")
    async with aiohttp.ClientSession() as http:
        assert await post(http, a, update) == 200
        assert await post(http, b, update) == 200  # Telegram re-sent it to another replica
        assert await post(http, a, update) == 200
    assert sum("Команды:" in s.text for s in tg.sent) == 1


async def test_health_and_metrics(cluster):
    _, (a, _) = cluster
    base = a.url.removesuffix(WEBHOOK_PATH)
    async with aiohttp.ClientSession() as http:
        assert await post(http, a, message("/help")) == 200
        async with http.get(base + "/healthz") as resp:
            assert resp.status == 200
        async with http.get(base + "/readyz") as resp:
            body = await resp.json()
            assert resp.status == 200
            assert body["database"] == "ok"
            assert body["redis"] == "ok"
        async with http.get(base + "/metrics") as resp:
            assert resp.status == 404  # not on the port that faces the internet
        from bot.handlers import health

        runner = await health.serve(a.app, "127.0.0.1", 0)
        try:
            port = runner.addresses[0][1]
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
        finally:
            await runner.cleanup()
    assert 'pfdo_updates_total{platform="tg"}' in text
    assert "pfdo_update_seconds_bucket" in text


async def test_an_update_costs_three_redis_round_trips_besides_pacing(cluster):
    """The update's claim; the person's lock taken with their state read; the lock given
    back with the state written and the update marked done. These were six round trips
    before. (Pacing asks the chat's and the bot's budgets for each message sent, again
    while a budget is not free: counted apart.)"""
    tg, (a, b) = cluster
    redis = a.app.redis
    calls: list[str] = []
    original = redis.execute_command

    async def counted(*args, **kwargs):
        if not any(str(a).startswith("pfdo:pace:") for a in args):
            calls.append(" ".join(map(str, args[:4])))
        return await original(*args, **kwargs)

    async with aiohttp.ClientSession() as http:
        assert await post(http, a, message("/start")) == 200
        consent = tg.sent[-1].button("Даю согласие")["callback_data"]
        redis.execute_command = counted
        try:
            update = press(consent)
            saved = await pressed(http, a, update)
        finally:
            redis.execute_command = original
        assert "Согласие сохранено" in saved.text
        assert len(calls) == 3, calls
        # the state written with the release: the other replica goes on from it
        assert await post(http, b, message("/children")) == 200
        assert "Добавить" in str(tg.sent[-1].buttons)
        # marked done with the release: a repeat is not handled again, the lock is free
        sent = len(tg.sent)
        assert await post(http, b, update) == 200
        assert len(tg.sent) == sent
        assert await redis.get(f"pfdo:update:tg:{a.bot.id}:{update['update_id']}") == b"done"
        assert await redis.keys("pfdo:order:*") == []


async def test_a_press_is_answered_in_the_webhooks_response(cluster):
    """A press whose step is saved within ACK_WITHIN is answered by the webhook's own
    response (a call Telegram makes itself), not by a call of the bot's, and its screen
    follows; a slower one is answered by a call at ACK_WITHIN, its response empty."""
    tg, (a, _) = cluster
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        assert await post(http, a, message("/start")) == 200
        consent = tg.sent[-1].button("Даю согласие")["callback_data"]
        update = press(consent)
        before = len(tg.sent)
        async with http.post(a.url, json=update, headers=headers) as resp:
            assert resp.status == 200
            answer = await resp.json()
        assert answer == {
            "method": "answerCallbackQuery",
            "callback_query_id": update["callback_query"]["id"],
        }
        assert "answercallbackquery" not in tg.calls  # no call of the bot's own
        await tg.wait_sent(before + 1)
        assert "Согласие сохранено" in tg.sent[before].text

        engine = a.app.engine
        handle = engine.handle

        async def slow(event):  # type: ignore[no-untyped-def]
            await asyncio.sleep(ACK_WITHIN * 2)
            return await handle(event)

        engine.handle = slow  # type: ignore[method-assign]
        try:
            assert await post(http, a, message("/children")) == 200
            add = tg.sent[-1].button("Добавить")["callback_data"]
            started = time.monotonic()
            async with http.post(a.url, json=press(add), headers=headers) as resp:
                assert resp.status == 200
                assert await resp.json() == {}
            assert time.monotonic() - started >= ACK_WITHIN * 2
        finally:
            engine.handle = handle  # type: ignore[method-assign]
        # answered by the bot's own call when the timer ran out (the stand-in refuses it:
        # it never delivered this press itself)
        assert tg.calls.count("answercallbackquery") == 1
        assert "Имя" in tg.sent[-1].text or "Фамилия" in tg.sent[-1].text
