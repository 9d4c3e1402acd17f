"""A flow's typed state: kept with the dialog state under its key, fresh when what was
kept does not fit, dropped by /cancel with every flow's data."""

from __future__ import annotations

from dataclasses import field
from types import SimpleNamespace

from bot.dialogs.context import Ctx
from bot.dialogs.events import Event
from bot.dialogs.flowstate import FlowState, flow_state
from bot.dialogs.state import DialogState


@flow_state("test-draft", draft=True)
class Draft(FlowState):
    text: str | None = None
    count: int = 0
    tags: list[str] = field(default_factory=list)


@flow_state("test-other-draft", draft=True)
class OtherDraft(FlowState):
    text: str | None = None


@flow_state("test-context")
class Opened(FlowState):
    card: int | None = None


def make_ctx(data: dict) -> Ctx:
    state = DialogState(screen="menu", data={"pid": 1, **data})
    return Ctx(SimpleNamespace(), Event("tg", "1", "text"), 1, state)  # type: ignore[arg-type]


def test_kept_with_the_dialog_state_and_read_back():
    ctx = make_ctx({})
    assert not ctx.has_flow(Draft)
    draft = ctx.flow(Draft)
    draft.text, draft.count, draft.tags = "привет", 2, ["a"]
    assert ctx.flow(Draft) is draft  # one object for the event
    ctx.keep_flows()
    again = make_ctx({"test-draft": ctx.state.data["test-draft"]}).flow(Draft)
    assert (again.text, again.count, again.tags) == ("привет", 2, ["a"])


def test_what_does_not_fit_starts_fresh():
    for kept in ({"count": "2"}, {"count": True}, {"tags": [1]}, {"text": 5}, "x", 7):
        draft = make_ctx({"test-draft": kept}).flow(Draft)
        assert (draft.text, draft.count, draft.tags) == (None, 0, []), kept
    # unknown keys (an older shape) are ignored, known ones kept
    draft = make_ctx({"test-draft": {"count": 3, "gone": 1}}).flow(Draft)
    assert draft.count == 3


def test_ended_and_dropped():
    ctx = make_ctx({"test-draft": {"count": 3}, "other": 1})
    assert ctx.has_flow(Draft)
    ctx.end_flow(Draft)
    assert not ctx.has_flow(Draft) and "test-draft" not in ctx.state.data
    ctx.flow(Draft).count = 5
    ctx.drop_flows()
    ctx.keep_flows()
    assert set(ctx.state.data) == {"pid"}


def test_a_flow_may_not_take_the_engine_s_keys():
    import pytest

    for key in ("pid", "me", "teen", "typed"):
        with pytest.raises(TypeError, match="engine"):

            @flow_state(key)
            class Clash(FlowState):
                x: int = 0


def test_beginning_a_flow_drops_the_other_drafts_and_keeps_the_contexts():
    """A child's data half typed, then a new announcement begun: the child's draft goes
    (nothing personal lingers in the state); the open card stays for "back"."""
    ctx = make_ctx({"test-draft": {"text": "Иванова"}, "test-context": {"card": 7}})
    ctx.flow(Draft).count = 2  # loaded in this event too
    fresh = ctx.begin(OtherDraft)
    assert fresh.text is None
    ctx.keep_flows()
    assert "test-draft" not in ctx.state.data
    assert ctx.state.data["test-context"] == {"card": 7}
    assert ctx.state.data["test-other-draft"] == {"text": None}
    # beginning the same flow again starts it fresh
    ctx.flow(OtherDraft).text = "x"
    assert ctx.begin(OtherDraft).text is None
