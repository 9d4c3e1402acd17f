"""/balance, /menu and a button press, against the peer a team would write instead.

The peer is an aiogram_dialog bot on the same SQLite file answering /balance with the same
figures (the family's children, their certificates, what each program holds on them: a
join and one query of the applications) and a "refresh" button that draws it again. Both
bots get the same Telegram updates through the same path, in the same run: aiogram's Dispatcher
`feed_update`, handlers, and a Bot whose session builds every request exactly as the real
one does (aiogram's own form-data building and response parsing) but answers from memory
like the Bot API (a message for sendMessage and editMessageText, true for
answerCallbackQuery). This bot runs the full step: update → dedup and ordering
middlewares → engine → SQLite → screen → the answer.

Printed for /balance, a press of the balance screen's button, and /menu and /help:
updates/s of this bot and of the peer, their ratio (target ≥ 1.5 for /balance), and
this bot's p50/p99 (target p99 ≤ 10 ms).

    .venv/bin/python -m bench.dialog_bench [--updates 2000] [--parents 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import Message, Update
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Const, Format
from sqlalchemy import select

from bench._data import percentile
from bot.app import build
from bot.config import Settings
from bot.handlers.telegram import handler as telegram
from core.services import certificates, children, confirmations, parents, roles
from core.storage.db import Database
from core.storage.models import Application, Certificate, Child, Identity, Program


class MemorySession(AiohttpSession):
    """Builds each request as AiohttpSession does, answers like the Bot API would, and
    keeps each chat's last keyboard (to press its buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.keyboards: dict[int, list[dict[str, Any]]] = {}

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:  # noqa: ASYNC109 (aiogram signature)
        self.requests += 1
        form = self.build_form_data(bot, method)  # the real serialisation work
        form()  # aiohttp renders the body, as it would before sending
        if isinstance(method, AnswerCallbackQuery):
            result: Any = True
        else:
            chat = int(getattr(method, "chat_id", 1) or 1)
            markup = getattr(method, "reply_markup", None)
            if markup is not None and hasattr(markup, "inline_keyboard"):
                self.keyboards[chat] = [
                    {"text": b.text, "data": b.callback_data}
                    for row in markup.inline_keyboard
                    for b in row
                ]
            result = {
                "message_id": getattr(method, "message_id", None) or self.requests,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": "ok",
            }
        content = json.dumps({"ok": True, "result": result})
        response = self.check_response(bot=bot, method=method, status_code=200, content=content)
        return response.result


def command(n: int, user: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": n,
            "message": {
                "message_id": n,
                "date": int(time.time()),
                "chat": {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": "P", "language_code": "ru"},
                "text": text,
            },
        }
    )


def press(n: int, user: int, data: str) -> Update:
    return Update.model_validate(
        {
            "update_id": n,
            "callback_query": {
                "id": str(n),
                "chat_instance": "bench",
                "data": data,
                "from": {"id": user, "is_bot": False, "first_name": "P", "language_code": "ru"},
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": user, "type": "private"},
                    "text": "…",
                },
            },
        }
    )


# --- the peer -----------------------------------------------------------------------


class Peer(StatesGroup):
    balance = State()


def peer_dispatcher(db: Database) -> Dispatcher:
    """What a team would write with aiogram_dialog: a window whose getter reads the
    family's certificates (one join) and what each program holds on them (one query)."""

    async def getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        user = str(dialog_manager.event.from_user.id)  # type: ignore[union-attr]
        async with db.reader() as uow:
            certs = (
                await uow.session.execute(
                    select(
                        Child.name,
                        Certificate.id,
                        Certificate.number,
                        Certificate.total,
                        Certificate.reserved,
                    )
                    .select_from(Identity)
                    .join(Child, Child.parent_id == Identity.parent_id)
                    .join(Certificate, Certificate.child_id == Child.id)
                    .where(Identity.platform == "tg", Identity.external_id == user)
                    .order_by(Child.id)
                )
            ).all()
            held = (
                await uow.session.execute(
                    select(
                        Application.certificate_id,
                        Program.name,
                        Application.reserved_left,
                        Application.monthly_share,
                    )
                    .join(Program, Program.id == Application.program_id)
                    .where(
                        Application.certificate_id.in_([c.id for c in certs]),
                        Application.reserved_left > 0,
                    )
                    .order_by(Application.id)
                )
            ).all()
        lines = []
        for name, cert_id, number, total, reserved in certs:
            available = (total - reserved) / 100
            lines.append(f"{name} — № {number}: {total / 100:.2f} ₽, доступно {available:.2f} ₽")
            lines += [
                f"  «{h.name}»: {h.reserved_left / 100:.2f} ₽, {h.monthly_share / 100:.2f} ₽/мес."
                for h in held
                if h.certificate_id == cert_id
            ]
        return {"text": "\n".join(lines) or "Сертификатов нет"}

    dialog = Dialog(
        Window(
            Format("💰 Баланс сертификатов\n{text}"),
            Button(Const("🔄 Обновить"), id="refresh"),
            state=Peer.balance,
            getter=getter,
        )
    )
    router = Router()

    @router.message(Command("balance"))
    async def on_balance(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(Peer.balance, mode=StartMode.RESET_STACK)

    @router.message(Command("menu"))
    async def on_menu(message: Message) -> None:
        await message.answer("Главное меню")

    dp = Dispatcher()
    dp.include_router(router)
    dp.include_router(dialog)
    setup_dialogs(dp)
    return dp


# --- measuring ----------------------------------------------------------------------


async def measure(dp: Dispatcher, bot: Bot, updates: list[Update]) -> list[float]:
    times = []
    for u in updates:
        start = time.perf_counter()
        await dp.feed_update(bot, u)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _letters(n: int) -> str:
    """A surname part from a number (names take letters only)."""
    return "".join("абвгдежзик"[int(d)] for d in str(n))


class Ids:
    def __init__(self) -> None:
        self.n = 1_000

    def __call__(self) -> int:
        self.n += 1
        return self.n


async def main(n: int, parents_count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-dialog-"))
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{folder / 'b.db'}",
        telegram_bot_token="1:BENCH",
        # the in-memory session has no Telegram limits: the replies' budget must not cap
        # the step being measured (the peer has none either)
        telegram_rate=1e9,
        telegram_chat_rate=1e9,
    )
    app = await build(settings, seed_if_empty=True)
    users = range(1, parents_count + 1)
    try:
        # parents with consent, a child with a funded certificate, as in real use
        async with app.db.uow() as uow:
            staff = await roles.grant(
                uow, "tg:990000", "confirmer", municipality_code="birobidzhan", region_wide=True
            )
            for user in users:
                parent = await parents.get_or_create(uow, "tg", str(user))
                await parents.give_consent(uow, parent.id)
                child = await children.add(
                    uow,
                    parent.id,
                    children.ChildInput(
                        f"Тестова-{_letters(user)}", "Анна", None, date(2015, 1, 1), None, 1
                    ),
                )
                cert = await certificates.issue(uow, parent.id, child)
                await confirmations.confirm(uow, staff, cert)
                await certificates.request_funding(uow, parent.id, child)
            await uow.commit()
        ids = Ids()
        ours_bot = Bot("1:BENCH", session=MemorySession())
        ours = telegram.build_dispatcher(app, ours_bot)
        peer_bot = Bot("1:PEER", session=MemorySession())
        peer = peer_dispatcher(app.db)

        def commands(text: str) -> list[Update]:
            return [command(ids(), users[i % len(users)], text) for i in range(n)]

        def presses(session: MemorySession, label: str) -> list[Update]:
            out = []
            for i in range(n):
                user = users[i % len(users)]
                data = next(b["data"] for b in session.keyboards[user] if label in b["text"])
                out.append(press(ids(), user, data))
            return out

        # warm-up: every person known to both, each chat's keyboard on the balance screen
        for dp, bot in ((ours, ours_bot), (peer, peer_bot)):
            await measure(dp, bot, [command(ids(), u, "/balance") for u in users])
        rows = []
        for name, make_ours, make_peer in (
            ("/balance", lambda: commands("/balance"), lambda: commands("/balance")),
            (
                "a press: the balance",
                # this bot's "balance" button (on the menu), signed for each person as
                # the screen signs it; the peer's "refresh" under its balance window
                lambda: [
                    press(ids(), u, app.engine.signer.sign(f"tg:{u}", "balance"))
                    for u in (users[i % len(users)] for i in range(n))
                ],
                lambda: presses(peer_bot.session, "Обновить"),  # type: ignore[arg-type]
            ),
            ("/menu", lambda: commands("/menu"), lambda: commands("/menu")),
        ):
            batch = make_ours()
            start = time.perf_counter()
            steps = await measure(ours, ours_bot, batch)
            ours_rate = n / (time.perf_counter() - start)
            batch = make_peer()
            start = time.perf_counter()
            await measure(peer, peer_bot, batch)
            peer_rate = n / (time.perf_counter() - start)
            rows.append((name, ours_rate, peer_rate, steps))
        help_steps = await measure(ours, ours_bot, commands("/help"))
        for name, ours_rate, peer_rate, steps in rows:
            print(
                f"{name:>20}: this bot {ours_rate:6.0f} updates/s, peer {peer_rate:6.0f} "
                f"updates/s, ratio {ours_rate / peer_rate:.2f}; p50 "
                f"{percentile(steps, 50):.2f} ms, p99 {percentile(steps, 99):.2f} ms"
            )
        print(
            f"{'/help':>20}: this bot p50 {percentile(help_steps, 50):.2f} ms, "
            f"p99 {percentile(help_steps, 99):.2f} ms (no database)"
        )
        await ours_bot.session.close()
        await peer_bot.session.close()
    finally:
        await app.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--parents", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.parents))
