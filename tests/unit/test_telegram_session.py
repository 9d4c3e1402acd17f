"""The Bot API's requests go as JSON unless a file is uploaded (bot/handlers/telegram/
session.py): the same parameters the form would carry, with their JSON types."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SetMyCommands,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)
from aiohttp import FormData
from aiohttp.payload import JsonPayload

from bot.handlers.telegram.session import JsonSession

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="💳 Баланс", callback_data="b:1:x")]]
)
METHODS = [
    SendMessage(chat_id=5, text="Списано 1 000,00 ₽ — «Робототехника»", reply_markup=KEYBOARD),
    SendMessage(
        chat_id=5,
        text="",
        disable_notification=False,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    ),
    EditMessageText(chat_id=5, message_id=7, text="Остаток: 0 ₽", reply_markup=KEYBOARD),
    AnswerCallbackQuery(callback_query_id="q1", text="Кнопка устарела", show_alert=False),
    SetMyCommands(commands=[]),
]


def _form_fields(bot: Bot, method: Any) -> dict[str, Any]:
    """What aiogram's own form carries, each field read back as JSON where it is JSON."""
    form = AiohttpSession().build_form_data(bot, method)
    fields = dict(parse_qsl(_urlencoded(form), keep_blank_values=True))
    out: dict[str, Any] = {}
    for key, text in fields.items():
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


def _urlencoded(form: FormData) -> str:
    payload = form()
    return payload._value.decode()  # type: ignore[attr-defined]


async def test_a_request_without_a_file_is_json_with_the_form_s_parameters():
    bot = Bot("1:TEST")
    session = JsonSession()
    for method in METHODS:
        body = session.build_form_data(bot, method)
        assert isinstance(body, JsonPayload), method
        assert body.content_type == "application/json"
        sent = json.loads(body._value.decode())  # type: ignore[attr-defined]
        # the same parameters, the same values (the form's strings parsed as JSON)
        assert sent == _form_fields(bot, method), method
    # numbers and booleans as JSON's, a keyboard as an object, Cyrillic as it is
    first = session.build_form_data(bot, METHODS[0])
    raw = first._value.decode()  # type: ignore[attr-defined]
    assert '"chat_id":5' in raw and "Робототехника" in raw
    assert json.loads(raw)["reply_markup"]["inline_keyboard"][0][0]["text"] == "💳 Баланс"
    await session.close()


async def test_a_request_with_a_file_is_still_a_multipart_form():
    bot = Bot("1:TEST")
    session = JsonSession()
    method = SendDocument(
        chat_id=5, document=BufferedInputFile(b"a;b\n1;2\n", filename="payments.csv")
    )
    body = session.build_form_data(bot, method)
    assert isinstance(body, FormData)
    assert body.is_multipart
    await session.close()
