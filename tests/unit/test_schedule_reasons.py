import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from marketplace import create_app
from marketplace.events.reasons import TEMPLATES, parties_of, reason_text

pytestmark = pytest.mark.unit

EXPLAIN = Path(__file__).resolve().parents[2] / "scheduling" / "explain.py"


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
    text = reason_text(
        {
            "template": "{need} has {pitches} pitches but its panel is free for {free} slots.",
            "params": {"need": "IT for education", "pitches": 9, "free": 6},
        }
    )

    assert "IT for education" in text and "9" in text and "6" in text and "panel is free" not in text


@pytest.fixture
def app_context_zh():

    app = create_app({"TESTING": True})
    with app.test_request_context(), force_locale("zh_Hans"):
        yield


def test_a_stored_reason_says_whom_it_names_and_an_older_one_is_read_safely():

    stored = {
        "template": "the availability of {startup}",
        "params": {"startup": "Kaiyue Tech"},
        "parties": {"startups": [4], "needs": [2], "judges": []},
    }
    older = {"template": "the availability of {startup}", "params": {"startup": "Kaiyue Tech"}}
    plain = {
        "template": "The pitches need {needed} room-slots but {rooms} rooms over {slots} slots offer only {available}.",
        "params": {"needed": 7, "rooms": 1, "slots": 6, "available": 6},
    }

    assert parties_of(stored) == {"startups": {4}, "needs": {2}, "judges": set()}
    assert parties_of(older) is None  # names someone, but whom can no longer be told
    assert parties_of(plain) == {"startups": set(), "needs": set(), "judges": set()}
