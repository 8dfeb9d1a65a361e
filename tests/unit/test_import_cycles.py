"""Imports between our modules go one way: no module of marketplace, matching or scheduling reaches itself again
through the imports of others, whether those imports sit at the top of a file or inside a function (an import
hidden in a function is still a dependency; it only moves the failure from import time to run time).

The graph is read from the AST of every file, so nothing is imported to build it. Imports under
``if TYPE_CHECKING:`` are left out (they never run). ``from package import module`` is an edge to the module.
Importing ``a.b.c`` also runs the module-level code of ``a/__init__.py`` and ``a/b/__init__.py`` (unless the
importer lives in them, so they are already running): that is an edge to the package's import-time node,
``a (package)``, which carries only the package's module-level imports (so
``create_app``'s blueprint imports, inside a function of ``marketplace/__init__.py``, are not run by importing
``marketplace.core.db``; they are edges of ``marketplace`` itself, which only the app's entry points import).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
OURS = ("marketplace", "matching", "scheduling")
PACKAGE_NODE = " (package)"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path, packages: tuple[str, ...] = OURS) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``: dotted name → file."""
    return {module_name(path, root): path for package in packages for path in sorted((root / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, top_level_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements, skipping ``if TYPE_CHECKING:`` bodies (and function bodies when ``top_level_only``)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if top_level_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _targets(node: ast.Import | ast.ImportFrom, current: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ours one import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = current.split(".") if is_package else current.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        # `from package import module` imports the module; `from module import name` only the module.
        names = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module for alias in node.names]
    found = set()
    for name in names:
        while name and name not in known:  # `import a.b.missing` still runs a.b
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Edges between ``modules`` (and their packages' import-time nodes)."""
    known = set(modules)
    graph: dict[str, set[str]] = {}

    def edges(name: str, *, top_level_only: bool) -> set[str]:
        path = modules[name]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        # The packages this module is in have started importing before it; importing them again runs nothing.
        running = {*_ancestors(name), name}
        out: set[str] = set()
        for node in _imports(tree, top_level_only=top_level_only):
            for target in _targets(node, name, path.name == "__init__.py", known):
                out.add(target)
                out |= {a + PACKAGE_NODE for a in _ancestors(target) if a in known and a not in running}
        out.discard(name)
        return out

    for name, path in modules.items():
        graph[name] = edges(name, top_level_only=False)
        if path.name == "__init__.py":
            graph[name + PACKAGE_NODE] = edges(name, top_level_only=True)
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (modules that reach each other), each sorted."""
    reach = {node: reachable(graph, node) for node in graph}
    components = {
        frozenset({node} | {other for other in reach[node] if node in reach.get(other, ())}) for node in graph
    }
    return sorted(sorted(c) for c in components if len(c) > 1)


def describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    lines = [f"{len(component)} modules import each other:"]
    lines += [f"  {m} -> {', '.join(sorted(graph[m] & members))}" for m in component]
    return "\n".join(lines)


def test_no_import_cycles_between_our_modules():
    modules = discover(ROOT)
    graph = import_graph(modules)

    found = cycles(graph)

    assert len(modules) > 150
    assert not found, "\n".join(describe(c, graph) for c in found)


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "marketplace"
    (pkg / "things").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "things" / "__init__.py").write_text("")
    (pkg / "things" / "services.py").write_text("from marketplace.things import jobs\n")
    (pkg / "things" / "jobs.py").write_text("def run():\n    from marketplace.things.services import go\n")
    (pkg / "things" / "views.py").write_text(
        "from typing import TYPE_CHECKING\nfrom . import services\nif TYPE_CHECKING:\n    from . import views\n"
    )

    graph = import_graph(discover(tmp_path, ("marketplace",)))

    assert cycles(graph) == [["marketplace.things.jobs", "marketplace.things.services"]]
    assert "marketplace.things.services" in graph["marketplace.things.views"]


def test_checker_ignores_type_checking_imports_and_function_imports_of_a_package_init(tmp_path):
    pkg = tmp_path / "marketplace"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("def create_app():\n    from marketplace.core import db\n")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "db.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from marketplace.core.models import M\n"
    )
    (pkg / "core" / "models.py").write_text("from marketplace.core.db import x\n")

    graph = import_graph(discover(tmp_path, ("marketplace",)))

    assert cycles(graph) == []
    assert graph["marketplace"] == {"marketplace.core.db", "marketplace.core (package)"}
