"""Each soft term of objective.py on hand-made placements."""

from __future__ import annotations

import pytest

from scheduling.model import Placement as P
from scheduling.model import Weights
from scheduling.objective import objective, score
from tests.unit.scheduling.builders import instance, need, pitch, slots

pytestmark = pytest.mark.unit

TWO_DAYS = slots((0, 540, 3), (0, 780, 3), (1, 540, 3), (1, 780, 3))  # 12 slots, lunch after each 3


LATE_ONLY = Weights(late_slots=1)


def one_need(count: int, weights: Weights = LATE_ONLY, **kwargs):
    return instance(
        [need(1)],
        [pitch(i, 1, 10 + i, rank=i) for i in range(1, count + 1)],
        grid=TWO_DAYS,
        rooms=3,
        weights=weights,
        **kwargs,
    )


def test_contiguous_need_in_one_room_costs_nothing_but_balance():
    s = score(one_need(3), [P(1, 0, 0), P(2, 0, 1), P(3, 0, 2)])

    assert s.terms == {
        "need_rooms": 0,
        "need_blocks": 0,
        "panel_room_changes": 0,
        "late_rank": 0,
        "room_balance": 2,
        "half_days": 1,
        "room_gaps": 0,
        "moved": 0,
        "unplaced": 0,
    }
    assert s.total == 2.0 + 1.0  # busiest room 3 slots, even share ceil(3/3) = 1; one half-day used


def test_a_gap_and_lunch_each_start_a_new_block():
    s = score(one_need(3), [P(1, 0, 0), P(2, 0, 2), P(3, 0, 3)])

    assert s.terms["need_blocks"] == 2  # 9:00 | 9:40 | 13:00 (lunch between 9:40 and 13:00)


def test_rooms_per_need_and_room_changes_per_day():
    s = score(one_need(3), [P(1, 0, 0), P(2, 1, 1), P(3, 2, 6)])

    assert s.terms["need_rooms"] == 2
    assert s.terms["panel_room_changes"] == 1  # two rooms on day 1, one on day 2
    assert s.terms["need_blocks"] == 2


def test_late_top_ranked_pitches_cost_by_rank():
    # late_slots=1: the last slot of each day (slot 5 and slot 11) is late; top_ranks=3
    s = score(one_need(4), [P(1, 0, 11), P(2, 0, 0), P(3, 1, 5), P(4, 2, 1)])

    assert s.terms["late_rank"] == 3 + 1  # rank 1 late costs 3, rank 3 late costs 1


def test_rank_beyond_top_ranks_is_free_at_the_end_of_the_day():
    assert score(one_need(4), [P(1, 0, 0), P(2, 0, 1), P(3, 0, 2), P(4, 1, 5)]).terms["late_rank"] == 0


def test_moves_count_only_pitches_that_were_placed_before():
    inst = one_need(3, previous={1: (0, 0), 2: (0, 1)})

    s = score(inst, [P(1, 0, 0), P(2, 1, 1), P(3, 0, 2)])

    assert s.terms["moved"] == 1


def test_unplaced_pitches_cost_the_large_penalty():
    s = score(one_need(3), [P(1, 0, 0), P(2, 0, 1)])

    assert s.terms["unplaced"] == 1
    assert s.total == 1000.0 + 1.0 + 1.0  # busiest room 2, even share ceil(2/3) = 1; one half-day used


def test_weights_are_editable_and_apply_in_hundredths():
    inst = one_need(3, weights=Weights(need_blocks=0.5, room_balance=0.25, half_days=0.5, room_gaps=0.75, late_slots=1))

    # 3 blocks, busiest room 3 of an even share of 1, two half-days, one idle gap (9:20) in room 0
    assert objective(inst, [P(1, 0, 0), P(2, 0, 2), P(3, 0, 3)]) == 2 * 0.5 + 2 * 0.25 + 2 * 0.5 + 1 * 0.75
