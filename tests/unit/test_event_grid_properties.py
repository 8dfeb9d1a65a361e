"""Property-based tests (hypothesis) of an event's input and its time grid.

EventInput (events/models.py) is where an event's settings are validated; grid.day_slots trusts
what it accepted (every Event row went through it). So the properties are: EventInput either names
each broken field with a message, or accepts a window whose grid is sound; and the form's parsers
turn any text into values or None, never an exception.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from marketplace.core.errors import InvalidInput
from marketplace.core.validation import validate
from marketplace.events.forms import parse_breaks, parse_clock, parse_rubric
from marketplace.events.grid import day_slots
from marketplace.events.models import EventInput

pytestmark = pytest.mark.unit

PROPS = settings(max_examples=300, deadline=None, derandomize=True)
DAY = 24 * 60


@pytest.fixture(scope="module", autouse=True)
def babel_ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


# Minutes of the day, mostly on a 5-minute grid and inside the day, sometimes just outside it.
minute = st.one_of(st.integers(0, DAY // 5).map(lambda m: m * 5), st.integers(-30, DAY + 30))
a_break = st.one_of(st.tuples(minute, minute).map(list), st.lists(minute, max_size=3))
number = st.one_of(
    st.integers(-5, 200), st.sampled_from([0, 5, 120, 121, 1.5, float("inf"), float("nan"), "20", "x", None])
)
rubric_item = st.fixed_dictionaries(
    {"label": st.sampled_from(["Team", "团队", "", " Fit "])},
    optional={"weight": number, "key": st.sampled_from(["team", "", None])},
)


@st.composite
def event_data(draw) -> dict:
    data = {
        "name": draw(st.sampled_from(["Roadshow day", "上海路演日", "ab", "  Fintech day  "])),
        "starts_on": draw(st.sampled_from([date(2026, 5, 12), "2026-05-12", "someday"])),
        "days": draw(st.one_of(st.integers(0, 4), number)),
        "day_start": draw(minute),
        "day_end": draw(minute),
        "slot_minutes": draw(st.one_of(st.integers(-5, 130), st.sampled_from([0, 5, 20, 120, 121]))),
        "breaks": draw(st.lists(a_break, max_size=3)),
        "changeover_slots": draw(st.integers(-1, 7)),
    }
    if draw(st.booleans()):
        data["rubric"] = draw(st.lists(rubric_item, max_size=9))
    if draw(st.booleans()):
        data["weights"] = draw(
            st.dictionaries(st.sampled_from(["need_rooms", "late_rank", "moved", "x"]), number, max_size=3)
        )
    if draw(st.booleans()):
        data["online_link"] = draw(st.sampled_from(["", "https://meet.example/x", "meet.example", "ftp://x"]))
    return data


@st.composite
def sound_event_data(draw) -> dict:
    """Settings an organiser may well enter: a day inside 00:00-24:00, a slot length of 5-120
    minutes, breaks inside the day (possibly overlapping one another, or the whole day)."""
    start = draw(st.integers(0, DAY - 1))
    end = draw(st.integers(start + 1, DAY))
    breaks = []
    for _ in range(draw(st.integers(0, 3))):
        b_start = draw(st.integers(start, end - 1))
        breaks.append([b_start, draw(st.integers(b_start + 1, min(end, b_start + 180)))])
    return {
        "name": "Roadshow day",
        "starts_on": date(2026, 5, 12),
        "days": draw(st.integers(1, 3)),
        "day_start": start,
        "day_end": end,
        "slot_minutes": draw(st.integers(5, 120)),
        "breaks": breaks,
        "changeover_slots": draw(st.integers(0, 6)),
    }


def clear_cut_errors(data: dict) -> set[str]:
    """Fields that are wrong whatever else the data says (the rule is local to the field)."""
    wrong = set()
    if isinstance(data.get("days", 1), int) and not 1 <= data.get("days", 1) <= 3:
        wrong.add("days")
    if not 5 <= data["slot_minutes"] <= 120:
        wrong.add("slot_minutes")
    if 0 <= data["day_start"] <= DAY and 0 <= data["day_end"] <= DAY and data["day_end"] <= data["day_start"]:
        wrong.add("day_end")
    if any(len(b) != 2 or b[1] <= b[0] for b in data["breaks"]):
        wrong.add("breaks")
    if not 0 <= data["changeover_slots"] <= 6:
        wrong.add("changeover_slots")
    return wrong


def assert_sound_grid(fields) -> None:
    """Slots numbered in time order, each inside the day and outside every break, none overlapping
    another, and no room left in the day for one more."""
    length = fields.slot_minutes
    slots = day_slots(
        days=fields.days, day_start=fields.day_start, day_end=fields.day_end, slot_minutes=length, breaks=fields.breaks
    )

    assert [s.index for s in slots] == list(range(len(slots)))
    assert [(s.day, s.start_minute) for s in slots] == sorted((s.day, s.start_minute) for s in slots)
    by_day = [[s.start_minute for s in slots if s.day == day] for day in range(fields.days)]
    assert {s.day for s in slots} <= set(range(fields.days))
    assert all(starts == by_day[0] for starts in by_day)  # every day has the same grid
    starts = by_day[0]
    for start in starts:
        assert fields.day_start <= start and start + length <= fields.day_end
        assert not any(b_start < start + length and start < b_end for b_start, b_end in fields.breaks)
    assert all(b >= a + length for a, b in pairwise(starts))  # no two slots overlap
    for free in range(fields.day_start, fields.day_end - length + 1):  # nothing more fits
        clashes = any(b_start < free + length and free < b_end for b_start, b_end in fields.breaks) or any(
            s < free + length and free < s + length for s in starts
        )
        assert clashes, f"a slot at minute {free} would fit"


@PROPS
@given(event_data())
@example(
    {
        "name": "Roadshow day",
        "starts_on": "2026-05-12",
        "days": 1,
        "day_start": 540,
        "day_end": 540,
        "slot_minutes": 20,
        "breaks": [],
        "changeover_slots": 1,
    }
)
@example(
    {
        "name": "Roadshow day",
        "starts_on": "2026-05-12",
        "days": 1,
        "day_start": 540,
        "day_end": 1050,
        "slot_minutes": 0,
        "breaks": [[720, 700]],
        "changeover_slots": 1,
    }
)
@example(
    {
        "name": "Roadshow day",
        "starts_on": "2026-05-12",
        "days": 2,
        "day_start": 540,
        "day_end": 1050,
        "slot_minutes": 25,
        "breaks": [[600, 615], [610, 700], [1000, 1050]],
        "changeover_slots": 0,
    }
)
@example(
    {
        "name": "Roadshow day",
        "starts_on": "2026-05-12",
        "day_start": 540,
        "day_end": 1050,
        "slot_minutes": 20,
        "breaks": [],
        "changeover_slots": 1,
        "rubric": [{"label": "Team", "weight": float("inf")}],
    }
)
def test_event_input_names_each_broken_field_or_accepts_a_sound_grid(data):
    """Any event settings: InvalidInput with translated messages keyed by the broken fields (at
    least every clear-cut one: days, slot length, a day ending before it starts, a break ending
    before it starts, changeover), never another exception; or accepted settings whose grid is
    sound (see assert_sound_grid)."""
    try:
        fields = validate(EventInput, data)
    except InvalidInput as exc:
        event("rejected")
        assert exc.errors and set(exc.errors) <= set(EventInput.model_fields)
        assert all(message.strip() for messages in exc.errors.values() for message in messages)
        assert clear_cut_errors(data) <= set(exc.errors)
        return
    event("accepted")
    assert clear_cut_errors(data) == set()
    assert 0 <= fields.day_start < fields.day_end <= DAY and 5 <= fields.slot_minutes <= 120
    assert all(fields.day_start <= s < e <= fields.day_end for s, e in fields.breaks)
    assert_sound_grid(fields)


@PROPS
@given(sound_event_data())
def test_a_sound_window_is_accepted_and_cut_into_a_sound_grid(data):
    """Every day window, slot length and set of breaks inside the day is accepted as entered (breaks
    as whole minutes) and its grid is sound."""
    fields = validate(EventInput, data)

    assert (fields.day_start, fields.day_end, fields.slot_minutes, fields.breaks) == (
        data["day_start"],
        data["day_end"],
        data["slot_minutes"],
        data["breaks"],
    )
    assert_sound_grid(fields)


@PROPS
@given(st.text(max_size=12), st.from_regex(r"\A\s*\d{1,2}[:.]\d{2}\s*\Z"))
@example("²", "9:00")
def test_form_parsers_turn_any_text_into_values_or_none(text, clock_text):
    """The event form's parsers never raise: a time of day is a minute of the day or None; breaks
    and rubric lines parse to pairs and weighted labels, or None for the form to complain about."""
    for value in (text, clock_text):
        minutes = parse_clock(value)
        assert minutes is None or 0 <= minutes <= DAY
    breaks = parse_breaks(f"{text}\n{clock_text}-{text}")
    assert breaks is None or all(len(b) == 2 and all(0 <= m <= DAY for m in b) for b in breaks)
    for rubric_text in (text, f"Team: {text}", f"{text}：{text}"):
        rubric = parse_rubric(rubric_text)
        assert rubric is None or all(item["label"] and isinstance(item["weight"], int) for item in rubric)
