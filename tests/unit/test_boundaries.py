"""The ranking library stays a library: no web, database or marketplace imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"marketplace", "flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "sqlmodel", "rq",
             "redis"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_matching_never_imports_marketplace_or_web_stack():
    files = sorted((ROOT / "matching").rglob("*.py"))

    offenders = {str(f.relative_to(ROOT)): imported_roots(f) & FORBIDDEN for f in files}

    assert files
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_boundary_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from marketplace.db import db\nimport numpy\n")

    assert imported_roots(sample) & FORBIDDEN == {"marketplace"}


def test_only_config_and_factory_read_the_environment():
    readers = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "marketplace").rglob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8") or "os.getenv" in p.read_text(encoding="utf-8")
    )

    assert readers == ["marketplace/config.py"]
