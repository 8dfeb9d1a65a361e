"""Whole days and half-days on the availability form."""

from __future__ import annotations

import pytest

from marketplace.events.grid import block_slots, day_slots, halves_of

pytestmark = pytest.mark.unit

SLOTS = day_slots(days=2, day_start=9 * 60, day_end=17 * 60, slot_minutes=60, breaks=[[12 * 60, 13 * 60]])


def test_a_block_is_its_days_slots_split_at_noon():
    mornings = {s.index for s in SLOTS if s.day == 1 and s.start_minute < 12 * 60}

    assert (
        block_slots(SLOTS, ["1:am"]) == mornings == {s.index for s in halves_of([s for s in SLOTS if s.day == 1])["am"]}
    )
    assert block_slots(SLOTS, ["0:day"]) == {s.index for s in SLOTS if s.day == 0}
    assert block_slots(SLOTS, ["0:am", "0:pm"]) == block_slots(SLOTS, ["0:day"])


@pytest.mark.parametrize("junk", ["", "x:am", "0:evening", "-1:day", "9:day", "0", ":pm"])
def test_a_block_that_is_not_one_marks_nothing(junk):
    assert block_slots(SLOTS, [junk]) == set()
