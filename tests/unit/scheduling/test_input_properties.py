"""Property-based tests (hypothesis) of the scheduler on small generated instances.

Instances have the shapes build_problem (events/scheduling_input.py) can hand over: any grid
(including none at all, when an event's day is shorter than a slot), judges on several panels,
panels with no named judge, startups pitching for several needs, multi-slot pitches, and stale
data left by an edit of the event: pins and a previous schedule off the grid or in a room that no
longer exists, unavailability of slots the grid no longer has. References between ids are always
consistent (the database's foreign keys guarantee that), so `Instance` validates nothing itself.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from marketplace.events.reasons import TEMPLATES
from scheduling.check import violations
from scheduling.explain import quick_reasons
from scheduling.greedy import greedy
from scheduling.model import Instance, NeedSpec, Pitch, Slot, Weights
from scheduling.objective import objective
from scheduling.solver import solve
from scheduling.warm_start import warm_start

pytestmark = pytest.mark.unit

TRANSLATABLE = {t._args[0] for t in TEMPLATES}
PIN_LINE = "is not where it is pinned"
SOLVE_SECONDS = 2.0  # a cap: these instances solve in milliseconds


@st.composite
def grids(draw, *, roomy: bool = False) -> tuple[tuple[Slot, ...], int]:
    """Slots of 1-2 days, each day 0-2 runs of adjacent slots with a break (or the night) between
    (`roomy`: two runs of 3-4 slots a day)."""
    minutes = draw(st.sampled_from([15, 20, 30]))
    slots: list[Slot] = []
    for day in range(draw(st.integers(1, 2))):
        start = 9 * 60
        for _ in range(2 if roomy else draw(st.sampled_from([0, 1, 1, 2, 2]))):
            for i in range(draw(st.sampled_from([3, 4] if roomy else [1, 2, 3, 4]))):
                slots.append(Slot(len(slots), day, start + i * minutes))
            start = slots[-1].start_minute + minutes * draw(st.integers(2, 4))  # a break of 1-3 slots
    return tuple(slots), minutes


def _slot_sets(draw, keys, n_slots: int, stale: bool) -> dict[int, frozenset[int]]:
    """Unavailable slots per key; with `stale`, some past the grid's end, as left after the day was
    shortened."""
    out = {}
    for key in keys:
        if draw(st.booleans()):
            out[key] = frozenset(
                draw(st.lists(st.integers(0, n_slots + 3 if stale else n_slots - 1), max_size=5 if stale else 2))
            )
    return out


@st.composite
def instances(draw, *, max_pitches: int = 6, stale: bool = True) -> Instance:
    """A small instance with consistent ids. With `stale`, pins, the previous schedule and away-marks
    may point off the grid or to a room index that no longer exists; without, the grid is roomy
    and everything points into it (mostly feasible)."""
    slots, minutes = draw(grids(roomy=not stale))
    n_slots = len(slots)
    n_rooms = draw(st.integers(1, 3))
    judges = [1, 2, 3, 4]
    needs = tuple(
        NeedSpec(
            id=n,
            name=f"Need {n}",
            pitch_slots=draw(st.integers(1, 2)),
            panel=tuple(draw(st.lists(st.sampled_from(judges), max_size=2, unique=True))),
        )
        for n in range(1, draw(st.integers(1, 3)) + 1)
    )
    pitches = []
    # sampled_from, not integers: hypothesis favours small integers, and most instances would be tiny.
    for pid in range(1, draw(st.sampled_from(range(max_pitches + 1))) + 1):
        need_id = draw(st.sampled_from([n.id for n in needs]))
        startup = draw(st.integers(10, 13))
        pitches.append(
            Pitch(
                id=pid,
                need_id=need_id,
                startup_id=startup,
                startup_name=f"Startup {startup}",
                rank=1 + sum(1 for p in pitches if p.need_id == need_id),
            )
        )
    pids = [p.id for p in pitches]
    anywhere = st.tuples(
        st.integers(-1 if stale else 0, n_rooms if stale else n_rooms - 1),
        st.integers(-1 if stale else 0, n_slots + (1 if stale else -1)),
    )
    pins = (
        {pid: draw(anywhere) for pid in draw(st.lists(st.sampled_from(pids), max_size=2, unique=True))}
        if pids and n_slots and draw(st.booleans())
        else {}
    )
    previous = (
        {pid: draw(anywhere) for pid in draw(st.lists(st.sampled_from(pids), unique=True))}
        if pids and n_slots and draw(st.booleans())
        else None
    )
    soft = st.sampled_from([0.0, 0.5, 1.0, 3.0, 100.0])
    weights = draw(
        st.one_of(
            st.just(Weights()),
            st.builds(
                Weights,
                need_rooms=soft,
                need_blocks=soft,
                panel_room_changes=soft,
                late_rank=soft,
                room_balance=soft,
                late_slots=st.integers(0, 3),
                top_ranks=st.integers(0, 3),
            ),
        )
    )
    return Instance(
        slots=slots,
        slot_minutes=minutes,
        rooms=tuple(f"Room {r + 1}" for r in range(n_rooms)),
        needs=needs,
        pitches=tuple(pitches),
        judge_unavailable=_slot_sets(draw, judges, n_slots, stale),
        startup_unavailable=_slot_sets(draw, range(10, 14), n_slots, stale),
        pins=pins,
        changeover_slots=draw(st.integers(0, 2)),
        weights=weights,
        previous=previous,
    )


@st.composite
def shortened(draw, base=None) -> Instance:
    """An event whose day was shortened after the schedule was made and people marked when they are
    away: the last slots are gone; away-marks, pins and previous places pointing at them remain."""
    inst = draw(base if base is not None else instances(max_pitches=10, stale=False))
    keep = len(inst.slots) - draw(st.integers(1, 4))
    gone = st.lists(st.integers(keep, len(inst.slots) - 1), max_size=3)

    def marked(away: dict[int, frozenset[int]], keys) -> dict[int, frozenset[int]]:
        return {k: away.get(k, frozenset()) | frozenset(draw(gone)) for k in keys}

    return replace(
        inst,
        slots=inst.slots[:keep],
        judge_unavailable=marked(inst.judge_unavailable, [1, 2, 3, 4]),
        startup_unavailable=marked(inst.startup_unavailable, range(10, 14)),
    )


# A judge on two panels marked away for slot 0 and for slots 7-9, which the grid lost when the day
# was shortened: free for 3 of the 4 slots, enough for the 2 pitches.
STALE_AWAY = Instance(
    slots=tuple(Slot(i, 0, 540 + 20 * i) for i in range(4)),
    slot_minutes=20,
    rooms=("Room 1",),
    needs=(NeedSpec(1, "Need 1", 1, (1,)), NeedSpec(2, "Need 2", 1, (1, 2))),
    pitches=(Pitch(1, 1, 10, "Startup 10", 1), Pitch(2, 2, 11, "Startup 11", 1)),
    judge_unavailable={1: frozenset({0, 7, 8, 9})},
)


def _complete(instance: Instance, placements) -> bool:
    return len(placements) == len(instance.pitches) and not violations(instance, placements)


SOLVER = settings(max_examples=120, deadline=None, derandomize=True)
FAST = settings(max_examples=200, deadline=None, derandomize=True)


@SOLVER
@given(st.one_of(instances(), instances(stale=False), shortened(instances(stale=False))))
@example(STALE_AWAY)
@example(replace(STALE_AWAY, pitches=()))
def test_solve_returns_a_valid_schedule_or_reasons_and_is_never_beaten_by_the_constructions(inst):
    """solve either places every pitch with no broken hard rule (checked by the independent
    checker), or says infeasible with translatable reasons and every pitch unplaced. It never calls
    infeasible what the greedy or the block-first construction schedules completely, and an
    "optimal" schedule scores no worse than theirs (objective.py) while its bound is never above
    its own score."""
    result = solve(inst, time_limit_s=SOLVE_SECONDS, workers=1)
    event(f"{result.status}, {len(inst.pitches)} pitches")
    constructions = [
        built
        for built in (greedy(inst), warm_start(inst), warm_start(inst, random.Random(1)))
        if _complete(inst, built)
    ]

    assert result.status in ("optimal", "feasible", "infeasible")  # never out of time on instances this small
    if result.status == "infeasible":
        assert not constructions, "a complete valid schedule exists"
        assert result.reasons and result.placements == ()
        assert all(str(r).strip() and r.template in TRANSLATABLE for r in result.reasons)
        assert sorted(result.unplaced) == sorted(p.id for p in inst.pitches)
        return
    assert violations(inst, result.placements) == []
    assert sorted(pl.pitch_id for pl in result.placements) == sorted(p.id for p in inst.pitches)
    assert result.objective == objective(inst, result.placements)
    assert result.bound is not None and result.bound <= result.objective + 1e-9
    if result.status == "optimal":
        assert result.gap == pytest.approx(0, abs=1e-9)  # CP-SAT's proof and objective.py agree
        for built in constructions:
            assert result.objective <= objective(inst, built) + 1e-9


@FAST
@given(st.one_of(instances(max_pitches=10), instances(max_pitches=10, stale=False), shortened()))
def test_greedy_and_warm_start_never_break_a_hard_rule(inst):
    """The constructions may leave pitches out but never break a rule; a pin they cannot honour is
    one quick_reasons already names (so the solver reports it instead of scheduling)."""
    pin_problems = any("pinned" in r.template for r in quick_reasons(inst))
    for built in (greedy(inst), warm_start(inst), warm_start(inst, random.Random(7))):
        found = violations(inst, built, complete=False)
        assert [v for v in found if PIN_LINE not in v] == []
        if found:
            assert pin_problems, found
        assert len({pl.pitch_id for pl in built}) == len(built)


def assert_reasons_sound(inst: Instance) -> None:
    """quick_reasons speaks in templates the UI can translate, with every {field} filled, and finds
    nothing wrong with an instance that the greedy or the block-first construction schedules
    completely."""
    reasons = quick_reasons(inst)
    for reason in reasons:
        assert reason.template in TRANSLATABLE
        assert "{" not in str(reason) and str(reason).strip()
    if any(_complete(inst, built) for built in (greedy(inst), warm_start(inst))):
        assert reasons == []


@FAST
@given(st.one_of(instances(max_pitches=10), instances(max_pitches=10, stale=False)))
def test_quick_reasons_are_translatable_sentences_and_never_false_alarms(inst):
    """See assert_reasons_sound, for any instance."""
    assert_reasons_sound(inst)


@settings(FAST, max_examples=300)
@given(shortened())
@example(STALE_AWAY)
def test_away_marks_left_off_a_shortened_day_raise_no_false_alarm(inst):
    """See assert_reasons_sound, for an event whose day was shortened after people marked when they
    are away (the marks on the lost slots stay in the database)."""
    assert_reasons_sound(inst)
