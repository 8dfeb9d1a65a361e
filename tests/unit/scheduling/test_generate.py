"""Generated instances are reproducible and have the issue's shape."""

from __future__ import annotations

from collections import Counter

import pytest

from scheduling.generate import generate

pytestmark = pytest.mark.unit


def test_same_seed_same_instance_and_another_seed_another():
    assert generate(120, 4, 2, seed=7) == generate(120, 4, 2, seed=7)
    assert generate(120, 4, 2, seed=7) != generate(120, 4, 2, seed=8)


def test_days_run_nine_to_half_past_five_in_twenty_minute_slots_with_lunch():
    inst = generate(200, 6, 3, seed=1)
    day = [s for s in inst.slots if s.day == 0]

    assert inst.slot_minutes == 20 and len(inst.slots) == 3 * 23
    assert (day[0].start_minute, day[-1].start_minute + 20) == (9 * 60, 17 * 60 + 30)
    assert [len(seg) for seg in inst.segments] == [11, 12] * 3  # 9:00-12:40, lunch, 13:30-17:30
    assert inst.rooms == tuple(f"Room {r}" for r in range(1, 7))
    assert inst.changeover_slots == 1


def test_needs_panels_startups_and_ranks():
    inst = generate(200, 6, 3, seed=1)
    per_startup = Counter(p.startup_id for p in inst.pitches)
    judges = [j for n in inst.needs for j in n.panel]

    assert len(inst.pitches) == 200
    assert len(inst.needs) == round(200 / 18)
    assert all(n.pitch_slots == 1 and 2 <= len(n.panel) <= 4 for n in inst.needs)
    assert len(judges) == len(set(judges))
    assert set(per_startup.values()) == {1, 2, 3}
    for pitches in inst.pitches_by_startup.values():
        assert len({p.need_id for p in pitches}) == len(pitches)
    for need in inst.needs:
        ranks = sorted(p.rank for p in inst.pitches_by_need[need.id])
        assert ranks == list(range(1, len(ranks) + 1))


def test_panels_away_a_fifth_and_startups_a_tenth_of_the_time_in_blocks():
    inst = generate(200, 6, 3, seed=1)
    total = len(inst.slots)

    for need in inst.needs:
        away = inst.panel_unavailable(need.id)
        assert len(away) == round(0.2 * total)
        assert len(away) / _runs(inst, away) > 1.5  # contiguous blocks, not scattered single slots
    for away in inst.startup_unavailable.values():
        assert len(away) == round(0.1 * total)
    all_startup_slots = [s for away in inst.startup_unavailable.values() for s in away]
    assert len(all_startup_slots) / sum(_runs(inst, a) for a in inst.startup_unavailable.values()) > 1.5


def _runs(inst, slots):
    return sum(1 for s in slots if not (s > 0 and inst.adjacent_next[s - 1] and s - 1 in slots))
