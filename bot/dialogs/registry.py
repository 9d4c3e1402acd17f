"""Where the flows register their screens, button actions, text and location answers and
commands; the engine dispatches through it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.dialogs.screen import Screen

if TYPE_CHECKING:
    from bot.dialogs.engine import Ctx

ScreenFn = Callable[["Ctx"], Awaitable[Screen]]
ActionFn = Callable[..., Awaitable[Screen]]


@dataclass
class Registry:
    screens: dict[str, ScreenFn] = field(default_factory=dict)
    actions: dict[str, tuple[ActionFn, frozenset[str] | None]] = field(default_factory=dict)
    texts: dict[str, Callable[[Ctx, str], Awaitable[Screen]]] = field(default_factory=dict)
    locations: dict[str, Callable[[Ctx, float, float], Awaitable[Screen]]] = field(
        default_factory=dict
    )
    commands: dict[str, Callable[[Ctx, str], Awaitable[Screen]]] = field(default_factory=dict)

    def screen(self, name: str):  # type: ignore[no-untyped-def]
        def deco(fn: ScreenFn) -> ScreenFn:
            self.screens[name] = fn
            return fn

        return deco

    def action(self, name: str, *, on: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
        """``on``: the screens this button can be pressed from; elsewhere it is stale."""

        def deco(fn: ActionFn) -> ActionFn:
            self.actions[name] = (fn, frozenset(on) if on else None)
            return fn

        return deco

    def text(self, *screens: str):  # type: ignore[no-untyped-def]
        def deco(fn):  # type: ignore[no-untyped-def]
            for name in screens:
                self.texts[name] = fn
            return fn

        return deco

    def location(self, *screens: str):  # type: ignore[no-untyped-def]
        def deco(fn):  # type: ignore[no-untyped-def]
            for name in screens:
                self.locations[name] = fn
            return fn

        return deco

    def command(self, *names: str):  # type: ignore[no-untyped-def]
        def deco(fn):  # type: ignore[no-untyped-def]
            for name in names:
                self.commands[name] = fn
            return fn

        return deco


registry = Registry()
