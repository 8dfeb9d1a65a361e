"""The dashboard's funnel maths on plain histories: reached, conversion, days in stage, incubators, short needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.dashboard.funnel import (
    MIN_ACTIVE_CANDIDATES,
    TIMED_STAGES,
    History,
    conversions,
    current_counts,
    finished_stays,
    incubator_tallies,
    median_days,
    reached_counts,
    reached_stages,
    short_of_candidates,
    summarise,
)
from marketplace.pipeline.enums import CandidateStage as C
from marketplace.pipeline.transitions import ORDER

pytestmark = pytest.mark.unit

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def history(*path: tuple[C, float], need: int = 1, incubators: tuple[int, ...] = ()) -> History:
    """A candidate that entered each stage ``days`` after T0; its current stage is the last one."""
    steps = tuple((stage, T0 + timedelta(days=days)) for stage, days in path)
    return History(need_id=need, stage=steps[-1][0], steps=steps, incubator_ids=frozenset(incubators))


def reached(**counts: int) -> dict[C, int]:
    return {stage: counts.get(stage.value, 0) for stage in ORDER}


def test_reached_counts_every_stage_up_to_the_furthest():
    histories = [
        history((C.SUGGESTED, 0), (C.INVITED, 2), (C.APPLIED, 5), (C.SHORTLISTED, 9)),
        history((C.SUGGESTED, 0), (C.INVITED, 3)),
        history((C.SUGGESTED, 0)),
    ]

    assert reached_counts(histories) == reached(suggested=3, invited=2, applied=1, shortlisted=1)


def test_a_candidate_that_skips_stages_reached_the_ones_it_skipped():
    straight_to_shortlist = history((C.SUGGESTED, 0), (C.SHORTLISTED, 4))
    nominated = history((C.APPLIED, 0), (C.SHORTLISTED, 3), (C.ROADSHOW, 8))

    assert reached_stages(straight_to_shortlist) == [C.SUGGESTED, C.INVITED, C.APPLIED, C.SHORTLISTED]
    assert reached_counts([straight_to_shortlist, nominated]) == reached(
        suggested=2, invited=2, applied=2, shortlisted=2, roadshow=1
    )


def test_declined_and_withdrawn_candidates_keep_the_stages_they_reached_but_are_not_active():
    declined = history((C.SUGGESTED, 0), (C.INVITED, 2), (C.APPLIED, 4), (C.DECLINED, 10))
    withdrawn = history((C.SUGGESTED, 0), (C.INVITED, 1), (C.WITHDRAWN, 6))
    live = history((C.SUGGESTED, 0))

    funnel = summarise([declined, withdrawn, live])

    assert funnel.reached == reached(suggested=3, invited=2, applied=1)
    assert (funnel.total, funnel.active) == (3, 1)
    assert funnel.current == {**{stage: 0 for stage in C}, C.SUGGESTED: 1, C.DECLINED: 1, C.WITHDRAWN: 1}


def test_a_move_back_counts_the_furthest_stage_once():
    back_and_forth = history((C.SUGGESTED, 0), (C.SHORTLISTED, 1), (C.INVITED, 3), (C.APPLIED, 6), (C.SHORTLISTED, 8))

    assert reached_counts([back_and_forth]) == reached(suggested=1, invited=1, applied=1, shortlisted=1)
    assert finished_stays(back_and_forth) == [
        (C.SUGGESTED, 1.0),
        (C.SHORTLISTED, 2.0),
        (C.INVITED, 3.0),
        (C.APPLIED, 2.0),
    ]


def test_current_counts_list_every_stage():
    counts = current_counts([history((C.SUGGESTED, 0), (C.INVITED, 1)), history((C.SUGGESTED, 0), (C.INVITED, 2))])

    assert list(counts) == list(C)
    assert counts[C.INVITED] == 2
    assert sum(counts.values()) == 2


def test_conversion_is_reached_next_over_reached_this_and_none_without_candidates():
    rates = conversions(reached(suggested=4, invited=3, applied=3, shortlisted=2))

    assert list(rates) == ORDER[:-1]
    assert rates[C.SUGGESTED] == 0.75
    assert rates[C.INVITED] == 1.0
    assert rates[C.APPLIED] == pytest.approx(2 / 3)
    assert rates[C.SHORTLISTED] == 0.0
    assert rates[C.ROADSHOW] is None
    assert rates[C.IN_PILOT] is None


def test_median_days_with_an_odd_number_of_stays():
    histories = [history((C.SUGGESTED, 0), (C.INVITED, days)) for days in (9, 2, 4)]

    assert median_days(histories)[C.SUGGESTED] == 4


def test_median_days_with_an_even_number_of_stays_is_the_mean_of_the_middle_two():
    histories = [history((C.SUGGESTED, 0), (C.INVITED, days)) for days in (10, 2, 6, 4)]

    assert median_days(histories)[C.SUGGESTED] == 5


def test_median_days_measure_fractions_of_a_day():
    histories = [history((C.SUGGESTED, 0), (C.INVITED, 1.5))]

    assert median_days(histories)[C.SUGGESTED] == 1.5


def test_a_stay_that_has_not_finished_is_left_out():
    still_invited = history((C.SUGGESTED, 0), (C.INVITED, 3))
    moved_on = history((C.SUGGESTED, 0), (C.INVITED, 1), (C.APPLIED, 8))

    days = median_days([still_invited, moved_on])

    assert days[C.SUGGESTED] == 2  # median of 3 and 1
    assert days[C.INVITED] == 7  # only the finished stay
    assert days[C.APPLIED] is None


def test_a_stay_ended_by_declining_counts():
    declined = history((C.SUGGESTED, 0), (C.INVITED, 2), (C.DECLINED, 12))

    assert median_days([declined])[C.INVITED] == 10


def test_empty_data_gives_zeros_and_nothing_to_measure():
    funnel = summarise([])

    assert (funnel.total, funnel.active) == (0, 0)
    assert set(funnel.current.values()) == {0}
    assert set(funnel.reached.values()) == {0}
    assert set(funnel.conversion.values()) == {None}
    assert list(funnel.median_days) == list(TIMED_STAGES)
    assert set(funnel.median_days.values()) == {None}
    assert incubator_tallies([]) == []
    assert short_of_candidates([], []) == []


def test_incubators_are_credited_and_ranked_by_selected_then_shortlisted():
    histories = [
        history((C.SUGGESTED, 0), (C.SHORTLISTED, 1), incubators=(10, 11)),
        history(
            (C.APPLIED, 0), (C.SHORTLISTED, 1), (C.ROADSHOW, 2), (C.SELECTED, 3), (C.DECLINED, 4), incubators=(12,)
        ),
        history((C.SUGGESTED, 0), incubators=(10,)),
        history((C.SUGGESTED, 0), (C.SHORTLISTED, 2), incubators=(11,)),
        history((C.SUGGESTED, 0)),
    ]

    tallies = [(t.incubator_id, t.candidates, t.shortlisted, t.selected) for t in incubator_tallies(histories)]

    assert tallies == [(12, 1, 1, 1), (11, 2, 2, 0), (10, 2, 1, 0)]


def test_needs_short_of_active_candidates_fewest_first():
    histories = [
        *(history((C.SUGGESTED, 0), need=1) for _ in range(MIN_ACTIVE_CANDIDATES)),
        history((C.SUGGESTED, 0), need=2),
        history((C.SUGGESTED, 0), need=2),
        history((C.SUGGESTED, 0), (C.DECLINED, 1), need=2),
        history((C.SUGGESTED, 0), (C.INVITED, 1), (C.WITHDRAWN, 2), need=3),
        history((C.SUGGESTED, 0), need=4),  # not one of the needs asked about
    ]

    assert short_of_candidates([1, 2, 3, 5], histories) == [(3, 0), (5, 0), (2, 2)]
    assert short_of_candidates([1, 2], histories, minimum=4) == [(2, 2), (1, 3)]
