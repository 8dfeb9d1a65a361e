"""CoSPLib conferences read in place and mapped to roadshow instances (extra real-world instances)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.core.config import Settings
from scheduling.check import violations
from scheduling.cosplib import conference_names, load_conference
from scheduling.solver import solve

pytestmark = pytest.mark.unit

DATA_DIR = Path(Settings.from_env().DATA_DIR)


def test_conference_maps_tracks_to_needs_and_submissions_to_pitches():
    inst = load_conference("N2OR", DATA_DIR)

    assert "N2OR" in conference_names(DATA_DIR)
    assert (len(inst.pitches), len(inst.rooms), len(inst.slots), len(inst.days)) == (35, 4, 9, 2)
    assert {n.pitch_slots for n in inst.needs} == {1, 2}
    assert all(len(inst.pitches_by_need[n.id]) >= 1 for n in inst.needs)
    assert inst.segments == ((0, 1), (2, 3), (4, 5), (6, 7, 8))  # four sessions, breaks between them


def test_small_conference_is_scheduled_optimally_within_the_rules():
    inst = load_conference("N2OR", DATA_DIR)

    result = solve(inst, time_limit_s=10)

    assert result.status == "optimal"
    assert violations(inst, result.placements) == []


def test_conference_whose_track_cannot_run_in_sequence_is_explained():
    result = solve(load_conference("OR60", DATA_DIR), time_limit_s=10)

    assert result.status == "infeasible"
    assert "Forecasting, 1-slot talks has 26 pitches but its panel is free for 24 slots." in map(str, result.reasons)
