"""The core knows nothing of the messengers: it imports nothing from ``bot``, and no string
in its code is a platform's name (a platform is an opaque key its handler package declares).
A messenger's package imports no other messenger's package."""

from __future__ import annotations

import ast
from pathlib import Path

from bot import handlers

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"tg", "vk", "max", "console", "telegram", "вконтакте"}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            ids.add(id(body[0].value))
    return ids


def test_core_imports_nothing_from_bot():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules("core")
        for name in _imports(ast.parse(path.read_text()))
        if name == "bot" or name.startswith("bot.")
    ]
    assert offenders == []


def test_core_names_no_platform():
    offenders = []
    for path in _modules("core"):
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in skip:
                    continue
                value = node.value.lower()
                if value in NAMES or any(value.startswith(f"{n}:") for n in NAMES):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_a_messenger_package_imports_no_other():
    packages = handlers.PACKAGES
    offenders = []
    for name in packages:
        for path in _modules(f"bot/handlers/{name}"):
            for module in _imports(ast.parse(path.read_text())):
                for other in packages:
                    if other != name and module.startswith(f"bot.handlers.{other}"):
                        offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []


def test_every_registered_platform_is_complete():
    keys = [p.key for p in handlers.all_platforms()]
    assert len(set(keys)) == len(keys)
    for p in handlers.all_platforms():
        assert p.key.isascii() and p.key.islower() and len(p.key) <= 8
        assert callable(p.serve) and callable(p.sender) and callable(p.problem)


def test_flows_do_not_reach_into_the_engine():
    """A flow sees the person, the state and the core through its Ctx; the engine, its
    database, clock and time zone are the Ctx's business (ctx.today(), ctx.zone …)."""
    offenders = []
    for path in sorted((ROOT / "bot" / "dialogs" / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"engine", "db", "reader", "uow"}:
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []


def test_flows_keep_their_state_typed():
    """No flow reads or writes the dialog state's raw dict: each keeps a typed state of its
    own (ctx.flow(State), bot/dialogs/flowstate.py)."""
    offenders = []
    for path in sorted((ROOT / "bot" / "dialogs" / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "data":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


DIALOGS_MAY_IMPORT = ("core.port", "core.errors", "core.rules")


def test_the_dialogs_reach_the_core_only_through_its_port():
    """Flows, the engine and a flow's context import from the core only its port, its
    errors and its rules (pure functions): no service, no database, no unit of work."""
    offenders = []
    for path in _modules("bot/dialogs"):
        tree = ast.parse(path.read_text())
        for name in _imports(tree):
            if (name == "core" or name.startswith("core.")) and not name.startswith(
                DIALOGS_MAY_IMPORT
            ):
                offenders.append(f"{path.relative_to(ROOT)}: imports {name}")
    assert offenders == []


def test_the_port_check_reads_the_flows():
    """The checks above are not vacuous: they read the flows they mean to."""
    flows = [p for p in _modules("bot/dialogs") if p.parent.name == "flows"]
    assert len(flows) >= 10
    used = {n for p in flows for n in _imports(ast.parse(p.read_text()))}
    assert "core.port" in used


# --- the import graph: no circles, and the core's areas in their order ----------------------
#
# Every import counts: at the top of a module, inside a function (the usual way to keep a
# circle alive) and under ``if TYPE_CHECKING`` (a circle for the reader all the same).


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph(*packages: str) -> dict[str, set[str]]:
    """module -> the modules of ``packages`` it imports (the deepest module an import names:
    ``from core.family import parents`` is core.family.parents, not the package)."""
    paths = {
        _module_name(p): p
        for package in packages
        for p in _modules(package)
        if "migrations" not in p.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            named: list[str] = []
            if isinstance(node, ast.Import):
                named = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                named = [f"{module}.{a.name}" for a in node.names] + [module]
                # "from package import module" names the module; else the package itself
                named = [n for n in named[:-1] if n in paths] or [module]
            for target in named:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_circle_check_finds_a_circle():
    """Not vacuous: a circle made by hand is found, through an import inside a function."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_imports_inside_functions():
    graph = _graph("core", "bot")
    assert len(graph) >= 100
    assert sum(len(t) for t in graph.values()) >= 300


def test_no_import_circle_in_core():
    assert _circles(_graph("core")) == []


def test_no_import_circle_in_bot():
    assert _circles(_graph("bot")) == []


# The core in layers, lowest first: a module may import its own layer and the layers before
# it, never one after. The kernel knows no area; each area knows only the kernel and the
# areas before it; the use cases (one module per port area, each owning its transactions)
# and the port sit on top. README "How it is built" says why the areas are in this order.
CORE_LAYERS: tuple[tuple[str, ...], ...] = (
    ("core.errors", "core.rules"),
    ("core.storage",),
    ("core.outbox", "core.audit"),
    ("core.ledger",),
    ("core.register",),
    ("core.family",),
    ("core.certificates",),
    ("core.enrolment",),
    ("core.catalogue",),
    ("core.accounting",),
    ("core.broadcasts",),
    ("core.staff",),
    ("core.reports",),
    ("core.port",),
    ("core.usecases", "core.demo"),
)


def _layer(module: str) -> int | None:
    for i, prefixes in enumerate(CORE_LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return i
    return None


def test_every_core_module_is_in_a_layer():
    """A new module cannot dodge the order by living outside the areas."""
    outside = sorted(m for m in _graph("core") if m != "core" and _layer(m) is None)
    assert outside == []


def test_no_core_area_imports_one_after_it():
    offenders = []
    for module, targets in sorted(_graph("core").items()):
        mine = _layer(module)
        if mine is None:
            continue
        for target in sorted(targets):
            theirs = _layer(target)
            if theirs is not None and theirs > mine:
                offenders.append(f"{module} -> {target}")
    assert offenders == []


# --- bot/: the dialogs know no way in or out, and a messenger is added in its package --------

DIALOGS_MAY_NOT_IMPORT = ("bot.handlers", "bot.notify", "bot.app", "bot.runners")


def test_the_dialogs_import_no_handler_worker_or_app():
    """The flows, once for every messenger: bot/dialogs imports no messenger's package, not
    the outbound worker, not the app that wires them (every import counts, as above)."""
    offenders = [
        f"{module} -> {target}"
        for module, targets in sorted(_graph("bot").items())
        if module.startswith("bot.dialogs")
        for target in sorted(targets)
        if target.startswith(DIALOGS_MAY_NOT_IMPORT)
    ]
    assert offenders == []


def test_adding_a_messenger_touches_neither_config_nor_app():
    """bot/config.py and bot/app.py name no messenger's package: its settings are its
    package's model, and the runner and the worker find it through bot.handlers.PACKAGES."""
    graph = _graph("bot")
    for module in ("bot.config", "bot.app"):
        named = sorted(
            t
            for t in graph[module]
            for p in handlers.PACKAGES
            if t.startswith(f"bot.handlers.{p}")
        )
        assert named == [], module
    source = (ROOT / "bot" / "config.py").read_text()
    for prefix in ("telegram_", "vk_", "max_"):
        assert f"\n    {prefix}" not in source, prefix  # no messenger's field


def test_every_messenger_package_has_its_settings_model():
    for platform in handlers.all_platforms():
        prefix = str(platform.settings.model_config.get("env_prefix", ""))
        assert prefix.endswith("_") and prefix.isupper(), platform.key
        assert platform.settings.__module__.startswith("bot.handlers."), platform.key
