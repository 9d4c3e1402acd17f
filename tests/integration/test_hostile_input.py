"""Input that used to reach an internal error gets a clear answer, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dialogs.engine import Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.signing import Signer
from bot.dialogs.state import MemoryStateStore
from bot.i18n import translator
from core.errors import DomainError
from core.family import children, parents
from core.rules.numbers import parse_id
from core.rules.people import parse_snils
from core.staff import roles
from core.usecases import UseCases
from tests.support.world import catalogue_row, setup_region

INTERNAL = "Что-то пошло не так"
USER = "4242"


@pytest.fixture
async def engine(db):
    await setup_region(db, rows=[catalogue_row(1, name="Робототехника")])
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, "tg", USER)
        await parents.give_consent(uow, parent.id)
        await roles.grant(uow, f"tg:{USER}", "coordinator", municipality_code="town")
        await uow.commit()
    return Engine(FLOWS, UseCases(db), MemoryStateStore(), translator(), Signer(b"k"), deadline=10)


async def say(engine: Engine, text: str) -> str:
    kind = "command" if text.startswith("/") else "text"
    reply = await engine.handle(Event("tg", USER, kind, text=text.removeprefix("/")))
    return reply.screen.text


async def press(engine: Engine, action: str) -> str:
    payload = engine.signer.sign(f"tg:{USER}", action)
    reply = await engine.handle(Event("tg", USER, "button", payload=payload))
    return reply.screen.text


@pytest.mark.parametrize("arg", ["prog_²", "prog_3000000000", "prog_-1", "prog_", "prog_０"])
async def test_deep_links_that_are_not_ids(engine, arg):
    text = await say(engine, f"/start {arg}")
    assert INTERNAL not in text
    assert "Главное меню" in text or "С возвращением" in text


async def test_buttons_with_ids_that_are_not_ids(engine):
    for action in ("prog:²", "prog:3000000000", "app:9999999999", "child:¹", "apply:٣"):
        text = await press(engine, action)
        assert INTERNAL not in text, action


async def test_cancel_drops_every_flow_s_data(engine):
    await say(engine, "/broadcast")
    await say(engine, "Открыт набор в кружки на весну, приходите!")
    state = await engine.states.get(f"tg:{USER}")
    assert "bc" in state.data
    # another flow begins: the announcement's draft goes, the search's state is kept
    await say(engine, "/search")
    await press(engine, "sfm")  # the district filter: its picker keeps a state too
    await say(engine, "бир")
    state = await engine.states.get(f"tg:{USER}")
    assert "bc" not in state.data
    assert {"q", "muni-picker"} <= set(state.data)
    text = await say(engine, "/cancel")
    assert INTERNAL not in text
    state = await engine.states.get(f"tg:{USER}")
    assert set(state.data) <= {"pid", "me", "teen"}


async def test_nul_and_controls_in_search_text(engine):
    await say(engine, "/search")  # no child: the results at once, a word searches them
    text = await say(engine, "робот\x00\x07")
    assert INTERNAL not in text
    assert "Робототехника" in text


async def test_a_signature_with_other_letters_is_a_stale_button(engine):
    await say(engine, "/menu")
    reply = await engine.handle(Event("tg", USER, "button", payload="menu~абвгдежз"))
    assert INTERNAL not in reply.screen.text
    assert reply.toast  # the press is answered as a stale button


async def test_a_scheduled_time_in_year_one(engine):
    await say(engine, "/menu")
    state = await engine.states.get(f"tg:{USER}")
    state.screen = "bc-when"
    state.data["bc"] = {"text": "Запись в кружки открыта", "muni": 1, "dirs": []}
    await engine.states.set(f"tg:{USER}", state)
    text = await say(engine, "01.01.0001 10:00")
    assert INTERNAL not in text
    assert "Не получилось понять время" in text


async def test_full_width_snils_is_the_same_snils(db, engine):
    assert parse_snils("１１２２３３４４５９５") == "11223344595"
    assert parse_snils("112−233−445 95") == "11223344595"
    async with db.uow() as uow:
        other = await parents.get_or_create(uow, "tg", "777")
        await parents.give_consent(uow, other.id)
        data = children.ChildInput("Петров", "Пётр", None, date(2016, 1, 1), "11223344595", 1)
        await children.add(uow, other.id, data)
        await uow.commit()
    async with db.uow() as uow:
        mine = await parents.get_or_create(uow, "tg", USER)
        data = children.ChildInput(
            "Петров", "Пётр", None, date(2016, 1, 1), "１１２２３３４４５９５", 1
        )
        with pytest.raises(DomainError) as err:
            await children.add(uow, mine.id, data)
    # the full-width number is the same СНИЛС: the same child, held by another family
    assert err.value.code == "child_registered_elsewhere"
    text = translator()("ru", "child_registered_elsewhere")
    assert "Пётр" not in text and "/link" in text  # nothing of the other family, a way out


def test_parse_id():
    assert parse_id("42") == 42
    for raw in ("", "0", "²", "٣", "１", "2147483648", "-1", "1.0", " 1", "99999999999"):
        assert parse_id(raw) is None, raw
    assert parse_id("2147483647") == 2**31 - 1
