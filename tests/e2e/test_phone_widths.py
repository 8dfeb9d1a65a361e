"""A judge's pages at a phone's width: nothing wider than the screen, so no button such as
"Results" is cut off; the score list names day, time and room; the availability form has whole-day and half-day
blocks and dated days."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.events.models import Pitch
from tests.conftest import BANK_STAFF
from tests.e2e.conftest import signed_in
from tests.helpers import in_app
from tests.integration.events.test_events import _scheduled_event

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def scheduled(live_server):
    base, app = live_server
    event_id = _scheduled_event(app)
    with in_app(app):
        pitch_id = db.session.scalar(
            sa.select(Pitch.id).where(Pitch.event_id == event_id, Pitch.start_slot.is_not(None)).order_by(Pitch.id)
        )
    return base, event_id, pitch_id


def overflow(page) -> int:
    """How far the page is wider than the screen, in CSS pixels (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_every_page_a_judge_uses_fits_a_phone(browser, scheduled):
    base, event_id, pitch_id = scheduled
    context, page = signed_in(browser, base, BANK_STAFF, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        paths = [
            "/",
            "/events/",
            f"/events/{event_id}",
            f"/events/{event_id}/score",
            f"/events/{event_id}/pitches/{pitch_id}/score",
            f"/events/{event_id}/availability",
            f"/events/{event_id}/agenda",
            f"/events/{event_id}/results",
            "/needs/",
            "/notifications/",
        ]
        too_wide = {}
        for path in paths:
            response = page.goto(base + path)
            assert response.status == 200, path
            if overflow(page) > 0:
                too_wide[path] = overflow(page)
        assert too_wide == {}

        page.goto(f"{base}/events/{event_id}/score")
        first = page.locator(".score-list li small").first.inner_text()
        assert first.startswith("Day 1 ") and "Room " in first
    finally:
        context.close()


def test_a_judge_marks_a_whole_morning_with_one_tick(browser, scheduled):
    base, event_id, _pitch = scheduled
    context, page = signed_in(browser, base, BANK_STAFF, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page.goto(f"{base}/events/{event_id}/availability")
        legend = page.locator("fieldset.slot-day legend").first.inner_text()
        page.locator("label.slot-block:has(input[value='0:am'])").click()
        morning = page.locator("input[name=slot][data-in~='0:am']")
        assert morning.count() > 0 and all(morning.nth(i).is_checked() for i in range(morning.count()))
        page.locator("form button.primary").click()
        page.wait_for_load_state()

        flash = page.locator(".flash").first.inner_text()
        kept = page.locator("input[name=slot][data-in~='0:am']:checked").count()
        assert "2027" in legend and legend.startswith("Day 1 · ")
        assert kept == morning.count()
        assert "pitch" in flash or "keeps these slots free" in flash
    finally:
        context.close()
