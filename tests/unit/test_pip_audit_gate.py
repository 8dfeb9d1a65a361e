"""bin/pip_audit_gate.py: a known vulnerability fails CI; an unreachable service only warns."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def load_gate():
    spec = importlib.util.spec_from_file_location("pip_audit_gate", ROOT / "bin" / "pip_audit_gate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gate = load_gate()


def report(*dependencies) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails_and_names_the_fix():
    text = report(
        {"name": "flask", "version": "2.2.0", "vulns": []},
        {
            "name": "werkzeug",
            "version": "2.2.2",
            "vulns": [{"id": "PYSEC-2023-58", "fix_versions": ["2.2.3"], "aliases": []}],
        },
    )

    code, lines = gate.verdict(1, text, "")

    assert code == 1
    assert "werkzeug 2.2.2: PYSEC-2023-58 (fixed in 2.2.3)" in lines


def test_a_clean_audit_passes():
    code, lines = gate.verdict(0, report({"name": "flask", "version": "3.1.3", "vulns": []}), "")

    assert code == 0
    assert lines == ["pip-audit: 1 dependencies audited, no known vulnerabilities"]


def test_an_unreachable_service_warns_without_failing():
    stderr = (
        "Traceback (most recent call last):\nrequests.exceptions.ConnectionError: "
        "HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded"
    )

    code, lines = gate.verdict(1, "", stderr)

    assert code == 0
    assert lines[0] == gate.WARNING


def test_every_dependency_skipped_means_nothing_was_audited():
    skipped = {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"}

    code, lines = gate.verdict(0, report(skipped, {**skipped, "name": "jinja2"}), "")

    assert code == 0
    assert lines[0] == gate.WARNING


def test_any_other_failure_fails():
    code, lines = gate.verdict(2, "", "usage: pip-audit: error: unrecognized arguments: --nope")

    assert code == 2
    assert "unrecognized arguments" in lines[-1]
