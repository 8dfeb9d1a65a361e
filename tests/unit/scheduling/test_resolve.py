"""Re-scheduling against a published schedule moves only what must move (plus at most 10%)."""

from __future__ import annotations

from dataclasses import replace
from math import ceil

import pytest

from scheduling.check import violations
from scheduling.generate import generate
from scheduling.resolve import fewest_moves, moves
from scheduling.solver import solve

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def published():
    inst = generate(60, 4, 2, seed=5)
    result = solve(inst, time_limit_s=10)
    assert result.status in ("optimal", "feasible")
    return inst, {pl.pitch_id: (pl.room, pl.start) for pl in result.placements}


def test_cancelling_a_pitch_moves_nothing(published):
    inst, previous = published
    changed = replace(inst.without({inst.pitches[7].id}), previous=previous)

    result = solve(changed, time_limit_s=5)

    assert violations(changed, result.placements) == []
    assert moves(changed, list(result.placements)) == 0


def test_a_judge_dropping_out_moves_at_most_the_must_moves_plus_ten_percent(published):
    inst, previous = published
    need = inst.needs[0]
    own = sorted(s for pid, (_, s) in previous.items() if inst.pitch_by_id[pid].need_id == need.id)
    morning = frozenset(next(seg for seg in inst.segments if own[0] in seg))
    away = {**inst.judge_unavailable, need.panel[0]: inst.judge_unavailable.get(need.panel[0], frozenset()) | morning}
    changed = replace(inst, previous=previous, judge_unavailable=away)

    result = solve(changed, time_limit_s=5)
    must, proven = fewest_moves(changed, time_limit_s=5)

    assert violations(changed, result.placements) == []
    assert proven and must >= 1
    assert must <= moves(changed, list(result.placements)) <= must + ceil(0.1 * must)


def test_new_pin_on_a_taken_place_moves_the_pitch_that_sat_there(published):
    inst, previous = published
    (sitter, (room, start)), mover = next(iter(previous.items())), inst.pitches[-1].id
    assert mover != sitter
    changed = replace(inst, previous=previous, pins={mover: (room, start)})

    result = solve(changed, time_limit_s=5)

    assert violations(changed, result.placements) == []
    where = {pl.pitch_id: (pl.room, pl.start) for pl in result.placements}
    moved = {pid for pid, spot in where.items() if previous[pid] != spot}
    must, _ = fewest_moves(changed, time_limit_s=5)
    assert where[mover] == (room, start)
    assert {mover, sitter} <= moved
    assert len(moved) <= must + ceil(0.1 * must)
