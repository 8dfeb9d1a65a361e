"""The first-fit baseline never breaks a hard rule; what it cannot place it leaves out, at a price."""

from __future__ import annotations

import pytest

from scheduling.check import violations
from scheduling.generate import generate
from scheduling.greedy import greedy
from scheduling.model import NeedSpec
from scheduling.objective import score
from scheduling.solver import solve
from scheduling.warm_start import warm_start
from tests.unit.scheduling.builders import instance, need, pitch

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("size", [(40, 2, 1), (120, 3, 2), (200, 6, 3)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_greedy_and_warm_start_keep_every_hard_rule(size, seed):
    inst = generate(*size, seed=seed)

    for build in (greedy, warm_start):
        assert violations(inst, build(inst), complete=False) == []


def test_greedy_leaves_out_what_first_fit_cannot_place_and_pays_for_it():
    # First fit puts startup 10 at 9:00 for Need A and at 9:40 for Need B; then Need B's other
    # pitch (startup 11, free only at 9:40) has nowhere to go. CP-SAT places all three.
    inst = instance(
        [need(1), need(2)],
        [pitch(1, 1, 10), pitch(2, 2, 10, rank=1), pitch(3, 2, 11, rank=2)],
        rooms=2,
        grid=instance([], []).slots[:3],
        startup_unavailable={11: frozenset({0, 1})},
    )

    placed = greedy(inst)

    assert violations(inst, placed, complete=False) == []
    assert {pl.pitch_id for pl in placed} == {1, 2}
    assert score(inst, placed).terms["unplaced"] == 1
    assert score(inst, placed).total >= 1000
    assert solve(inst, time_limit_s=5).status == "optimal"


def test_need_without_named_judges_still_has_one_pitch_at_a_time():
    inst = instance(
        [NeedSpec(id=1, name="Need A", pitch_slots=1, panel=())],
        [pitch(i, 1, 10 + i, rank=i) for i in (1, 2, 3)],
        rooms=3,
    )

    for build in (greedy, warm_start):
        placed = build(inst)
        assert violations(inst, placed) == []
        assert sorted(pl.start for pl in placed) == [0, 1, 2]
