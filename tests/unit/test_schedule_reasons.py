import ast
from pathlib import Path

import pytest

from marketplace.events.reasons import TEMPLATES, reason_text

pytestmark = pytest.mark.unit

EXPLAIN = Path(__file__).resolve().parents[2] / "marketplace" / "scheduling" / "explain.py"


def _templates_in_explain() -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(EXPLAIN.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Reason" and node.args:
            first = node.args[0]
            assert isinstance(first, ast.Constant), "a Reason template must be a literal, so it can be translated"
            found.add(first.value)
    return found


def test_every_scheduler_reason_can_be_translated():
    assert _templates_in_explain() == {t._args[0] for t in TEMPLATES}


def test_a_reason_reads_in_the_readers_language(app_context_zh):
    text = reason_text({"template": "{need} has {pitches} pitches but its panel is free for {free} slots.",
                        "params": {"need": "IT for education", "pitches": 9, "free": 6}})

    assert "IT for education" in text and "9" in text and "6" in text and "panel is free" not in text


@pytest.fixture
def app_context_zh():
    from flask_babel import force_locale

    from marketplace import create_app

    app = create_app({"TESTING": True})
    with app.test_request_context(), force_locale("zh_Hans"):
        yield
