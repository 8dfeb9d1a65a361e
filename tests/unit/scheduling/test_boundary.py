"""The scheduling package stays a library: only the standard library and OR-Tools."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest


pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
ALLOWED = set(sys.stdlib_module_names) | {"ortools", "marketplace"}


def test_scheduling_imports_only_the_standard_library_and_ortools():
    files = sorted((ROOT / "marketplace" / "scheduling").rglob("*.py"))

    offenders = {str(f.relative_to(ROOT)): imported_roots(f) - ALLOWED for f in files}

    assert len(files) >= 8
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_scheduling_imports_from_marketplace_only_its_own_package():
    files = sorted((ROOT / "marketplace" / "scheduling").rglob("*.py"))

    outside = {str(f.relative_to(ROOT)): sorted(_marketplace_modules(f) - {"marketplace.scheduling"}) for f in files}

    assert {f: mods for f, mods in outside.items() if mods} == {}


def test_boundary_check_catches_flask_numpy_and_other_marketplace_modules(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import flask\nfrom numpy import array\nfrom marketplace.db import db\nimport ortools\n")

    assert imported_roots(sample) - ALLOWED == {"flask", "numpy"}
    assert _marketplace_modules(sample) == {"marketplace.db"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            roots.add(".relative")  # relative imports would hide where a module comes from
    return roots


def _marketplace_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
        for name in names:
            if name.split(".")[0] == "marketplace":
                out.add(".".join(name.split(".")[:2]))
    return out
