"""Messages per journey, pinned: what a family costs of the bot's 30 messages a second.

A family with a funded certificate finds a club and applies (the opening day's journey):
one message for the command, then one edit in place per press, each press acknowledged
(answerCallbackQuery, not a message), and no notice repeating what the reply said. A
program of one group is applied to from its card (it carries the quote: issue 30), one
press and one message fewer than through the group's quote screen.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from core.storage.models import Outbox
from tests.e2e.chats import first_of_one_group
from tests.e2e.test_telegram import (
    PARENT,
    add_child,
    confirm_data,
    press,
    request_certificate,
    say,
)

PRESSES = ("Подать заявку",)  # after the result's number: the card, which is the quote


async def test_finding_a_club_and_applying_costs_one_message_per_step(telegram_bot):
    h = telegram_bot
    start = await say(h, "/start")
    await press(h, start, "Даю согласие")
    child = await add_child(h)
    child = await request_certificate(h, child)
    child = await press(h, child, "Запросить финансирование")
    await confirm_data(h)
    async with h.app.db.reader() as uow:
        notices = len((await uow.session.scalars(select(Outbox.id))).all())
    sent, answered = len(h.tg.sent), len(h.tg.answers)

    step = await say(h, "/search")  # one child: the results at once
    number = await first_of_one_group(h, step)
    card = next(b for b in step.buttons if b["text"] == number)
    step = await h.tg.ask(h.tg.press(PARENT, card["callback_data"], step.message_id))
    for label in PRESSES:
        step = await press(h, step, label)
    assert "Заявка подана" in step.text

    journey = [s for s in h.tg.sent[sent:] if s.chat_id == PARENT]
    methods = Counter(s.method for s in journey)
    # the command's answer, then every press edits that message: 3 steps, 3 messages
    # (4 through the quote screen, before issue 30)
    assert methods == {"sendMessage": 1, "editMessageText": len(PRESSES) + 1}, methods
    assert len({s.message_id for s in journey[1:]}) == 1  # one message, edited in place
    assert len(h.tg.answers) - answered == len(PRESSES) + 1  # every press acknowledged
    assert all(a.get("text") is None for a in h.tg.answers[answered:])  # no toast needed
    # and no notice of the application for the parent who applied: the reply said it
    async with h.app.db.reader() as uow:
        assert len((await uow.session.scalars(select(Outbox.id))).all()) == notices
