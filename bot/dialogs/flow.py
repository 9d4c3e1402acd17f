"""A flow is an object, in the manner of aiogram's ``Router``: a module makes one
(``flow = Flow("search", teen=True)``) and declares its screens, button actions, text and
location answers and commands on it. Nothing registers itself by being imported: the
engine is built from an explicit tuple of flows (bot/dialogs/flows/__init__.py), joined
into one table by ``Routes``, which refuses a screen, an action, an input or a command
that two flows both claim."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.dialogs.actions import Action
from bot.dialogs.screen import Screen
from bot.dialogs.screens import Screens

if TYPE_CHECKING:
    from bot.dialogs.context import Ctx

ScreenFn = Callable[["Ctx"], Awaitable[Screen]]
TextFn = Callable[["Ctx", str], Awaitable[Screen]]  # typed text, or a command's argument
LocationFn = Callable[["Ctx", float, float], Awaitable[Screen]]
ActionFn = Callable[["Ctx", Any], Awaitable[Screen]]
A = TypeVar("A", bound=Action)


def _claim(table: dict[Any, Any], key: object, value: object, what: str) -> None:
    if key in table:
        raise TypeError(f"{what} is declared twice")
    table[key] = value


@dataclass(eq=False)
class Flow:
    """One flow's screens and handlers. ``teen``: a child's own account (14+) may use it
    (otherwise it is the parent's, or staff's); a command or button of another flow that
    everyone has (the menu, the language) is declared with ``teen=True`` itself.
    ``alone``: a child's own account may use it while the family has no parent's account
    (the child registered alone, flows/teen_own.py): the family's data are the child's
    then, and so are the consent and its withdrawal; once a parent joins, the flow is the
    parent's again. The engine asks the core which it is (``family.teen_alone``)."""

    name: str
    teen: bool = False
    alone: bool = False
    screens: dict[Screens, ScreenFn] = field(default_factory=dict)
    actions: dict[type[Action], tuple[ActionFn, frozenset[Screens] | None]] = field(
        default_factory=dict
    )
    texts: dict[Screens, TextFn] = field(default_factory=dict)
    # the screens whose typed text may be longer than the engine's general limit
    text_limits: dict[Screens, int] = field(default_factory=dict)
    locations: dict[Screens, LocationFn] = field(default_factory=dict)
    commands: dict[str, TextFn] = field(default_factory=dict)
    # the actions and commands a child's own account may use in a flow not theirs
    everyone: set[type[Action] | str] = field(default_factory=set)

    def screen(self, name: Screens) -> Callable[[ScreenFn], ScreenFn]:
        def deco(fn: ScreenFn) -> ScreenFn:
            _claim(self.screens, name, fn, f"screen {name.value!r}")
            return fn

        return deco

    def action(
        self, kind: type[A], *, on: tuple[Screens, ...] | None = None, teen: bool = False
    ) -> Callable[[Callable[[Ctx, A], Awaitable[Screen]]], Callable[[Ctx, A], Awaitable[Screen]]]:
        """The handler of a button's action (a class of bot/dialogs/actions.py); ``on``:
        the screens it can be pressed from, elsewhere it is stale; ``teen``: a child's own
        account may press it even when the flow is not theirs."""

        def deco(
            fn: Callable[[Ctx, A], Awaitable[Screen]],
        ) -> Callable[[Ctx, A], Awaitable[Screen]]:
            _claim(self.actions, kind, (fn, frozenset(on) if on else None), kind.__name__)
            if teen:
                self.everyone.add(kind)
            return fn

        return deco

    def text(self, *screens: Screens, longest: int | None = None) -> Callable[[TextFn], TextFn]:
        """The answer to text typed on these screens; ``longest``: the longest text they
        take, when it is not the engine's general limit (an announcement's 2,000)."""

        def deco(fn: TextFn) -> TextFn:
            for name in screens:
                _claim(self.texts, name, fn, f"text on {name.value!r}")
                if longest is not None:
                    self.text_limits[name] = longest
            return fn

        return deco

    def location(self, *screens: Screens) -> Callable[[LocationFn], LocationFn]:
        def deco(fn: LocationFn) -> LocationFn:
            for name in screens:
                _claim(self.locations, name, fn, f"location on {name.value!r}")
            return fn

        return deco

    def command(self, *names: str, teen: bool = False) -> Callable[[TextFn], TextFn]:
        """``teen``: a child's own account may use it even when the flow is not theirs."""

        def deco(fn: TextFn) -> TextFn:
            for name in names:
                _claim(self.commands, name, fn, f"command /{name}")
                if teen:
                    self.everyone.add(name)
            return fn

        return deco


@dataclass
class Routes:
    """The flows joined into the table the engine dispatches through; ``teen`` holds the
    actions and commands a child's own account may use (of a teen flow, or declared so);
    ``alone`` those it may use only while the family has no parent's account."""

    screens: dict[Screens, ScreenFn] = field(default_factory=dict)
    actions: dict[type[Action], tuple[ActionFn, frozenset[Screens] | None]] = field(
        default_factory=dict
    )
    texts: dict[Screens, TextFn] = field(default_factory=dict)
    text_limits: dict[Screens, int] = field(default_factory=dict)
    locations: dict[Screens, LocationFn] = field(default_factory=dict)
    commands: dict[str, TextFn] = field(default_factory=dict)
    teen: set[type[Action] | str] = field(default_factory=set)
    alone: set[type[Action] | str] = field(default_factory=set)

    @classmethod
    def build(cls, flows: Iterable[Flow]) -> Routes:
        routes = cls()
        names: set[str] = set()
        for flow in flows:
            if flow.name in names:
                raise TypeError(f"flow {flow.name!r} is listed twice")
            names.add(flow.name)
            parts: list[tuple[dict[Any, Any], dict[Any, Any], str]] = [
                (routes.screens, flow.screens, "screen"),
                (routes.actions, flow.actions, "action"),
                (routes.texts, flow.texts, "text on"),
                (routes.text_limits, flow.text_limits, "text limit on"),
                (routes.locations, flow.locations, "location on"),
                (routes.commands, flow.commands, "command"),
            ]
            for table, own, what in parts:
                for key, value in own.items():
                    label = getattr(key, "__name__", getattr(key, "value", key))
                    _claim(table, key, value, f"{what} {label!r} (flow {flow.name!r})")
            routes.teen |= {*flow.actions, *flow.commands} if flow.teen else flow.everyone
            if flow.alone and not flow.teen:
                routes.alone |= {*flow.actions, *flow.commands}
        return routes
