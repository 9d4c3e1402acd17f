"""A dialog step against a bare aiogram echo bot, in process, measured in one run.

Both bots get the same Telegram updates through the same path: aiogram's Dispatcher
`feed_update`, handlers, and a Bot whose session builds every request exactly as the real
one does (aiogram's own form-data building and response parsing) but answers from memory
instead of the network. The echo bot answers each message with its text; this bot runs
the full dialog step: update → dedup and ordering middlewares → engine → SQLite → screen →
sendMessage. Prints updates/s for both, their ratio, and p50/p99 of the dialog step.

    .venv/bin/python -m bench.dialog_bench [--updates 2000] [--parents 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.types import Message, Update

from bench._data import percentile
from bot.app import build
from bot.config import Settings
from bot.handlers import telegram
from core.services import certificates, children, parents

COMMANDS = ("/menu", "/children", "/balance", "/apps", "/help")


class MemorySession(AiohttpSession):
    """Builds each request as AiohttpSession does, answers like the Bot API would."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:  # noqa: ASYNC109 (aiogram signature)
        self.requests += 1
        form = self.build_form_data(bot, method)  # the real serialisation work
        form()  # aiohttp renders the body, as it would before sending
        payload = {
            "message_id": self.requests,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "ok",
        }
        content = json.dumps({"ok": True, "result": payload})
        response = self.check_response(bot=bot, method=method, status_code=200, content=content)
        return response.result


def update(n: int, user: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": n,
            "message": {
                "message_id": n,
                "date": 0,
                "chat": {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": "P", "language_code": "ru"},
                "text": text,
            },
        }
    )


async def measure(dp: Dispatcher, bot: Bot, updates: list[Update]) -> list[float]:
    times = []
    for u in updates:
        start = time.perf_counter()
        await dp.feed_update(bot, u)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def main(n: int, parents_count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-dialog-"))
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{folder / 'b.db'}",
        telegram_bot_token="1:BENCH",
        # the in-memory session has no Telegram limits: the replies' budget must not cap
        # the step being measured (the echo bot has none either)
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
    )
    app = await build(settings, seed_if_empty=True)
    try:
        # parents with consent, a child and a funded certificate, as in real use
        async with app.db.uow() as uow:
            from datetime import date

            for user in range(1, parents_count + 1):
                parent = await parents.get_or_create(uow, "tg", str(user))
                await parents.give_consent(uow, parent.id)
                child = await children.add(
                    uow,
                    parent.id,
                    children.ChildInput("Тестова", "Анна", None, date(2015, 1, 1), None, 1),
                )
                await certificates.issue(uow, parent.id, child)
                await certificates.request_funding(uow, parent.id, child)
            await uow.commit()

        echo_bot = Bot("1:ECHO", session=MemorySession())
        echo = Dispatcher()
        router = Router()

        @router.message()
        async def on_text(message: Message) -> None:
            await message.answer(message.text or "")

        echo.include_router(router)
        dialog_bot = Bot("1:BENCH", session=MemorySession())
        dialog = telegram.build_dispatcher(app, dialog_bot)

        def batch(offset: int) -> list[Update]:
            return [
                update(offset + i, 1 + i % parents_count, COMMANDS[i % len(COMMANDS)])
                for i in range(n)
            ]

        await measure(echo, echo_bot, batch(10_000_000)[:200])  # warm-up both
        await measure(dialog, dialog_bot, batch(20_000_000)[:200])
        start = time.perf_counter()
        await measure(echo, echo_bot, batch(30_000_000))
        echo_rate = n / (time.perf_counter() - start)
        start = time.perf_counter()
        steps = await measure(dialog, dialog_bot, batch(40_000_000))
        dialog_rate = n / (time.perf_counter() - start)
        assert dialog_bot.session.requests >= n  # type: ignore[attr-defined]
        print(f"echo bot:   {echo_rate:8.0f} updates/s")
        print(
            f"dialog bot: {dialog_rate:8.0f} updates/s  (ratio {dialog_rate / echo_rate:.2f},"
            " target ≥ 0.5)"
        )
        p50, p99 = percentile(steps, 50), percentile(steps, 99)
        print(f"dialog step: p50 {p50:.2f} ms, p99 {p99:.2f} ms (target p99 ≤ 20 ms)")
        await echo_bot.session.close()
        await dialog_bot.session.close()
    finally:
        await app.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--parents", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.parents))
