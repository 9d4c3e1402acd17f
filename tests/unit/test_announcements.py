"""An announcement as the coordinator sees it (fake core): the text prompt takes 2,000
characters while other inputs keep the engine's 1,000; the example time is in the future
at any clock; the scheduled time is echoed on the region's clock; the filters and the
history render in both locales."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dialogs.engine import MAX_INPUT, Engine
from bot.dialogs.events import Event
from bot.dialogs.flows import FLOWS
from bot.dialogs.screen import render
from bot.dialogs.screens import Screens
from bot.dialogs.signing import Signer
from bot.dialogs.state import DialogState
from bot.i18n import LANGUAGES
from core import port
from tests.support.fake_core import FakeCore
from tests.support.wording import wording_problems
from tests.unit.test_screens import ROUTES, VARIANTS, make_ctx, scene, strict

ZONE = "Europe/Moscow"
DRAFT = {"text": "Набор в кружки открыт!", "audience_chosen": True, "muni": 1}


class Store:
    def __init__(self, screen: str, data: dict) -> None:  # type: ignore[type-arg]
        self.state = DialogState(screen=screen, data={"pid": 1, **data})

    async def get(self, key):  # type: ignore[no-untyped-def]
        return self.state

    async def set(self, key, state):  # type: ignore[no-untyped-def]
        self.state = state

    async def delete(self, *keys):  # type: ignore[no-untyped-def]
        pass


def _engine(core: FakeCore, store: Store) -> Engine:
    return Engine(FLOWS, core, store, strict(), Signer(b"k"), timezone=ZONE)  # type: ignore[arg-type]


def _core(**kw) -> FakeCore:  # type: ignore[no-untyped-def]
    return FakeCore(dataclasses.replace(scene(VARIANTS[1]), **kw))


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
async def test_the_text_prompt_takes_2000_characters(length, accepted):
    store = Store("bc-text", {"bc": {}})
    reply = await _engine(_core(), store).handle(Event("tg", "1", "text", text="Я" * length))
    if accepted:
        assert reply.screen.name == Screens.BC_AUDIENCE.value
        assert store.state.data["bc"]["text"] == "Я" * 2000
    else:
        assert reply.screen.name == Screens.BC_TEXT.value
        assert "не больше 2\xa0000 символов" in reply.screen.text
        assert "text" not in store.state.data["bc"]


async def test_other_inputs_keep_the_engine_s_limit():
    """The program search of the same flow: 1,001 characters are refused at 1,000."""
    store = Store("bc-program", {"bc": DRAFT})
    reply = await _engine(_core(), store).handle(
        Event("tg", "1", "text", text="р" * (MAX_INPUT + 1))
    )
    assert f"не больше {MAX_INPUT // 1000}\xa0000 символов" in reply.screen.text
    assert reply.screen.name == Screens.BC_PROGRAM.value


@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 22), date(2026, 12, 31), date(2028, 2, 28), date(2028, 2, 29)],
)
async def test_the_example_time_is_in_the_future_at_any_clock(today):
    """Typed back as it is shown, the example is accepted: later than the last moment of
    the region's day, whatever the hour now."""
    core = _core(today=today)
    store = Store("bc-when", {"bc": DRAFT})
    engine = _engine(core, store)
    ctx = make_ctx("ru", core)
    shown = ctx.words(*(await ROUTES.screens[Screens.BC_WHEN](ctx)).parts)
    example = shown.rsplit(" ", 2)[-2:]
    typed = " ".join(example)
    local = datetime.strptime(typed, "%d.%m.%Y %H:%M").replace(tzinfo=ZoneInfo(ZONE))
    end_of_day = datetime.combine(today, time.max, tzinfo=ZoneInfo(ZONE))
    assert local > end_of_day
    reply = await engine.handle(Event("tg", "1", "text", text=typed))
    (name, (_text, _aud, _prog, at)), *_ = core.calls
    assert name == "broadcasts.create"
    assert at.replace(tzinfo=UTC) > end_of_day
    # and the time is echoed as typed, on the region's clock
    assert f"запланирована на {typed}" in reply.screen.text


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_filters_preview_and_history_render(lang):
    at = datetime(2026, 11, 23, 15, 0)  # 18:00 in Moscow
    sent = [port.Sent(n, "Объявление " * 20, "done", at, 5, 4, 1) for n in range(9, 2, -1)]
    core = _core(
        sent=sent,
        progress=port.Progress("scheduled", 5, 0, 0, 0, 0, at),
    )
    ctx = make_ctx(lang, core)
    ctx.state.data["bc"] = {**DRAFT, "filters": ["unfunded", "waiting"], "ages": "any"}
    ctx.state.data["bc-history"] = {"page": 1}
    t = strict()
    shown = {}
    for name in (Screens.BC_DIRS, Screens.BC_PREVIEW, Screens.BC_PROGRESS, Screens.BC_HISTORY):
        screen = await ROUTES.screens[name](ctx)
        rendered = render(screen, lang, t, lambda a: Signer(b"k").sign("tg:1", a))
        for text in (rendered.text, *(b.label for b in rendered.buttons)):
            assert wording_problems(text, lang) == [], (name, text)
        assert all(len(b.label) <= 40 for b in rendered.buttons), name
        shown[name] = rendered
    on = [b.label for b in shown[Screens.BC_DIRS].buttons if b.label.startswith("✅")]
    assert len(on) == 2  # the two filters chosen, no direction
    assert t(lang, "bc-filter-unfunded") in shown[Screens.BC_PREVIEW].text
    assert "23.11.2026 18:00" in shown[Screens.BC_PROGRESS].text
    history = shown[Screens.BC_HISTORY]
    assert "2 " in history.text and "23.11.2026 18:00" in history.text  # page 2 of 2
    assert history.text.count("🕒") == 2  # 7 announcements, 5 a page
    assert "…" in history.text  # a long text is cut to its start
    labels = [b.label for b in history.buttons]
    assert t(lang, "btn-prev") in labels and t(lang, "btn-next") not in labels
    assert core.calls == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_notice_names_its_sender(lang):
    t = strict()
    head = t(lang, "n-broadcast-from", municipality="Биробиджан")
    assert "МОЦ" in head and "Биробиджан" in head
    assert t(lang, "n-broadcast-from-region").strip()
