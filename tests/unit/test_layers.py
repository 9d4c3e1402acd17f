"""The core knows nothing of the messengers: it imports nothing from ``bot``, and no string
in its code is a platform's name (a platform is an opaque key the surfaces register).
A messenger's package imports no other messenger's package."""

from __future__ import annotations

import ast
from pathlib import Path

from bot import platforms

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
    packages = platforms.PACKAGES
    offenders = []
    for name in packages:
        for path in _modules(f"bot/platforms/{name}"):
            for module in _imports(ast.parse(path.read_text())):
                for other in packages:
                    if other != name and module.startswith(f"bot.platforms.{other}"):
                        offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []


def test_every_registered_platform_is_complete():
    keys = [p.key for p in platforms.all_platforms()]
    assert len(set(keys)) == len(keys)
    for p in platforms.all_platforms():
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
