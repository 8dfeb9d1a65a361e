"""What a hand-made move breaks, in words: after the move (conflicts) and before it (target warnings)."""

import pytest

from marketplace import create_app
from marketplace.events.conflicts import conflicts, target_warnings
from scheduling.model import Placement
from tests.unit.scheduling.builders import instance, need, pitch

pytestmark = pytest.mark.unit


@pytest.fixture
def app_context():

    with create_app({"TESTING": True}).test_request_context():
        yield


def _problem():
    # Need 1 (judge 7) with startups 1 and 2; need 2 shares judge 7; startup 1 also pitches for need 2.
    return instance(
        [need(1, judges=(7,)), need(2, judges=(7, 8))],
        [pitch(1, 1, 1), pitch(2, 1, 2), pitch(3, 2, 1)],
        startup_unavailable={2: frozenset({5})},
    )


def test_a_valid_schedule_has_no_conflicts(app_context):
    problem = _problem()

    assert conflicts(problem, [Placement(1, 0, 0), Placement(2, 0, 1), Placement(3, 0, 3)]) == []


def test_each_broken_rule_is_named(app_context):
    problem = _problem()

    found = conflicts(problem, [Placement(1, 0, 0), Placement(2, 0, 0), Placement(3, 1, 0)])

    text = " | ".join(found)
    assert "are both in Room 1" in text  # pitches 1 and 2
    assert "A panel would be in two rooms" in text  # judge 7 in pitch 1 and pitch 3
    assert "two pitches too close together" in text  # startup 1


def test_targets_warn_before_the_click(app_context):
    problem = _problem()
    placed = [Placement(1, 0, 0), Placement(2, 0, 1), Placement(3, 0, 3)]

    warnings = target_warnings(problem, placed, 2)  # moving startup 2's pitch

    assert "the room is taken" in warnings[(0, 0)]
    assert "the panel is in another pitch" in warnings[(1, 3)]  # judge 7 is in pitch 3 then
    assert "the startup is away" in warnings[(1, 5)]
    assert (1, 4) not in warnings  # a free slot for everyone
