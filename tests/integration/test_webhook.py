"""Two webhook replicas on the machine's PostgreSQL and Redis behind one test client."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.app import App, build
from bot.config import Settings
from bot.handlers.telegram.handler import make_bot
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
        replicas.append(Replica(app, runner, url, bot))
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
        return resp.status


async def test_two_replicas_share_a_dialog_and_survive_a_kill(cluster):
    tg, (a, b) = cluster
    async with aiohttp.ClientSession() as http:
        assert await post(http, a, message("/start"), secret="wrong") == 401
        assert await post(http, a, message("/start"), secret="") == 401
        assert tg.sent == []
        # the 200 comes after the update was handled: the answer is already there
        assert await post(http, a, message("/start")) == 200
        welcome = tg.sent[-1]
        assert "Здравствуйте" in welcome.text
        consent = welcome.button("Даю согласие")["callback_data"]
        assert await post(http, b, press(consent)) == 200  # step 2 on the other replica
        assert "Согласие сохранено" in tg.sent[-1].text
        assert await post(http, a, message("/children")) == 200
        add = tg.sent[-1].button("Добавить")["callback_data"]
        assert await post(http, b, press(add)) == 200
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
            assert await post(http, a, update) == 200
        finally:
            redis.execute_command = original
        assert "Согласие сохранено" in tg.sent[-1].text
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
