"""The inline keyboard the Telegram handler builds at once from plain dicts (issue 30) is
the one built button by button, and goes to Telegram the same."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dialogs.screen import RButton, Rendered
from bot.handlers.telegram.keyboards import markup


async def test_the_keyboard_built_from_dicts_is_the_one_built_button_by_button():
    screen = Rendered(
        "text",
        [
            [
                RButton("💰 Баланс", "balance~abcdefgh"),
                RButton("Сайт", "", "url", "https://e.org"),
            ],
            [RButton("≡ Меню", "menu~12345678")],
        ],
    )
    validated = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="💰 Баланс", callback_data="balance~abcdefgh"),
                InlineKeyboardButton(text="Сайт", url="https://e.org"),
            ],
            [InlineKeyboardButton(text="≡ Меню", callback_data="menu~12345678")],
        ]
    )
    built = markup(screen)
    assert built == validated
    session = AiohttpSession()
    bot = Bot("1:X", session=session)
    try:
        sent = SendMessage(chat_id=1, text="t", reply_markup=built)
        expected = SendMessage(chat_id=1, text="t", reply_markup=validated)
        assert session.prepare_value(sent.reply_markup, bot, {}) == session.prepare_value(
            expected.reply_markup, bot, {}
        )
    finally:
        await session.close()


def test_a_keyboard_is_made_once_for_the_same_buttons_and_the_kept_ones_are_bounded(
    monkeypatch,
):
    from bot.handlers.telegram import keyboards

    def screen(payload: str) -> Rendered:
        return Rendered("text", [[RButton("💰 Баланс", payload)], [RButton("≡ Меню", "m")]])

    first = markup(screen("balance~aaaa"))
    assert markup(screen("balance~aaaa")) is first  # the same buttons: made once
    other = markup(screen("balance~bbbb"))  # another person's signature: another keyboard
    assert other is not first
    assert other is not None and other.inline_keyboard[0][0].callback_data == "balance~bbbb"
    monkeypatch.setattr(keyboards, "KEYBOARDS_KEPT", 2)
    monkeypatch.setattr(keyboards, "_KEYBOARDS", {})
    for n in range(5):
        markup(screen(f"balance~{n}"))
        assert len(keyboards._KEYBOARDS) <= 2


def test_kept_keyboards_are_forgotten_within_minutes(monkeypatch):
    """A label may name a child: a kept keyboard does not stay in memory past
    KEYBOARDS_KEPT_S, however few keyboards come after it."""
    from bot.handlers.telegram import keyboards

    now = [1_000.0]
    monkeypatch.setattr(keyboards.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(keyboards, "_KEYBOARDS", {})
    monkeypatch.setattr(keyboards, "_kept_since", now[0])
    named = Rendered("text", [[RButton("Маша", "child~1")]])
    first = markup(named)
    now[0] += keyboards.KEYBOARDS_KEPT_S / 2
    assert markup(named) is first  # still kept
    now[0] += keyboards.KEYBOARDS_KEPT_S
    markup(Rendered("text", [[RButton("≡ Меню", "m")]]))
    assert all(
        b.text != "Маша"
        for k in keyboards._KEYBOARDS.values()
        for r in k.inline_keyboard
        for b in r
    )
    assert markup(named) is not first  # made again
