"""What reaches the webhook that is not a good update: never a 500."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest

from bot.app import build
from bot.config import Settings
from bot.handlers.telegram import webhook as telegram_webhook
from bot.handlers.telegram.handler import make_bot
from tests.support.services import pg_admin
from tests.support.tg_server import FakeTelegram, serve_webhook

SECRET = "webhook-secret-0123456789"


def _settings(template: Path, db: Path, tg: FakeTelegram, **extra: object) -> Settings:
    """A webhook replica's settings on a copy of the SQLite template, Telegram the stand-in."""
    shutil.copy(template, db)
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        telegram_bot_token=tg.token,
        telegram_api_base=tg.base,
        telegram_webhook_url="https://bot.example.org",
        telegram_webhook_secret=SECRET,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
async def replica(sqlite_template: Path, tmp_path: Path):
    tg = FakeTelegram()
    await tg.start()
    app = await build(_settings(sqlite_template, tmp_path / "hook.db", tg))
    bot = make_bot(tg.token, tg.base)
    runner, url = await serve_webhook(app, bot)
    yield url, tg
    await runner.cleanup()
    await bot.session.close()
    await app.close()
    await tg.stop()


async def _post(url: str, body: bytes, secret: bytes = SECRET.encode(), ctype="application/json"):  # type: ignore[no-untyped-def]
    # raw bytes: aiohttp would refuse to send a non-ASCII header from a str
    headers = {"Content-Type": ctype, "X-Telegram-Bot-Api-Secret-Token": secret.decode("latin-1")}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"{not json",
        b"[1, 2]",
        b'{"message": {}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": {"text": 5}}',  # does not fit the Bot API model
        b'{"update_id": 8, "callback_query": {"id": 1}}',
        "\ufeff{}".encode(),
        b"\xff\xfe\x00",
    ],
)
async def test_a_body_that_is_not_a_usable_update_gets_200(replica, body):
    url, tg = replica
    assert await _post(url, body) == 200
    assert tg.sent == []


async def test_a_wrong_or_foreign_secret_gets_401(replica):
    url, _ = replica
    assert await _post(url, b'{"update_id": 1}', secret=b"wrong") == 401
    assert await _post(url, b'{"update_id": 1}', secret="секрет".encode()) == 401
    assert await _post(url, b'{"update_id": 1}', secret=b"") == 401


async def test_a_good_update_still_works(replica):
    url, tg = replica
    body = (
        b'{"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, '
        b'"type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "P"}, '
        b'"text": "/help"}}'
    )
    assert await _post(url, body) == 200
    assert await _post(url, body) == 200  # a repeat is handled once
    assert len(tg.sent) == 1


@pytest.mark.postgres
async def test_a_second_replica_without_redis_refuses_to_start(postgres_url):
    from types import SimpleNamespace

    from core.storage.db import Database

    first_db, second_db = Database(postgres_url), Database(postgres_url)
    first = await telegram_webhook.single_replica_guard(SimpleNamespace(redis=None, db=first_db))
    try:
        with pytest.raises(telegram_webhook.ReplicaConflict):
            await telegram_webhook.single_replica_guard(SimpleNamespace(redis=None, db=second_db))
    finally:
        await first.close()
        await first_db.dispose()
    # the first one gone, a replica may start again
    again = await telegram_webhook.single_replica_guard(SimpleNamespace(redis=None, db=second_db))
    await again.close()
    await second_db.dispose()


@pytest.mark.postgres
async def test_two_replicas_migrate_a_fresh_database_at_once(postgres_url):
    name = f"pfdo_migrate_{uuid.uuid4().hex[:8]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        await _migrate_at_once(url)
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_two_processes_migrate_a_fresh_sqlite_file_at_once(tmp_path):
    await _migrate_at_once(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")


async def _migrate_at_once(url: str) -> None:
    """Three processes, as replicas starting together would be."""
    code = "import sys; from core.storage.migrate import upgrade; upgrade(sys.argv[1])"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [(await p.wait(), (await p.stderr.read()).decode()) for p in procs]  # type: ignore[union-attr]
    assert [rc for rc, _ in results] == [0, 0, 0], results


# deeper than the JSON decoder's recursion guard (Python's limit, 1,000 by default)
DEEP = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 1, "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
]


@pytest.mark.parametrize("body", DEEP, ids=["list", "in-an-update"])
async def test_deeply_nested_json_gets_400_and_the_body_is_not_logged(replica, body, caplog):
    url, tg = replica
    assert await _post(url, body) == 400
    assert tg.sent == []
    assert "[[[" not in caplog.text
    assert any("nested" in r.getMessage() for r in caplog.records)


@pytest.fixture
async def max_replica(sqlite_template: Path, tmp_path: Path):
    from bot.handlers.common import MemorySeen
    from bot.handlers.max.handler import MaxHandler, make_bot
    from tests.support.max_server import FakeMax

    db = tmp_path / "hook.db"
    shutil.copy(sqlite_template, db)
    mx = FakeMax()
    await mx.start()
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        max_bot_token=mx.token,
        max_api_base=mx.base,
    )
    app = await build(settings)
    bot = make_bot(mx.token, mx.base)
    runner = aiohttp.web.AppRunner(MaxHandler(app, bot, MemorySeen()).webhook_app(SECRET))
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/max/webhook", mx
    await runner.cleanup()
    await bot.close_session()
    await app.close()
    await mx.stop()


@pytest.mark.parametrize("body", DEEP, ids=["list", "in-an-update"])
async def test_max_webhook_deeply_nested_json_gets_400(max_replica, body, caplog):
    url, mx = max_replica
    headers = {"Content-Type": "application/json", "X-Max-Bot-Api-Secret": SECRET}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        assert r.status == 400
    assert mx.sent == []
    assert "[[[" not in caplog.text
    assert any("nested" in r.getMessage() for r in caplog.records)


BASE64_SECRET = "q2Zx+7/Lk9Pw3RtY0aBc=="  # 23 characters of base64: long enough, refused
GOOD_SECRET = "q2Zx-7_Lk9Pw3RtY0aBc00"


@pytest.mark.parametrize(
    ("package", "variables"),
    [
        (
            "telegram",
            {
                "telegram_bot_token": "1:x",
                "telegram_webhook_url": "https://bot.example.org",
                "telegram_webhook_secret": "{}",
            },
        ),
        (
            "max",
            {
                "max_bot_token": "x",
                "max_webhook_url": "https://bot.example.org",
                "max_webhook_secret": "{}",
            },
        ),
    ],
)
def test_a_webhook_secret_the_platform_refuses_is_named_before_start(package, variables):
    import importlib

    from bot.i18n import translator

    platform = importlib.import_module(f"bot.handlers.{package}").PLATFORM
    secret_var = next(k for k, v in variables.items() if v == "{}")

    def settings(secret: str) -> Settings:
        return Settings(_env_file=None, **{**variables, secret_var: secret})

    for secret in (BASE64_SECRET, "a" * 15 + "=", "a" * 257, "секрет-секрет-секрет"):
        key = platform.problem(settings(secret))
        assert key is not None, secret
        for lang in ("ru", "en"):
            text = translator()(lang, key)
            assert secret_var.upper() in text and "A-Z" in text and "_" in text, text
    assert platform.problem(settings(GOOD_SECRET)) is None
    assert platform.problem(settings("a" * 256)) is None


async def test_the_stand_ins_refuse_a_secret_as_the_platforms_do():
    """Telegram's setWebhook and MAX's POST /subscriptions refuse base64's + / =."""
    from aiogram.exceptions import TelegramBadRequest
    from maxapi.exceptions.max import MaxApiError

    from bot.handlers.max.handler import make_bot as make_max_bot
    from tests.support.max_server import FakeMax

    tg, mx = FakeTelegram(), FakeMax()
    await tg.start()
    await mx.start()
    bot = make_bot(tg.token, tg.base)
    max_bot = make_max_bot(mx.token, mx.base)
    try:
        with pytest.raises(TelegramBadRequest, match="unallowed characters"):
            await bot.set_webhook("https://bot.example.org/h", secret_token=BASE64_SECRET)
        assert await bot.set_webhook("https://bot.example.org/h", secret_token=GOOD_SECRET)
        with pytest.raises(MaxApiError):
            await max_bot.subscribe_webhook("https://bot.example.org/h", secret=BASE64_SECRET)
        assert mx.subscriptions == []
        await max_bot.subscribe_webhook("https://bot.example.org/h", secret=GOOD_SECRET)
        assert len(mx.subscriptions) == 1
    finally:
        await bot.session.close()
        await max_bot.close_session()
        await tg.stop()
        await mx.stop()


async def test_a_stop_lets_a_press_answered_early_send_its_screen(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A press's webhook response carries its answer before its screen is sent, and the
    request is done then: a stop (run_webhook's) still waits for that screen."""
    from bench._replicas import free_port
    from bot.handlers.telegram.replies import Replies

    tg = FakeTelegram()
    await tg.start()
    port = free_port()
    settings = _settings(
        sqlite_template,
        tmp_path / "stop.db",
        tg,
        telegram_webhook_host="127.0.0.1",
        telegram_webhook_port=port,
    )
    app = await build(settings)
    stop = asyncio.Event()
    run = asyncio.create_task(telegram_webhook.run_webhook(app, stop))
    url = f"http://127.0.0.1:{port}{telegram_webhook.WEBHOOK_PATH}"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    user = {"id": 4242, "is_bot": False, "first_name": "P", "language_code": "ru"}
    try:
        for _ in range(200):
            if tg.webhook is not None:
                break
            await asyncio.sleep(0.05)
        start = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 4242, "type": "private"},
                "from": user,
                "text": "/start",
            },
        }
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=start, headers=headers) as resp:
                assert resp.status == 200
            consent = tg.sent[-1].button("Даю согласие")["callback_data"]
            deliver = Replies.deliver

            async def slow(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                await asyncio.sleep(1.0)
                return await deliver(self, *args, **kwargs)

            monkeypatch.setattr(Replies, "deliver", slow)
            press = {
                "update_id": 2,
                "callback_query": {
                    "id": "q1",
                    "chat_instance": "c",
                    "data": consent,
                    "from": user,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 4242, "type": "private"},
                    },
                },
            }
            async with http.post(url, json=press, headers=headers) as resp:
                assert (await resp.json())["method"] == "answerCallbackQuery"
        sent = len(tg.sent)  # the press's screen is still on its way
        stop.set()
        await asyncio.wait_for(run, 15)
        assert len(tg.sent) == sent + 1
        assert "Согласие сохранено" in tg.sent[-1].text
    finally:
        stop.set()
        if not run.done():
            run.cancel()
        await app.close()
        await tg.stop()
