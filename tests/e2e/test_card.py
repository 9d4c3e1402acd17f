"""The program card's answers, through the real client libraries against the stand-ins:
the summer (when next year's applications open, then applying when they do), the venue as
the messenger's own map location, the teacher, and rating a program after a month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.catalogue.catalogue_import import import_municipalities
from core.demo import municipalities_csv
from core.rules.calendar import school_year_of
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
