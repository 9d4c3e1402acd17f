"""What families, providers and coordinators need, told in every messenger through its real
client library: the FAQ with the family's МОЦ, the provider's card and the end of studies,
the month's debit and the statement paged by month, the waiting list passing a held seat,
an announcement's program chosen by search."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.words import Month
from core.accounting import month_close
from core.enrolment import enrolment
from core.rules.calendar import month_of
from core.staff import roles
from core.storage.models import Application, Contract, Group
from tests.e2e.chats import Chat, family, paid_program, school_clock

PLATFORMS = ["tg", "vk", "max"]
FIXTURES = {"tg": "telegram_bot", "vk": "vk_bot", "max": "max_bot"}
PARENT, OTHER, THIRD, STAFF, COORDINATOR = 8101, 8102, 8103, 8104, 8105
NBSP = "\xa0"


@pytest.fixture(params=PLATFORMS)
def chat(request: pytest.FixtureRequest) -> Chat:
    platform = request.param
    return Chat(request.getfixturevalue(FIXTURES[platform]), platform)


async def test_help_answers_with_the_family_s_own_office(chat):
    await family(chat.h, chat.platform, PARENT)
    faq = await chat.say(PARENT, "/help")
    # one of the questions families ask most (on VK's first page of buttons too)
    answer = await chat.press(PARENT, faq, "Почему баланс меньше номинала")
    assert "Почему баланс меньше номинала?" in answer.text
    assert "месяц" in answer.text
    # the family's child lives in г. Биробиджан: its МОЦ's address, hours and phone
    assert "МОЦ (г. Биробиджан): г. Биробиджан, ул. Центральная" in answer.text
    assert "телефон: +7 42622" in answer.text


async def test_enrol_close_the_month_statement_and_the_end_of_studies(chat):
    h = chat.h
    clock = school_clock(h)  # 16 November of the demo's school year
    november = month_of(h.app.db.today())
    await family(h, chat.platform, PARENT)
    program, name, group, provider = await paid_program(h)
    card = await chat.say(PARENT, f"/start prog_{program}")
    quote = await chat.press(PARENT, card, group)
    # a phone for the contract, given with the application
    ask = await chat.press(PARENT, quote, "Оставить телефон")
    wrong = await chat.say(PARENT, "12345")
    assert "Не получилось понять номер" in wrong.text
    quote = await chat.say(PARENT, "8 (914) 123-45-67")
    assert "+7 914 123-45-67" in quote.text
    done = await chat.press(PARENT, quote, "Подать заявку")
    assert "Заявка подана" in done.text and ask

    # the provider's staff: the card has what a contract needs; accept, then enrol
    await h.app.db.run(
        roles.grant, f"{chat.platform}:{STAFF}", "provider", provider_external_id=provider
    )
    queue = await chat.say(STAFF, "/queue")
    assert "Ждут решения: 1" in queue.text
    app_card = await chat.press(STAFF, queue, "Мария")
    for shown in ("Иванова Мария, 10 лет", "+7 914 123-45-67"):
        assert shown in app_card.text, shown
    # the certificate number only once accepted: with the birth date it took one (issue 24)
    assert "Номер сертификата будет виден, когда вы примете заявку" in app_card.text
    queue = await chat.press(STAFF, app_card, "Принять")
    assert "Заявка принята" in queue.text
    accepted = await chat.notice(PARENT, "заявка принята")
    assert "предлагает договор-оферту" in accepted.text
    app_card = await chat.press(STAFF, queue, "Мария")
    assert "Сертификат №" in app_card.text
    assert "Договор: предложен семье" in app_card.text
    # the family reads the contract from the notice and accepts it with a button
    offer = await chat.press(PARENT, accepted, "Договор")
    for shown in ("ДОГОВОР-ОФЕРТА", name, group, "Оплачивает сертификат", "Расторжение"):
        assert shown in offer.text, shown
    concluded = await chat.press(PARENT, offer, "Принимаю договор")
    assert "Договор заключён" in concluded.text
    assert "заключён в чате" in concluded.text
    # what was kept is the text exactly as shown (between the status and the deadline)
    shown_text = "\n\n".join(offer.text.split("\n\n")[1:-1])
    async with h.app.db.reader() as uow:
        kept = await uow.session.scalar(select(Contract))
    assert kept.text == shown_text
    assert kept.digest == hashlib.sha256(shown_text.encode()).hexdigest()
    assert kept.account == f"{chat.platform}:{PARENT}"
    told = await chat.notice(STAFF, "семья приняла договор")
    assert group in told.text
    app_card = await chat.press(STAFF, queue, "Мария")
    assert "Договор: заключён" in app_card.text
    ask_first = await chat.press(STAFF, app_card, "Зачислить")
    assert "С какого дня ребёнок начинает заниматься" in ask_first.text
    # the first offered day is the group's next class day
    queue = await chat.press(STAFF, ask_first, f".{h.app.db.today().year}")
    assert "Ребёнок зачислен, первый день занятий" in queue.text
    enrolled = await chat.notice(PARENT, "ребёнок зачислен")
    # the group's name says it is a group: never «группа «Группа 2»»
    assert "Занятия: Группа" in enrolled.text

    # the month ends: closed, and the family gets the debit notice
    clock.advance(days=15)  # 1 December
    await h.app.db.run(month_close.close_month, november)
    debit = await chat.notice(PARENT, "Списания за")
    assert f"Списания за {Month(november).words('ru', 'accs')}" in debit.text
    assert name in debit.text

    # the statement: what the program holds, and November's page with its debit (written
    # on 1 December, filed under the month it pays for), the credit and the reserve
    balance = await chat.say(PARENT, "/balance")
    assert "Зарезервировано под программы" in balance.text
    statement = await chat.press(PARENT, balance, "Выписка")
    assert f"Движения за {Month(november).words('ru', 'accs')}" in statement.text
    assert f"списано 1{NBSP}" in statement.text or "списано " in statement.text
    assert f"за {Month(november).words('ru', 'accs')} — «{name}»" in statement.text
    assert "зачислено на сертификат" in statement.text
    assert f"под программу «{name}»" in statement.text

    # the provider ends the studies: a date too early is refused, then the last day
    queue = await chat.say(STAFF, "/queue")
    studying = await chat.press(STAFF, queue, "Занимаются")
    assert "Занимаются: 1" in studying.text
    app_card = await chat.press(STAFF, studying, "Мария")
    ask_day = await chat.press(STAFF, app_card, "Завершить обучение")
    year = h.app.db.today().year
    refused = await chat.say(STAFF, f"30.11.{year}")  # November is closed: debited whole
    assert "не раньше 01.12" in refused.text
    done = await chat.say(STAFF, f"01.12.{year}")
    assert "Обучение завершено" in done.text and ask_day
    finished = await chat.notice(PARENT, "занятия завершены")
    assert name in finished.text
    # the contract stays readable in /apps: terminated on the last day, the text accepted
    apps = await chat.say(PARENT, "/apps")
    card = await chat.press(PARENT, apps, "Мария")
    assert f"расторгнут, последний день занятий — 01.12.{year}" in card.text
    contract = await chat.press(PARENT, card, "Договор")
    accepted_text = await chat.press(PARENT, contract, "Принятый текст")
    assert shown_text in accepted_text.text
    assert kept.digest in accepted_text.text
    async with h.app.db.reader() as uow:
        status = await uow.session.scalar(select(Application.status))
    assert status == "finished"


async def test_a_held_seat_passes_from_a_family_that_does_not_take_it_to_the_next(chat):
    h = chat.h
    school_clock(h)
    for user, surname in ((PARENT, "Первова"), (OTHER, "Второва"), (THIRD, "Третьева")):
        await family(h, chat.platform, user, surname)
    program, _, group_name, _ = await paid_program(h)
    async with h.app.db.uow() as uow:
        group = await uow.session.scalar(
            select(Group).where(Group.program_id == program, Group.name == group_name)
        )
        group.seats, group.taken = 1, 0
        await uow.commit()

    async def apply(user: int) -> str:
        card = await chat.say(user, f"/start prog_{program}")
        quote = await chat.press(user, card, group_name)
        done = await chat.press(user, quote, "Подать заявку")
        return done.text

    assert "Заявка подана" in await apply(PARENT)
    assert "Ваше место в листе: 1" in await apply(OTHER)
    assert "Ваше место в листе: 2" in await apply(THIRD)
    apps = await chat.say(PARENT, "/apps")
    app = await chat.press(PARENT, apps, "Мария")
    confirm = await chat.press(PARENT, app, "Отменить заявку")
    await chat.press(PARENT, confirm, "Да")
    offer = await chat.notice(OTHER, "Освободилось место")
    assert "удерживаем" in offer.text
    # not taken in time: it passes to the third family, who takes it from the notice
    async with h.app.db.reader() as uow:
        held = await uow.session.scalar(
            select(Application.id).where(Application.status == "offered")
        )
    later = h.app.db.clock() + timedelta(hours=25)
    assert await h.app.db.run(enrolment.expire_offer, held, later)
    lapsed = await chat.notice(OTHER, "не занято вовремя")
    assert lapsed
    offer = await chat.notice(THIRD, "Освободилось место")
    quote = await chat.press(THIRD, offer, "Занять место")
    assert "удержано для вас" in quote.text
    done = await chat.press(THIRD, quote, "Подать заявку")
    assert "Заявка подана" in done.text
    async with h.app.db.reader() as uow:
        statuses = sorted((await uow.session.scalars(select(Application.status))).all())
    assert statuses == ["cancelled", "expired", "submitted"]


async def test_a_coordinator_chooses_the_program_by_words(chat):
    h = chat.h
    await family(h, chat.platform, PARENT)
    _, name, _, _ = await paid_program(h)
    coordinator = f"{chat.platform}:{COORDINATOR}"
    await h.app.db.run(roles.grant, coordinator, "coordinator", municipality_code="birobidzhan")
    step = await chat.say(COORDINATOR, "/broadcast")
    step = await chat.say(COORDINATOR, "Открыт набор в кружки Станции юных техников!")
    step = await chat.press(COORDINATOR, step, "г. Биробиджан")
    step = await chat.press(COORDINATOR, step, "Любой")
    step = await chat.press(COORDINATOR, step, "Готово")
    assert "слова из названия" in step.text
    found = await chat.say(COORDINATOR, name)
    assert "выберите одну" in found.text
    preview = await chat.press(COORDINATOR, found, name[:20])
    assert f"«Открыть программу»: «{name}»" in preview.text
    assert "получат 1 родитель" in preview.text
    progress = await chat.press(COORDINATOR, preview, "Отправить сейчас")
    assert "Получателей: 1" in progress.text  # the preview and the progress agree
    got = await chat.notice(PARENT, "Открыт набор")
    card = await chat.press(PARENT, got, "Открыть программу")
    assert name in card.text
