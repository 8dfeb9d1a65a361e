"""The independent checker finds each broken hard rule (so the solver tests that use it can fail)."""

from __future__ import annotations

import pytest

from scheduling.check import violations
from scheduling.model import Placement as P
from tests.unit.scheduling.builders import instance, need, pitch

pytestmark = pytest.mark.unit


def two_needs(**kwargs):
    return instance([need(1), need(2)], [pitch(1, 1, 10), pitch(2, 1, 11), pitch(3, 2, 10)], **kwargs)


def test_valid_schedule_has_no_violations():
    assert violations(two_needs(), [P(1, 0, 0), P(2, 0, 1), P(3, 1, 2)]) == []


def test_unplaced_pitch_is_a_violation_only_for_a_complete_schedule():
    inst = two_needs()

    assert violations(inst, [P(1, 0, 0), P(2, 0, 1)]) == ["pitch 3 not placed"]
    assert violations(inst, [P(1, 0, 0), P(2, 0, 1)], complete=False) == []


def test_room_double_booked():
    found = violations(two_needs(), [P(1, 0, 0), P(2, 0, 1), P(3, 0, 1)])

    assert "room 0 double-booked by pitches 2 and 3" in found


def test_panel_in_two_rooms_at_once():
    found = violations(two_needs(), [P(1, 0, 0), P(2, 1, 0), P(3, 1, 3)])

    assert found == ["panel of need 1 at pitches 1 and 2 at once"]


def test_judge_on_two_panels_in_two_rooms_at_once():
    inst = instance([need(1, (7,)), need(2, (7, 8))], [pitch(1, 1, 10), pitch(2, 2, 11)])

    assert violations(inst, [P(1, 0, 0), P(2, 1, 0)]) == ["a judge is at pitches 1 and 2 at once"]


def test_startup_needs_a_changeover_gap_but_not_across_lunch():
    inst = two_needs()

    assert violations(inst, [P(1, 0, 0), P(2, 0, 1), P(3, 1, 1)]) == [
        "startup 10 has pitches 1 and 3 without a changeover gap"
    ]
    assert violations(inst, [P(1, 0, 2), P(2, 0, 0), P(3, 1, 3)]) == []  # 9:40 then 13:00


def test_unavailable_judge_and_startup():
    inst = two_needs(judge_unavailable={101: frozenset({0})}, startup_unavailable={10: frozenset({3})})

    found = violations(inst, [P(1, 0, 0), P(2, 0, 1), P(3, 1, 3)])

    assert found == ["pitch 1: judge 101 is unavailable", "pitch 3: startup 10 is unavailable"]


def test_pin_must_be_kept():
    inst = two_needs(pins={3: (1, 4)})

    assert violations(inst, [P(1, 0, 0), P(2, 0, 1), P(3, 1, 3)]) == ["pitch 3 is not where it is pinned"]


def test_long_pitch_must_not_cross_lunch():
    inst = instance([need(1, pitch_slots=2)], [pitch(1, 1, 10)])

    assert violations(inst, [P(1, 0, 2)]) == ["pitch 1 does not fit in consecutive slots from slot 2"]
    assert violations(inst, [P(1, 0, 1)]) == []
