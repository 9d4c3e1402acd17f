"""The program card's answers, through the real client libraries against the stand-ins:
the summer (when next year's applications open, then applying when they do), the venue as
the messenger's own map location, the teacher, and rating a program after a month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.catalogue.catalogue_import import import_municipalities
from core.demo import municipalities_csv
from core.rules.calendar import school_year_of
from core.storage.models import Program
from tests.e2e.chats import Chat, family, paid_program, school_clock
from tests.support.clock import FakeClock

PARENT = 9101
NBSP = "\xa0"


def _local(h, *args: int) -> datetime:  # type: ignore[no-untyped-def]
    zone = ZoneInfo(h.app.settings.timezone)
    return datetime(*args, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


async def test_a_card_in_july_says_when_applications_open_then_applying_when_they_do(
    telegram_bot,
):
    h = telegram_bot
    chat = Chat(h, "tg")
    school_clock(h)  # November: the family gets its certificate
    await family(h, "tg", PARENT)
    program, _name, group, _provider = await paid_program(h)
    year = school_year_of(h.app.db.today())
    # the operator sets next year's applications to open on 1 August
    opens = f"01.08.{year + 1}"
    async with h.app.db.uow() as uow:
        report = await import_municipalities(uow, municipalities_csv(year + 1, opens=opens))
        assert report.ok, report.errors
        await uow.commit()
    clock = FakeClock(_local(h, year + 1, 7, 10, 9, 0))
    h.app.db.clock = clock
    card = await chat.say(PARENT, f"/start prog_{program}")
    text = card.text.replace(NBSP, " ")
    school = f"{year + 1}/{(year + 2) % 100:02d}"
    assert f"1 августа {year + 1} г. откроется запись на {school} учебный год" in text, text
    # nothing to press before that day
    assert not any(group in b["text"] for b in card.buttons), card.buttons
    clock.set(_local(h, year + 1, 8, 1, 9, 0))
    card = await chat.say(PARENT, f"/start prog_{program}")
    assert f"Идёт запись на {school} учебный год" in card.text
    quote = await chat.press(PARENT, card, group)
    assert f"Запись на {school} учебный год" in quote.text
    done = await chat.press(PARENT, quote, "Подать заявку")
    assert "Заявка подана" in done.text


def _place(chat: Chat, sent) -> tuple[float, float] | None:  # type: ignore[no-untyped-def]
    """The map location a message carries, as its platform's stand-in received it."""
    if chat.platform == "tg":
        return (sent.venue["latitude"], sent.venue["longitude"]) if sent.venue else None
    if chat.platform == "vk":
        return sent.location
    for a in sent.attachments:
        if a.get("type") == "location":
            return (a["latitude"], a["longitude"])
    return None


@pytest.fixture(params=["tg", "vk", "max"])
def chat(request: pytest.FixtureRequest) -> Chat:
    fixture = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}[request.param]
    return Chat(request.getfixturevalue(fixture), request.param)


async def test_the_venue_is_the_messenger_s_own_map_location(chat):
    h, platform = chat.h, chat.platform
    school_clock(h)
    await family(h, platform, PARENT)
    program, name, _group, _provider = await paid_program(h)
    async with h.app.db.reader() as uow:
        stored = await uow.session.get(Program, program)
        where = (stored.lat, stored.lon, stored.address)
    card = await chat.say(PARENT, f"/start prog_{program}")
    # the teacher is on the card too (the demo names one for each group)
    assert "Педагог: " in card.text
    before = len(chat.server.sent)
    shown = await chat.press(PARENT, card, "Показать на карте")
    assert where[2] in shown.text
    await chat.server.wait_sent(before + 2)
    places = [s for s in chat.server.sent[before:] if _place(chat, s) is not None]
    assert len(places) == 1, chat.server.sent[before:]
    assert _place(chat, places[0]) == pytest.approx(where[:2])
    if platform == "tg":
        assert places[0].venue["title"] == name
        assert places[0].venue["address"] == where[2]
    else:
        assert name in places[0].text and where[2] in places[0].text
    # and back to the card
    back = await chat.press(PARENT, shown, "К программе")
    assert name in back.text
