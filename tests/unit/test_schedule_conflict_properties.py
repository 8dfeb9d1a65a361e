"""Property-based tests (hypothesis): the warnings organisers see while moving pitches by hand agree
with the scheduler's independent hard-rule checker.

Placements are any the database can hold: in the event's rooms, at any slot, including slots past
the end of a grid that was shortened after scheduling (the agenda skips those; the event page must
still show them without failing).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from marketplace import create_app
from marketplace.events.conflicts import conflicts, target_warnings
from scheduling.check import violations
from scheduling.model import Instance, NeedSpec, Pitch, Placement, Slot
from tests.unit.scheduling.test_input_properties import PIN_LINE, instances

pytestmark = pytest.mark.unit

PROPS = settings(max_examples=150, deadline=None, derandomize=True)


@pytest.fixture(scope="module", autouse=True)
def app_context():

    with create_app({"TESTING": True}).test_request_context():
        yield


@st.composite
def placed(draw, *, on_grid_only: bool = False) -> tuple[Instance, list[Placement]]:
    """An instance and placements of some of its pitches (each at most once) in its rooms."""
    inst = draw(instances(max_pitches=8))
    n_slots = len(inst.slots)
    placements = []
    for pitch in inst.pitches:
        if n_slots and draw(st.booleans()):
            if on_grid_only:
                starts = [s for s in range(n_slots) if inst.covered(s, inst.length(pitch)) is not None]
                if not starts:
                    continue
                start = draw(st.sampled_from(starts))
            else:
                start = draw(st.integers(0, n_slots + 2))
            placements.append(Placement(pitch.id, draw(st.integers(0, len(inst.rooms) - 1)), start))
    return inst, placements


def hard_rule_lines(inst: Instance, placements: list[Placement]) -> set[str]:
    """The checker's findings, less pins: a hand move pins the pitch where it is put."""
    return {v for v in violations(inst, placements, complete=False) if PIN_LINE not in v}


# Two pitches of one need, whose panel names no judge (its unit has no active staff), at the same
# time in two rooms; and a pitch left past the end of a grid that was shortened to two slots.
NO_JUDGES = Instance(
    slots=(Slot(0, 0, 540), Slot(1, 0, 560)),
    slot_minutes=20,
    rooms=("A", "B"),
    needs=(NeedSpec(1, "Need 1", 1, ()),),
    pitches=(Pitch(1, 1, 10, "Startup 10", 1), Pitch(2, 1, 11, "Startup 11", 2)),
)


@PROPS
@given(placed())
@example((NO_JUDGES, [Placement(1, 0, 0), Placement(2, 1, 0)]))
@example((NO_JUDGES, [Placement(1, 0, 5)]))
def test_conflicts_warn_exactly_when_a_hard_rule_is_broken(generated):
    """The event page's warnings: one readable sentence per problem, none when the checker finds
    nothing, at least one when it finds something; never an exception, even for a pitch left past
    the end of a shortened grid."""
    inst, placements = generated
    found = conflicts(inst, placements)

    assert all(isinstance(line, str) and line.strip() for line in found)
    assert bool(found) == bool(hard_rule_lines(inst, placements)), (found, hard_rule_lines(inst, placements))


@PROPS
@given(placed(on_grid_only=True), st.data())
@example((NO_JUDGES, [Placement(1, 0, 0)]), None)
def test_target_warnings_say_where_a_move_would_break_a_rule(generated, data):
    """While a pitch is being moved: a target (room, slot) carries warnings exactly when putting the
    pitch there would add a broken hard rule to the schedule of the others."""
    inst, placements = generated
    assume(inst.pitches)
    moving = inst.pitches[0] if data is None else data.draw(st.sampled_from(inst.pitches))
    others = [pl for pl in placements if pl.pitch_id != moving.id]
    before = hard_rule_lines(inst, others)

    warnings = target_warnings(inst, others, moving.id)

    for room in range(len(inst.rooms)):
        for start in range(len(inst.slots)):
            broken = hard_rule_lines(inst, [*others, Placement(moving.id, room, start)]) - before
            assert bool(warnings.get((room, start))) == bool(broken), (room, start, warnings.get((room, start)), broken)
            assert all(w.strip() for w in warnings.get((room, start), []))
