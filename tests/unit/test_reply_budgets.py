"""A Telegram reply is taken from budgets made once, the bot's and each chat's (issue 30:
two budgets made at every send were a third of a reply's pacing), and those kept are
bounded."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.handlers.telegram import replies
from bot.handlers.telegram.replies import Replies
from bot.notify.pacing import LocalPace


async def test_a_replys_budgets_are_made_once_and_the_kept_ones_bounded(
    monkeypatch: pytest.MonkeyPatch,
):
    made: list[str] = []
    budget = replies.Budget

    def counted(key: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(key)
        return budget(key, *args, **kwargs)

    monkeypatch.setattr(replies, "Budget", counted)
    bot = Bot("1:X")
    try:
        sent = Replies(bot, LocalPace(), per_second=30, per_chat=1)
        assert made == ["tg:bot"]
        first = sent._budget(5)
        assert sent._budget(5) is first
        assert first.key == "tg:chat:5" and first.burst == 3 and first.per_second == 1
        assert made == ["tg:bot", "tg:chat:5"]
        monkeypatch.setattr(replies, "CHAT_BUDGETS_KEPT", 2)
        for chat in range(10):
            sent._budget(chat)
            assert len(sent._chat_budgets) <= 2
    finally:
        await bot.session.close()
