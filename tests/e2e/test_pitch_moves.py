"""Moving a pitch by hand in the browser: from the Pitches table's Move link onto a cell
another pitch of the same length holds, the two swap places and say so; both stay on the grid."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.events.grid import clock, day_slots
from marketplace.events.models import Event, EventRoom
from marketplace.events.queries import pitches_of
from tests.conftest import ORGANISER
from tests.e2e.conftest import signed_in
from tests.helpers import in_app
from tests.integration.events.test_events import _scheduled_event

pytestmark = pytest.mark.e2e


def test_a_move_onto_a_pitch_of_the_same_need_swaps_the_two(browser, live_server):
    base, app = live_server
    event_id = _scheduled_event(app)
    with in_app(app):
        event = db.session.get(Event, event_id)
        slots = day_slots(
            days=event.days,
            day_start=event.day_start,
            day_end=event.day_end,
            slot_minutes=event.slot_minutes,
            breaks=event.breaks,
        )
        rooms = dict(
            db.session.execute(sa.select(EventRoom.id, EventRoom.name).where(EventRoom.event_id == event_id)).all()
        )
        placed = [r for r in pitches_of(event_id) if r.pitch.start_slot is not None]
        first = placed[0]
        second = next(r for r in placed[1:] if r.need.id == first.need.id)
        target = slots[second.pitch.start_slot]
        label = (
            f"Move {first.startup.name} to {rooms[second.pitch.room_id]} on day {target.day + 1} "
            f"at {clock(target.start_minute)}"
        )
    context, page = signed_in(browser, base, ORGANISER)
    try:
        page.goto(f"{base}/events/{event_id}")
        page.locator(f"#pitch-{first.pitch.id} a[aria-label='Move {first.startup.name}']").click()
        page.locator(f"button[aria-label^='{label}']").click()
        page.wait_for_load_state()

        flash = page.locator(".flash-success").first.inner_text()
        grid = page.locator("table.schedule-grid").all_inner_texts()
        assert "The two pitches swapped places" in flash
        assert sum(t.count(first.startup.name) for t in grid) == 1
        assert sum(t.count(second.startup.name) for t in grid) == 1
        assert (
            f"Day {target.day + 1} {clock(target.start_minute)}"
            in page.locator(f"#pitch-{first.pitch.id}").inner_text()
        )
    finally:
        context.close()
