"""The screen graph, read from the flows' code: from every screen, its buttons' actions, the
handlers of those actions and the screens they show; what a screen's typed-text and
location handlers show. Every screen is reachable from the menu, and from every screen
the menu is reachable again: nobody is stranded."""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

from bot.dialogs.actions import ACTIONS, OpenMenu
from bot.dialogs.flow import Routes
from bot.dialogs.flows import FLOWS
from bot.dialogs.screens import Screens

FLOWS_DIR = Path(__file__).resolve().parents[2] / "bot" / "dialogs" / "flows"
ACTION_NAMES = {cls.__name__: cls for cls in ACTIONS.values()}
HELPERS = {"menu_button": {OpenMenu.__name__}}  # helpers that make a button


def _screens_named(node: ast.AST) -> set[Screens]:
    """``Screens.X``, and ``Screens(f"ask-{…}")`` as every screen with that prefix."""
    found: set[Screens] = set()
    for n in ast.walk(node):
        if (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "Screens"
            and n.attr in Screens.__members__
        ):
            found.add(Screens[n.attr])
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Screens":
            arg = n.args[0] if n.args else None
            if isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefix = str(arg.values[0].value)
                found |= {s for s in Screens if s.value.startswith(prefix)}
    return found


def _names(node: ast.AST) -> set[str]:
    """Names used, and attributes of a module used by name (``child_form.AddChild``)."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    found |= {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }
    return found


def _decorator(fn: ast.AsyncFunctionDef | ast.FunctionDef, kind: str) -> ast.Call | None:
    for d in fn.decorator_list:
        if (
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr == kind
            and isinstance(d.func.value, ast.Name)
            and d.func.value.id == "flow"
        ):
            return d
    return None


class Flows:
    def __init__(self) -> None:
        self.functions: dict[str, ast.AsyncFunctionDef | ast.FunctionDef] = {}
        self.screen_fn: dict[Screens, str] = {}
        self.handler_of: dict[str, str] = {}  # action class name -> handler function
        self.inputs: dict[Screens, set[str]] = {}  # typed text / location handlers
        for path in sorted(FLOWS_DIR.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef):
                    continue
                key = f"{path.stem}.{fn.name}"
                self.functions[key] = fn
                if (d := _decorator(fn, "screen")) is not None:
                    for s in _screens_named(d):
                        self.screen_fn[s] = key
                if (d := _decorator(fn, "action")) is not None and isinstance(d.args[0], ast.Name):
                    self.handler_of[d.args[0].id] = key
                for kind in ("text", "location"):
                    if (d := _decorator(fn, kind)) is not None:
                        for s in _screens_named(d):
                            self.inputs.setdefault(s, set()).add(key)
        self.module_of = {k: k.split(".")[0] for k in self.functions}

    def _calls(self, key: str) -> set[str]:
        """Module functions this one calls (same module, or another flow's by name)."""
        fn = self.functions[key]
        body = ast.Module(body=fn.body, type_ignores=[])
        called = set()
        for name in _names(body):
            same = f"{self.module_of[key]}.{name}"
            if same in self.functions:
                called.add(same)
        return called

    def shown_by(self, key: str) -> set[Screens]:
        """The screens a function shows, itself or through the functions it calls."""
        seen, todo, found = {key}, [key], set()
        while todo:
            current = todo.pop()
            found |= _screens_named(ast.Module(body=self.functions[current].body, type_ignores=[]))
            for nxt in self._calls(current):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return found

    def actions_on(self, screen: Screens) -> set[str]:
        """The action classes whose buttons the screen's function builds."""
        key = self.screen_fn[screen]
        names: set[str] = set()
        todo, seen = [key], {key}
        while todo:
            current = todo.pop()
            fn = self.functions[current]
            body = ast.Module(body=fn.body, type_ignores=[])
            for name in _names(body):
                if name in ACTION_NAMES:
                    names.add(name)
                names |= HELPERS.get(name, set())
            for nxt in self._calls(current):
                # helpers that build rows, not other screens' functions
                if nxt not in seen and nxt not in self.screen_fn.values():
                    seen.add(nxt)
                    todo.append(nxt)
        return names

    def edges(self, screen: Screens) -> set[Screens]:
        out = set(
            _screens_named(
                ast.Module(body=self.functions[self.screen_fn[screen]].body, type_ignores=[])
            )
        )
        for action in self.actions_on(screen):
            handler = self.handler_of.get(action)
            if handler is not None:
                out |= self.shown_by(handler)
        for handler in self.inputs.get(screen, ()):
            out |= self.shown_by(handler)
        return out


def _reachable(start: Screens, edges: dict[Screens, set[Screens]]) -> set[Screens]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in edges[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_code_and_the_registry_agree():
    flows = Flows()
    assert set(flows.screen_fn) == set(Routes.build(FLOWS).screens) == set(Screens)


def test_every_screen_is_reachable_from_the_menu_and_leads_back_to_it():
    flows = Flows()
    edges = {s: flows.edges(s) for s in Screens}
    unreachable = set(Screens) - _reachable(Screens.MENU, edges)
    assert unreachable == set(), sorted(unreachable)
    stranded = {s for s in Screens if Screens.MENU not in _reachable(s, edges)}
    assert stranded == set(), sorted(stranded)


def test_the_graph_is_read_from_the_code():
    """The reading itself: a few edges that must be there."""
    flows = Flows()
    assert Screens.CHILD in flows.edges(Screens.CHILDREN)
    assert Screens.CHILD_REMOVE_CONFIRM in flows.edges(Screens.CHILD)
    assert Screens.ASK_NAME in flows.edges(Screens.ASK_SURNAME)  # a typed answer
    assert Screens.MENU in flows.edges(Screens.BC_TEXT)  # its cancel button
