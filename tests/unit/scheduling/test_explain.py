"""Infeasible inputs come back with reasons a person understands, as translatable templates."""

from __future__ import annotations

import pytest

from scheduling.explain import explain_infeasible, quick_reasons
from scheduling.solver import solve
from tests.unit.scheduling.builders import instance, need, pitch, slots

pytestmark = pytest.mark.unit

TWO_DAYS = slots((0, 540, 3), (0, 780, 3), (1, 540, 3), (1, 780, 3))
AFTERNOONS = frozenset({3, 4, 5, 9, 10, 11})


def test_panel_with_too_few_free_slots():
    inst = instance(
        [need(1)], [pitch(i, 1, 10 + i) for i in range(9)], grid=TWO_DAYS, judge_unavailable={101: AFTERNOONS}
    )

    result = solve(inst, time_limit_s=5)

    assert result.status == "infeasible"
    assert [str(r) for r in result.reasons] == ["Need A has 9 pitches but its panel is free for 6 slots."]
    assert result.reasons[0].template == "{need} has {pitches} pitches but its panel is free for {free} slots."
    assert result.reasons[0].params == {"need": "Need A", "pitches": 9, "free": 6}


def test_startup_with_more_pitches_than_its_free_time_holds():
    inst = instance(
        [need(1), need(2), need(3)],
        [pitch(1, 1, 10), pitch(2, 2, 10), pitch(3, 3, 10)],
        rooms=3,
        startup_unavailable={10: frozenset({3, 4, 5})},
    )

    assert [str(r) for r in solve(inst, time_limit_s=5).reasons] == [
        "Startup 10 has 3 pitches but its free time, with a changeover of 1 slot(s) between pitches, fits only 2."
    ]


def test_more_pitches_than_room_slots():
    inst = instance([need(1), need(2)], [pitch(i, 1 + i % 2, 10 + i) for i in range(7)], rooms=1)

    assert "The pitches need 7 room-slots but 1 rooms over 6 slots offer only 6." in map(str, quick_reasons(inst))


def test_pins_on_the_same_room_and_time_clash():
    inst = instance([need(1), need(2)], [pitch(1, 1, 10), pitch(2, 2, 11)], pins={1: (0, 0), 2: (0, 0)})

    assert [str(r) for r in solve(inst, time_limit_s=5).reasons] == [
        "Two pitches are pinned to Room 1 at day 1 09:00: Startup 10 for Need A and Startup 11 for Need B."
    ]


def test_pin_when_the_panel_is_away_and_pin_across_lunch():
    inst = instance(
        [need(1), need(2, pitch_slots=2)],
        [pitch(1, 1, 10), pitch(2, 2, 11)],
        judge_unavailable={101: frozenset({4})},
        pins={1: (1, 4), 2: (0, 2)},
    )

    assert [str(r) for r in quick_reasons(inst)] == [
        "The pitch of Startup 10 for Need A is pinned at day 1 13:20, when the panel of Need A is away.",
        "The pitch of Startup 11 for Need B is pinned where it would run into a break or past the end of the day.",
    ]


def test_only_the_solver_finds_two_panels_competing_for_one_room():
    away = frozenset({2, 3, 4, 5})  # both panels are free at 9:00 and 9:20 only
    inst = instance(
        [need(1), need(2)],
        [pitch(1, 1, 10), pitch(2, 1, 11), pitch(3, 2, 12)],
        rooms=1,
        judge_unavailable={101: away, 102: away},
    )
    assert quick_reasons(inst) == []

    result = solve(inst, time_limit_s=5)

    assert result.status == "infeasible"
    assert [str(r) for r in result.reasons] == [
        "No schedule fits all of the following together in 1 room(s):",
        "the availability of the panel of Need A (free for 2 slots, 2 pitch(es))",
        "the availability of the panel of Need B (free for 2 slots, 1 pitch(es))",
    ]


def test_solver_names_the_startup_whose_changeover_cannot_fit():
    away = frozenset({2, 3, 4, 5})
    inst = instance(
        [need(1), need(2)], [pitch(1, 1, 10), pitch(2, 2, 10)], rooms=2, judge_unavailable={101: away, 102: away}
    )
    assert quick_reasons(inst) == []

    reasons = [str(r) for r in explain_infeasible(inst)]

    assert reasons[0] == "No schedule fits all of the following together in 2 room(s):"
    assert set(reasons[1:]) == {
        "the availability of the panel of Need A (free for 2 slots, 1 pitch(es))",
        "the availability of the panel of Need B (free for 2 slots, 1 pitch(es))",
        "the changeover of 1 slot(s) between the pitches of Startup 10",
    }


def test_feasible_instance_has_no_reasons():
    inst = instance([need(1)], [pitch(1, 1, 10)])

    assert explain_infeasible(inst) == []


def test_each_reason_names_by_id_the_startups_needs_and_judges_it_tells_about():
    """The web app shows a reader a reason only when it may know of all of them (security review, finding 5):
    a need's count speaks of every pitch to it, a startup's of every need it pitches for."""
    inst = instance(
        [need(1), need(2)],
        [pitch(1, 1, 10), pitch(2, 1, 11), pitch(3, 2, 10)],
        rooms=1,
        judge_unavailable={101: AFTERNOONS | {0, 1}},
        startup_unavailable={10: frozenset(range(6))},
        pins={2: (0, 40)},
    )

    named = {str(r): r.parties for r in quick_reasons(inst)}

    assert named["Need A has 2 pitches but its panel is free for 1 slots."] == {
        "startups": (10, 11),
        "needs": (1,),
        "judges": (),
    }
    assert named[
        "Startup 10 has 2 pitches but its free time, with a changeover of 1 slot(s) between pitches, fits only 0."
    ] == {"startups": (10,), "needs": (1, 2), "judges": ()}
    assert named[
        "The pitch of Startup 11 for Need A is pinned where it would run into a break or past the end of the day."
    ] == {"startups": (11,), "needs": (1,), "judges": ()}


def test_a_judge_on_several_panels_is_named_with_the_panels_and_their_pitches():
    inst = instance(
        [need(1, judges=(7,)), need(2, judges=(7,))],
        [pitch(1, 1, 10), pitch(2, 2, 11)],
        rooms=2,
        judge_unavailable={7: frozenset(range(5))},
    )

    [judge] = [r for r in quick_reasons(inst) if r.template.startswith("Judge")]

    assert judge.parties == {"startups": (10, 11), "needs": (1, 2), "judges": (7,)}


def test_a_reason_about_the_rooms_alone_names_nobody():
    inst = instance([need(1), need(2)], [pitch(i, 1 + i % 2, 10 + i) for i in range(7)], rooms=1)

    [rooms] = [r for r in quick_reasons(inst) if r.template.startswith("The pitches need")]

    assert rooms.parties == {}
