"""The core's import graph has no cycle, counting imports inside functions too (type-checking imports aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import reward_core

PACKAGE = Path(reward_core.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The reward_core modules `path` imports anywhere (functions included), except under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {id(node) for top in ast.walk(tree) if isinstance(top, ast.If)
               and getattr(top.test, "id", None) == "TYPE_CHECKING" for node in ast.walk(top)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] != "reward_core":
                continue
            candidates = [f"{target}.{alias.name}" for alias in node.names] + [target]
            found.update(c for c in candidates if c in MODULES)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
    found.discard(name)
    return found


MODULES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def test_no_import_cycle_in_the_core():
    graph = {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}
    # a cycle through the package itself is only the lazy attribute loader: its imports are not edges
    graph["reward_core"] = set()
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
