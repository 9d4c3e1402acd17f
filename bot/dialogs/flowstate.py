"""A flow's own state: a dataclass of typed fields, kept in the person's dialog state under
the flow's key and nowhere else, read and written through ``ctx.flow(State)``.

    @flow_state("broadcast")
    class Draft(FlowState):
        text: str | None = None
        dirs: list[str] = field(default_factory=list)

    draft = ctx.begin(Draft)       # a fresh one; every other flow's draft is dropped
    draft = ctx.flow(Draft)        # what was kept, or a fresh one
    draft.text = "…"               # written back with the person's state
    ctx.end_flow(Draft)            # dropped (also by /cancel, with every flow's data)

A state is a draft (``draft=True``: what a person is in the middle of writing — a child's
data, an announcement, an application) or a context (which card, list or page is open:
"back" needs it across flows). Starting a flow (``ctx.begin``) drops every other draft, so
no half-written child's data or announcement stays behind while the person does something
else; contexts stay.

What was kept and no longer fits the class (a deploy changed it, or it was tampered with)
starts fresh instead of failing. Only JSON values: str, int, bool, None, lists of them.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform

from core.errors import DomainError

FLOW_STATES: dict[str, type[FlowState]] = {}
DRAFTS: set[str] = set()  # the keys of the states that are drafts
# what the engine keeps in a person's state: the parent's id, their cached view, a child's
# own account; and words typed where a button was expected. No flow's key may be one.
ENGINE_KEYS = frozenset({"pid", "me", "teen"})
TYPED = "typed"
F = TypeVar("F", bound=type["FlowState"])
S = TypeVar("S", bound="FlowState")


class FlowState:
    KEY: ClassVar[str] = ""

    def dump(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload,no-any-return]

    @classmethod
    def load(cls: type[S], raw: object) -> S:
        """The kept state, or a fresh one when it does not fit."""
        if not isinstance(raw, dict):
            return cls()
        values: dict[str, Any] = {}
        for name, kind in _fields(cls):
            if name not in raw:
                continue
            value = raw[name]
            if not _fits(value, kind):
                return cls()
            values[name] = value
        return cls(**values)


_FIELDS: dict[type[FlowState], tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type[FlowState]) -> tuple[tuple[str, Any], ...]:
    """A state's fields and their types, worked out once per class (the annotations are
    strings until typing evaluates them, which is slow to do on every event)."""
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        known = _FIELDS[cls] = tuple((f.name, hints[f.name]) for f in fields)
    return known


V = TypeVar("V")


def need(value: V | None, code: str = "stale-button") -> V:
    """A field of a flow's state that must be set by now: a press that finds it unset is
    refused with ``code`` (a stale button, by default)."""
    if value is None:
        raise DomainError(code)
    return value


def _fits(value: object, kind: Any) -> bool:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return any(_fits(value, k) for k in typing.get_args(kind))
    if kind is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(kind) or (Any,)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if kind is Any:
        return True
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


@dataclass_transform()
def flow_state(key: str, *, draft: bool = False) -> Callable[[F], F]:
    """Make the class a dataclass kept under ``key`` in the person's dialog state; a
    ``draft`` is dropped when another flow begins."""

    def deco(cls: F) -> F:
        if key in ENGINE_KEYS or key == TYPED:
            raise TypeError(f"flow state key {key!r} is the engine's")
        if key in FLOW_STATES and FLOW_STATES[key].__qualname__ != cls.__qualname__:
            raise TypeError(f"flow state key {key!r} is taken by {FLOW_STATES[key].__name__}")
        made: Any = dataclasses.dataclass(cls)
        made.KEY = key
        FLOW_STATES[key] = made
        if draft:
            DRAFTS.add(key)
        return typing.cast(F, made)

    return deco
