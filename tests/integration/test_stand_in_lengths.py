"""The stand-ins refuse a text over the platform's limit in the platform's own unit, with
the platform's own error, through the same client libraries the bot uses."""

from __future__ import annotations

import asyncio

import pytest
import vk_api
from aiogram.exceptions import TelegramBadRequest
from maxapi.exceptions.max import MaxApiError

from bot.handlers.max.handler import make_bot as make_max
from bot.handlers.telegram.handler import make_bot as make_tg
from bot.handlers.vk.handler import make_vk
from tests.support.max_server import FakeMax
from tests.support.tg_server import FakeTelegram
from tests.support.vk_server import FakeVk

EMOJI = "😀"  # 1 character, 2 UTF-16 code units


async def test_telegram_counts_utf16_code_units():
    tg = FakeTelegram()
    await tg.start()
    bot = make_tg(tg.token, tg.base)
    try:
        await bot.send_message(1, EMOJI * 2048)  # 4,096 units: the most there is
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(1, EMOJI * 2049)  # 2,049 characters, 4,098 units
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.edit_message_text("ж" * 4097, chat_id=1, message_id=1)
    finally:
        await bot.session.close()
        await tg.stop()
    assert len(tg.sent) == 1


async def test_vk_refuses_over_9000_characters_with_914():
    vk = FakeVk()
    await vk.start()
    api = make_vk(vk.token, vk.base)
    try:
        send = {"peer_id": 1, "random_id": 1}
        await asyncio.to_thread(api.method, "messages.send", {**send, "message": EMOJI * 9000})
        with pytest.raises(vk_api.exceptions.ApiError) as refused:
            await asyncio.to_thread(
                api.method, "messages.send", {**send, "random_id": 2, "message": "ж" * 9001}
            )
        assert refused.value.code == 914
    finally:
        api.http.close()
        await vk.stop()
    assert vk.too_long == 1 and len(vk.sent) == 1


async def test_max_counts_utf16_and_maxapi_refuses_4000_characters_itself():
    mx = FakeMax()
    await mx.start()
    bot = make_max(mx.token, mx.base)
    try:
        await bot.send_message(user_id=1, text=EMOJI * 2000)  # 4,000 units: accepted
        with pytest.raises(MaxApiError) as refused:  # 2,001 characters pass maxapi …
            await bot.send_message(user_id=1, text=EMOJI * 2001)
        assert refused.value.code == 400  # … and MAX refuses 4,002 units
        with pytest.raises(ValueError, match="4000"):  # the library, before any request
            await bot.send_message(user_id=1, text="ж" * 4000)
    finally:
        await bot.close_session()
        await mx.stop()
    assert len(mx.sent) == 1
