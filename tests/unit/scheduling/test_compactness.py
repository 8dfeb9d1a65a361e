"""Compactness: pitches packed into as few half-days as availability allows, no idle
gap in a room, the independent checker counting the same as the solver, and the reasons a schedule
spread out."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from scheduling.check import compactness, violations
from scheduling.explain import why_spread
from scheduling.formulation import build
from scheduling.generate import generate
from scheduling.model import SCALE, Weights
from scheduling.model import Placement as P
from scheduling.objective import score
from scheduling.solver import _read, solve
from tests.unit.scheduling.builders import MORNING_AND_AFTERNOON, instance, need, pitch, slots

pytestmark = pytest.mark.unit

OLD = Weights(half_days=0, room_gaps=0)  # the objective before compactness
TWO_DAYS_OF_SIX = slots((0, 540, 6), (0, 840, 6), (1, 540, 6), (1, 840, 6))  # 9:00-11:00 | 14:00-16:00, twice


def lonely_pitches(weights: Weights):
    """The bug report: 5 pitches of one need, 2 of another, 2 rooms, two days."""
    return instance(
        [need(1), need(2)],
        [pitch(i, 1, 10 + i, rank=i) for i in range(1, 6)] + [pitch(6, 2, 20, rank=1), pitch(7, 2, 21, rank=2)],
        grid=TWO_DAYS_OF_SIX,
        rooms=2,
        weights=weights,
    )


FIVE_IN_ROOM_0 = [P(i, 0, i - 1) for i in range(1, 6)]
LONELY = FIVE_IN_ROOM_0 + [P(6, 1, 18), P(7, 1, 19)]  # day 2, 14:00 and 14:20
PACKED = FIVE_IN_ROOM_0 + [P(6, 1, 0), P(7, 1, 1)]  # day 1 9:00, beside the others


def test_the_old_objective_called_lonely_pitches_optimal_the_new_one_packs_them():
    old = lonely_pitches(OLD)
    old_result = solve(old, time_limit_s=5)
    assert old_result.status == "optimal"
    # Before: the lonely schedule scored as well as the best one, so "optimal" could mean spread out.
    assert score(old, LONELY).total == score(old, PACKED).total == old_result.objective

    new = lonely_pitches(Weights())
    assert score(new, LONELY).total == score(new, PACKED).total + 1  # one half-day more
    result = solve(new, time_limit_s=5)
    assert result.status == "optimal" and violations(new, result.placements) == []
    assert compactness(new, result.placements) == {"half_days": 1, "room_gaps": 0}
    assert result.objective == score(new, PACKED).total
    assert result.reasons == ()  # as compact as the rooms allow: nothing to explain


def test_pitches_close_idle_gaps_in_a_room():
    inst = instance(
        [need(1), need(2)],
        [pitch(1, 1, 10), pitch(2, 1, 11, rank=2), pitch(3, 2, 12), pitch(4, 2, 13, rank=2)],
        grid=slots((0, 540, 6)),
        rooms=1,
        weights=Weights(late_slots=0),
    )
    gap = [P(1, 0, 0), P(2, 0, 1), P(3, 0, 4), P(4, 0, 5)]  # idle 9:40-10:20 between the two panels

    assert score(inst, gap).terms["room_gaps"] == 1 == compactness(inst, gap)["room_gaps"]
    assert score(OLD_OF(inst), gap).total == score(OLD_OF(inst), [P(1, 0, 0), P(2, 0, 1), P(3, 0, 2), P(4, 0, 3)]).total
    result = solve(inst, time_limit_s=5)
    assert result.status == "optimal"
    assert compactness(inst, result.placements)["room_gaps"] == 0


def OLD_OF(inst):
    """The same instance scored by the old objective (no compactness terms)."""
    return replace(inst, weights=replace(inst.weights, half_days=0, room_gaps=0))


def test_half_days_split_at_lunch_not_at_a_coffee_break_and_the_checker_agrees():
    grid = slots((0, 540, 3), (0, 620, 3), (0, 780, 3))  # 9:00-10:00 | coffee | 10:20-11:20 | lunch | 13:00
    inst = instance([need(1)], [pitch(i, 1, 10 + i) for i in range(1, 4)], grid=grid, rooms=1)

    assert inst.half_days == ((0, 1, 2, 3, 4, 5), (6, 7, 8))
    across_coffee = [P(1, 0, 2), P(2, 0, 3), P(3, 0, 4)]  # 9:40, 10:20, 10:40: no idle time, one half-day
    assert compactness(inst, across_coffee) == {"half_days": 1, "room_gaps": 0}
    assert {k: score(inst, across_coffee).terms[k] for k in ("half_days", "room_gaps")} == compactness(
        inst, across_coffee
    )
    spread = [P(1, 0, 0), P(2, 0, 5), P(3, 0, 8)]
    assert compactness(inst, spread) == {"half_days": 2, "room_gaps": 1}
    assert {k: score(inst, spread).terms[k] for k in ("half_days", "room_gaps")} == compactness(inst, spread)


def test_a_day_without_breaks_splits_at_noon():
    inst = instance([need(1)], [pitch(1, 1, 10)], grid=slots((0, 660, 6), minutes=20), rooms=1)  # 11:00-13:00

    assert inst.half_days == ((0, 1, 2), (3, 4, 5))


def test_the_checker_scores_the_same_compactness_as_the_solver():
    inst = generate(20, 3, 2, seed=2)
    f = build(inst)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    solver.parameters.num_workers = 2
    assert solver.solve(f.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    placements = _read(inst, f, solver)

    in_solver = {name: solver.value(f.terms[name]) for name in ("half_days", "room_gaps")}
    assert in_solver == compactness(inst, placements)
    assert in_solver == {name: score(inst, placements).terms[name] for name in ("half_days", "room_gaps")}
    assert solver.objective_value == score(inst, placements).total * SCALE


def test_placing_a_pitch_outweighs_any_compactness():
    inst = generate(50, 6, 3, seed=1)
    w = inst.weights
    most_compactness_saved = w.half_days * len(inst.half_days) + w.room_gaps * len(inst.rooms) * len(inst.slots)
    assert w.unplaced > most_compactness_saved


def test_a_judge_away_is_named_as_why_an_afternoon_is_used():
    # Need A's judge is away in the afternoon, Need B's in the morning: two half-days where one would do.
    inst = instance(
        [need(1), need(2)],
        [pitch(i, 1, 10 + i) for i in (1, 2, 3)] + [pitch(i, 2, 10 + i) for i in (4, 5, 6)],
        grid=MORNING_AND_AFTERNOON,
        rooms=2,
        judge_unavailable={101: frozenset({3, 4, 5}), 102: frozenset({0, 1, 2})},
    )

    result = solve(inst, time_limit_s=5)

    assert result.status == "optimal" and compactness(inst, result.placements)["half_days"] == 2
    assert [str(r) for r in result.reasons] == [
        "day 1 13:00–14:00 is used because a judge of the panel of Need B is unavailable on day 1 09:00–10:00."
    ]
    assert result.reasons[0].parties == {"startups": (14, 15, 16), "needs": (2,), "judges": (102,)}


def test_a_startup_away_is_named_as_why_an_afternoon_is_used():
    # The afternoon is late (late_slots=3): Need A's best candidates stay in the morning; Startup 20 is
    # away all morning, so its pitch opens the afternoon.
    inst = instance(
        [need(1), need(2)],
        [pitch(i, 1, 10 + i, rank=i) for i in (1, 2, 3)] + [pitch(4, 2, 20)],
        grid=MORNING_AND_AFTERNOON,
        rooms=2,
        startup_unavailable={20: frozenset({0, 1, 2})},
    )

    result = solve(inst, time_limit_s=5)

    assert result.status == "optimal"
    assert [str(r) for r in why_spread(inst, result.placements)] == [
        "day 1 13:00–14:00 is used because Startup 20 is unavailable on day 1 09:00–10:00."
    ]
