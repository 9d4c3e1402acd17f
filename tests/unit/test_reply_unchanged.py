"""No message where the press's acknowledgement will do: a press whose screen is the one
its message already shows sends nothing (Telegram would refuse the edit as "not
modified" after it took a slot of the bot's budget)."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message

from bot.dialogs.engine import Reply
from bot.dialogs.screen import RButton, Rendered
from bot.handlers.telegram.keyboards import markup
from bot.handlers.telegram.replies import Replies
from bot.notify.pacing import LocalPace


class Bot:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    async def __call__(self, method: Any) -> Any:
        self.calls.append(method)
        return True


def _screen(text: str, label: str = "Ещё") -> Rendered:
    return Rendered(text=text, rows=[[RButton(label=label, payload="more~abcdefgh")]])


def _shown(screen: Rendered) -> Message:
    keyboard = markup(screen)
    return Message.model_validate(
        {
            "message_id": 5,
            "date": 0,
            "chat": {"id": 42, "type": "private"},
            "text": screen.text,
            "reply_markup": keyboard.model_dump(exclude_none=True) if keyboard else None,
        }
    )


async def _deliver(reply: Reply, message: Message) -> list[Any]:
    bot = Bot()
    await Replies(bot, LocalPace()).deliver(42, reply, message)  # type: ignore[arg-type]
    return bot.calls


async def test_the_same_screen_again_sends_nothing():
    screen = _screen("Кружки: страница 2")
    assert await _deliver(Reply(screen, edit=True), _shown(screen)) == []


async def test_a_changed_word_or_button_is_edited_in_place():
    shown = _shown(_screen("Кружки: страница 2"))
    calls = await _deliver(Reply(_screen("Кружки: страница 3"), edit=True), shown)
    assert [type(c).__name__ for c in calls] == ["EditMessageText"]
    calls = await _deliver(Reply(_screen("Кружки: страница 2", "Назад"), edit=True), shown)
    assert [type(c).__name__ for c in calls] == ["EditMessageText"]


async def test_a_typed_message_is_always_answered():
    screen = _screen("Кружки: страница 2")
    calls = await _deliver(Reply(screen, edit=False), _shown(screen))
    assert [type(c).__name__ for c in calls] == ["SendMessage"]
