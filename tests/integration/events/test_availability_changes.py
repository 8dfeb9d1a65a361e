"""Availability changes on a placed schedule: the person who saved is told what happens
next, the organisers hear of it, and their event page offers the re-solve that keeps the rest in place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.events.models import Pitch
from marketplace.events.queries import pitches_of, unavailable_slots
from marketplace.notifications.models import Notification
from tests.conftest import BANK_STAFF, ORGANISER
from tests.helpers import in_app, need_id, user
from tests.integration.events.test_events import _scheduled_event

pytestmark = pytest.mark.integration


def test_a_judge_who_cannot_make_a_placed_pitch_is_told_and_the_organisers_can_re_solve(app, client, auth):
    event_id = _scheduled_event(app)
    with in_app(app):
        edu = need_id(app, "education-ecosystem-it")

        slot = next(
            r.pitch.start_slot for r in pitches_of(event_id) if r.need.id == edu and r.pitch.start_slot is not None
        )
    auth.login(BANK_STAFF)  # sits on the education need's panel

    saved = client.post(f"/events/{event_id}/availability", data={"slot": [str(slot)]}, follow_redirects=True)
    auth.logout()
    with in_app(app):
        told = list(db.session.scalars(sa.select(Notification).where(Notification.kind == "availability_clash")))
        organiser_id = user(ORGANISER).id
    auth.login(ORGANISER)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)

    assert "Saved. 1 pitch is already placed at a time you cannot make" in saved.get_data(as_text=True)
    assert [(n.user_id, n.params["count"]) for n in told] == [(organiser_id, 1)]
    assert "The panel of" in page and "Re-solve, keeping the rest" in page
    assert "Changes made since then conflict with it" in page


def test_free_slots_are_just_saved(app, client, auth):
    event_id = _scheduled_event(app)
    with in_app(app):
        taken = set(
            db.session.scalars(
                sa.select(Pitch.start_slot).where(Pitch.event_id == event_id, Pitch.start_slot.is_not(None))
            )
        )
    free = next(s for s in range(200) if all(s - k not in taken for k in range(3)))
    auth.login(BANK_STAFF)

    saved = client.post(f"/events/{event_id}/availability", data={"slot": [str(free)]}, follow_redirects=True)

    with in_app(app):
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Notification).where(Notification.kind == "availability_clash")
            )
            == 0
        )
    assert "Saved. The scheduler keeps these slots free." in saved.get_data(as_text=True)


def test_a_whole_morning_ticked_marks_each_of_its_slots(app, client, auth):

    event_id = _scheduled_event(app)
    auth.login(BANK_STAFF)

    client.post(f"/events/{event_id}/availability", data={"block": ["1:am"]})

    with in_app(app):
        away = unavailable_slots(event_id, user_id=user(BANK_STAFF).id)
    page = client.get(f"/events/{event_id}/availability").get_data(as_text=True)
    assert away and 'data-block="1:am" checked' in page
