"""Issue 28, the family's side on the fake core: adding a child another family holds
offers the dispute, with the refusal's words above it; filing it sends the child as typed
and ends the draft. Adding any other way refused keeps the engine's refusal."""

from __future__ import annotations

import pytest

from bot.dialogs.flows import child_form, disputes
from bot.dialogs.screens import Screens
from core.errors import DomainError
from tests.support.fake_core import FakeCore
from tests.unit.test_screens import VARIANTS, make_ctx, scene


def _refusing(code: str) -> FakeCore:
    core = FakeCore(scene(VARIANTS[0]))

    async def add_child(parent_id, data):  # type: ignore[no-untyped-def]
        raise DomainError(code)

    core.family.add_child = add_child  # type: ignore[method-assign]
    return core


def _adding(core: FakeCore):  # type: ignore[no-untyped-def]
    ctx = make_ctx("ru", core)
    ctx.state.data["child-draft"]["id"] = None  # a new child, not an edit
    ctx.state.screen = Screens.CHILD_CONFIRM
    return ctx


async def test_a_child_held_by_another_family_offers_the_dispute():
    core = _refusing("child_registered_elsewhere")
    ctx = _adding(core)
    screen = await child_form.child_save(ctx, child_form.SaveChild())
    assert ctx.state.screen == Screens.DISPUTE_OFFER
    keys = [getattr(p, "key", None) for p in screen.parts]
    assert "child_registered_elsewhere" in keys and "dispute-offer" in keys
    actions = [type(b.action) for row in screen.rows for b in row]
    assert disputes.FileDispute in actions and child_form.CancelChild in actions

    await disputes.file(ctx, disputes.FileDispute())
    assert ctx.state.screen == Screens.CHILDREN
    [(name, (data,))] = core.calls
    assert name == "disputes.file"
    assert (data.surname, data.name, data.snils, data.municipality_id) == (
        "Иванова",
        "Мария",
        "11223344595",
        1,
    )
    assert not ctx.has_flow(child_form.ChildDraft)  # the draft ended with the filing


async def test_any_other_refusal_is_the_engine_s():
    ctx = _adding(_refusing("consent_required"))
    with pytest.raises(DomainError) as err:
        await child_form.child_save(ctx, child_form.SaveChild())
    assert err.value.code == "consent_required"
