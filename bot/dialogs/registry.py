"""Where the flows register their screens, button actions, text and location answers and
commands; the engine dispatches through it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


@dataclass
class Registry:
    screens: dict[Screens, ScreenFn] = field(default_factory=dict)
    actions: dict[type[Action], tuple[ActionFn, frozenset[Screens] | None]] = field(
        default_factory=dict
    )
    texts: dict[Screens, TextFn] = field(default_factory=dict)
    locations: dict[Screens, LocationFn] = field(default_factory=dict)
    commands: dict[str, TextFn] = field(default_factory=dict)

    def screen(self, name: Screens) -> Callable[[ScreenFn], ScreenFn]:
        def deco(fn: ScreenFn) -> ScreenFn:
            if name in self.screens:
                raise TypeError(f"screen {name!r} is registered already")
            self.screens[name] = fn
            return fn

        return deco

    def action(
        self, kind: type[A], *, on: tuple[Screens, ...] | None = None
    ) -> Callable[[Callable[[Ctx, A], Awaitable[Screen]]], Callable[[Ctx, A], Awaitable[Screen]]]:
        """The handler of a button's action (a class of bot/dialogs/actions.py); ``on``:
        the screens it can be pressed from, elsewhere it is stale."""

        def deco(
            fn: Callable[[Ctx, A], Awaitable[Screen]],
        ) -> Callable[[Ctx, A], Awaitable[Screen]]:
            if kind in self.actions:
                raise TypeError(f"{kind.__name__} has a handler already")
            self.actions[kind] = (fn, frozenset(on) if on else None)
            return fn

        return deco

    def text(self, *screens: Screens) -> Callable[[TextFn], TextFn]:
        def deco(fn: TextFn) -> TextFn:
            for name in screens:
                self.texts[name] = fn
            return fn

        return deco

    def location(self, *screens: Screens) -> Callable[[LocationFn], LocationFn]:
        def deco(fn: LocationFn) -> LocationFn:
            for name in screens:
                self.locations[name] = fn
            return fn

        return deco

    def command(self, *names: str) -> Callable[[TextFn], TextFn]:
        def deco(fn: TextFn) -> TextFn:
            for name in names:
                self.commands[name] = fn
            return fn

        return deco


registry = Registry()
