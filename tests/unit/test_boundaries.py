"""The two libraries stay libraries: `matching` (ranking) and `scheduling` (roadshow days) never import the
app, the web stack or the database; only the app's settings module reads the environment."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"marketplace", "flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "sqlmodel", "rq", "redis"}
SCHEDULING_ALLOWED = set(sys.stdlib_module_names) | {"ortools", "scheduling"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            roots.add(".relative")  # a relative import would hide where a module comes from
    return roots


def test_matching_never_imports_marketplace_or_web_stack():
    files = sorted((ROOT / "matching").rglob("*.py"))

    offenders = {str(f.relative_to(ROOT)): imported_roots(f) & FORBIDDEN for f in files}

    assert files
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_scheduling_imports_only_the_standard_library_ortools_and_itself():
    files = sorted((ROOT / "scheduling").rglob("*.py"))

    offenders = {str(f.relative_to(ROOT)): imported_roots(f) - SCHEDULING_ALLOWED for f in files}

    assert len(files) >= 8
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_boundary_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from marketplace.core.db import db\nimport numpy\n")

    assert imported_roots(sample) & FORBIDDEN == {"marketplace"}


def test_scheduling_check_catches_flask_numpy_marketplace_and_relative_imports(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import flask\nfrom numpy import array\nfrom marketplace.core.db import db\nimport ortools\n"
        "from .model import Instance\nfrom scheduling.model import Pitch\n"
    )

    assert imported_roots(sample) - SCHEDULING_ALLOWED == {"flask", "numpy", "marketplace", ".relative"}


def test_only_config_and_factory_read_the_environment():
    readers = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "marketplace").rglob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8") or "os.getenv" in p.read_text(encoding="utf-8")
    )

    assert readers == ["marketplace/core/config.py"]
