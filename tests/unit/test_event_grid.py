import pytest

from marketplace.events.forms import parse_breaks, parse_clock, parse_rubric
from marketplace.events.grid import day_slots

pytestmark = pytest.mark.unit


def test_a_day_of_twenty_minute_slots_skips_lunch():
    slots = day_slots(days=1, day_start=9 * 60, day_end=17 * 60 + 30, slot_minutes=20, breaks=[[720, 780]])

    starts = [s.start_minute for s in slots]
    assert starts[0] == 540 and starts[-1] == 17 * 60  # 17:00-17:20; another would end after 17:30
    assert 700 in starts and 720 not in starts and 760 not in starts and 780 in starts
    assert len(slots) == 22  # 9:00-12:00 (9) + 13:00-17:30 (13)


def test_slots_are_numbered_across_days():
    slots = day_slots(days=3, day_start=540, day_end=600, slot_minutes=20, breaks=[])

    assert [(s.index, s.day) for s in slots] == [(i, i // 3) for i in range(9)]


def test_a_break_that_cuts_a_slot_pushes_it_after_the_break():
    slots = day_slots(days=1, day_start=540, day_end=660, slot_minutes=30, breaks=[[590, 600]])

    assert [s.start_minute for s in slots] == [540, 600, 630]


@pytest.mark.parametrize(
    ("text", "minutes"), [("9:00", 540), ("17.30", 1050), ("24:00", 1440), ("25:00", None), ("9", None), ("", None)]
)
def test_times_of_day(text, minutes):
    assert parse_clock(text) == minutes


def test_breaks_are_parsed_one_per_line():
    assert parse_breaks("12:00-13:00\n15:00 – 15:20\n") == [[720, 780], [900, 920]]
    assert parse_breaks("lunch") is None


def test_rubric_lines_take_either_colon():
    assert parse_rubric("Team: 20\n团队：30") == [{"label": "Team", "weight": 20}, {"label": "团队", "weight": 30}]
    assert parse_rubric("Team") is None
