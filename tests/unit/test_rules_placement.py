"""Permissions live in one place per domain: a role comparison appears only in a ``rules.py``
(``marketplace/<domain>/rules.py``; the role predicates themselves in ``accounts/rules.py``). Everything else,
templates included, asks a rule. Rules modules sit just above models and queries: they import no services,
forms, views, jobs or web code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from marketplace.accounts.enums import UserRole
from marketplace.accounts.rules import is_bank, is_incubator, is_platform, require_platform
from marketplace.core.errors import PermissionDenied
from tests.factories import a_user

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "marketplace"
# A role compared in a template: `current_user.role.value == ...`, `role in (...)`; showing `role.label` is fine.
TEMPLATE_ROLE_COMPARISON = re.compile(r"\brole(\.value)?\s*(==|!=|\bin\b|\bnot\s+in\b)|\brole\.value\b|UserRole")
# What a rules module may not import: the layers above it.
ABOVE_RULES = re.compile(
    r"\.(services|forms|views|jobs|cli|workspace|notices|nominations)$|^marketplace\.(web|api|ops)\b"
)


def _mentions_a_role(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "role":
        return True
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "UserRole":
        return True
    return isinstance(node, ast.Name) and node.id == "PLATFORM_ROLES"


def role_comparisons(path: Path) -> list[int]:
    """Line numbers of comparisons with a user's role, a ``UserRole`` member or ``PLATFORM_ROLES`` on either side."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and any(_mentions_a_role(side) for side in [node.left, *node.comparators])
    )


def python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_role_comparisons_appear_only_in_rules_modules():
    found = {str(p.relative_to(ROOT)): role_comparisons(p) for p in python_files() if p.name != "rules.py"}

    assert {path: lines for path, lines in found.items() if lines} == {}


def test_the_check_sees_the_comparisons_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(user, role):\n"
        "    a = user.role == UserRole.BANK_STAFF\n"
        "    b = user.role in PLATFORM_ROLES\n"
        "    c = current_user.role != 'admin'\n"
        "    d = role == 'x'\n"  # a parameter named role is not the user's role
        "    return a, b, c, d\n"
    )

    assert role_comparisons(sample) == [2, 3, 4]
    assert role_comparisons(PACKAGE / "accounts" / "rules.py")


def test_templates_ask_a_rule_instead_of_comparing_roles():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_ROLE_COMPARISON.search(line)
    ]

    assert offenders == []
    assert TEMPLATE_ROLE_COMPARISON.search('{% if current_user.role.value == "incubator_manager" %}')
    assert not TEMPLATE_ROLE_COMPARISON.search('title="{{ current_user.role.label }}"')


def test_rules_modules_import_nothing_above_models_and_queries():
    rules = sorted(PACKAGE.rglob("rules.py"))
    imported = {
        str(path.relative_to(ROOT)): {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        for path in rules
    }

    assert len(rules) >= 7
    assert {path: sorted(m for m in modules if ABOVE_RULES.search(m)) for path, modules in imported.items()} == {
        path: [] for path in imported
    }


@pytest.mark.parametrize(
    ("role", "platform", "bank", "incubator"),
    [
        (UserRole.BANK_STAFF, False, True, False),
        (UserRole.INCUBATOR_MANAGER, False, False, True),
        (UserRole.ORGANISER, True, False, False),
        (UserRole.ADMIN, True, False, False),
    ],
)
def test_role_predicates(role, platform, bank, incubator):
    user = a_user(role)

    assert (is_platform(user), is_bank(user), is_incubator(user)) == (platform, bank, incubator)


def test_require_platform_lets_only_organisers_and_admins_through():
    require_platform(a_user(UserRole.ORGANISER))
    require_platform(a_user(UserRole.ADMIN))
    for role in (UserRole.BANK_STAFF, UserRole.INCUBATOR_MANAGER):
        with pytest.raises(PermissionDenied):
            require_platform(a_user(role))
