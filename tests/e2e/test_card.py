"""The program card's answers, through the real client libraries against the stand-ins:
the summer (when next year's applications open, then applying when they do), the venue as
the messenger's own map location, the teacher, and rating a program after a month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.catalogue.municipalities_import import import_municipalities
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


async def test_a_family_rates_the_program_after_a_month_and_the_coordinator_hides_it(chat):
    """Telegram, VK and MAX: the rating's screens (five star buttons in a row) and the
    moderation list render within each messenger's limits."""
    from core.enrolment import decisions, enrolment
    from core.staff import roles
    from tests.support.world import accept_contract

    h, platform = chat.h, chat.platform
    clock = school_clock(h, day=2, month=10)  # 2 October
    parent = await family(h, platform, PARENT)
    program, name, group, provider = await paid_program(h)
    staff = await h.app.db.run(roles.grant, "tg:9102", "provider", provider_external_id=provider)
    async with h.app.db.reader() as uow:
        from sqlalchemy import select

        from core.storage.models import Child, Group

        child = await uow.session.scalar(select(Child.id).where(Child.parent_id == parent))
        group_id = await uow.session.scalar(
            select(Group.id).where(Group.program_id == program, Group.name == group)
        )
    app = await h.app.db.run(enrolment.apply, parent, child, group_id)
    assert (await h.app.db.run(accept_contract, staff, app)).done
    first = (await h.app.db.run(decisions.first_days, staff, app)).choices[0]
    await h.app.db.run(decisions.provider_enrol, staff, app, first)
    # a month of studies later
    clock.set(_local(h, first.year + (first.month == 12), first.month % 12 + 1, first.day, 10, 0))
    apps = await chat.say(PARENT, "/apps")
    card = await chat.press(PARENT, apps, name[:10])
    stars = await chat.press(PARENT, card, "Оценить программу")
    assert "Поставьте оценку от 1 до 5 звёзд" in stars.text
    ask = await chat.press(PARENT, stars, "5 ★")
    assert "до 500 символов" in ask.text
    too_long = await chat.say(PARENT, "Очень! " * 100)  # 699 characters once trimmed
    assert "не длиннее 500 символов, а в этом 699" in too_long.text
    saved = await chat.say(PARENT, "Ребёнку нравится, педагог внимательный 👍")
    assert "Оценка сохранена" in saved.text
    shown = await chat.say(PARENT, f"/start prog_{program}")
    text = shown.text.replace(NBSP, " ")
    assert "⭐ 5,0 из 5 — 1 оценка семей" in text, text
    assert "«Ребёнку нравится, педагог внимательный 👍»" in text

    # the municipality's coordinator hides it
    coordinator = 9103
    await h.app.db.run(
        roles.grant, f"{platform}:{coordinator}", "coordinator", municipality_code="birobidzhan"
    )
    listed = await chat.say(coordinator, "/reviews")
    assert "Ребёнку нравится" in listed.text
    hidden = await chat.press(coordinator, listed, "Скрыть отзыв 1")
    assert "Отзыв скрыт" in hidden.text
    shown = await chat.say(PARENT, f"/start prog_{program}")
    assert "Ребёнку нравится" not in shown.text and "⭐" not in shown.text.split("\n\n")[0]
