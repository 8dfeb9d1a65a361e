"""Matchmaking days: setup by organisers, who sees what, pitches following the shortlists, the lifecycle."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.db import db, unit_of_work
from marketplace.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, EventRoom, Pitch
from marketplace.events.services import change_event_status, create_event
from marketplace.workflow.enums import CandidateStage
from marketplace.workflow.models import Candidate
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import in_app, need_id, user

pytestmark = pytest.mark.integration

SETUP = {"name": "Spring roadshow", "starts_on": "2027-04-12", "days": 2, "venue": "Lujiazui campus"}
NEEDS = ("education-ecosystem-it", "iot-collateral-monitoring")


def _event(app, **overrides) -> Event:
    return create_event(actor=user(ORGANISER), data={**SETUP, **overrides}, rooms=["Room A", "Room B"],
                        need_ids=[need_id(app, slug) for slug in NEEDS])


def _eligible(app) -> set[int]:
    ids = [need_id(app, slug) for slug in NEEDS]
    return set(db.session.scalars(sa.select(Candidate.id).where(
        Candidate.need_id.in_(ids), Candidate.stage.in_(["shortlisted", "roadshow"]),
        Candidate.opted_in_at.is_not(None))))


def test_the_shortlisted_candidates_who_chose_the_need_become_pitches(ctx):
    event = _event(ctx)

    pitches = set(db.session.scalars(sa.select(Pitch.candidate_id).where(Pitch.event_id == event.id)))
    assert pitches and pitches == _eligible(ctx)
    assert [r.name for r in db.session.scalars(sa.select(EventRoom).where(EventRoom.event_id == event.id)
                                                 .order_by(EventRoom.position))] == ["Room A", "Room B"]
    assert (event.status, event.day_start, event.breaks) == (EventStatus.PLANNING, 540, [[720, 780]])


def test_a_candidate_leaving_the_shortlist_loses_its_pitch(ctx):
    event = _event(ctx)
    pitch = db.session.scalar(sa.select(Pitch).where(Pitch.event_id == event.id))
    candidate = db.session.get(Candidate, pitch.candidate_id)
    candidate.stage = CandidateStage.DECLINED
    db.session.flush()

    change_event_status(actor=user(ORGANISER), event=event, to=EventStatus.APPLICATIONS_OPEN)

    assert db.session.get(Pitch, pitch.id).cancelled


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": "x"}, "name"),
    ({"day_start": 600, "day_end": 540}, "day_end"),
    ({"breaks": [[780, 720]]}, "breaks"),
    ({"online_link": "javascript:alert(1)"}, "online_link"),
    ({"days": 4}, "days"),
])
def test_broken_setup_rules_name_the_field(ctx, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        _event(ctx, **overrides)
    assert field in caught.value.errors


def test_rooms_and_needs_are_required_and_needs_must_be_published(ctx):
    with pytest.raises(InvalidInput) as rooms:
        create_event(actor=user(ORGANISER), data=SETUP, rooms=["  "], need_ids=[need_id(ctx, NEEDS[0])])
    with pytest.raises(InvalidInput) as draft:
        create_event(actor=user(ORGANISER), data=SETUP, rooms=["A"], need_ids=[need_id(ctx, "corporate-ap-automation")])
    assert "rooms" in rooms.value.errors and "needs" in draft.value.errors


def test_only_the_platform_sets_up_events(ctx):
    for email in (BANK_STAFF, ZJ_MANAGER):
        with pytest.raises(PermissionDenied):
            create_event(actor=user(email), data=SETUP, rooms=["A"], need_ids=[need_id(ctx, NEEDS[0])])


def test_the_schedule_is_published_only_when_every_pitch_has_a_slot(ctx):
    event = _event(ctx)
    organiser = user(ORGANISER)
    change_event_status(actor=organiser, event=event, to=EventStatus.APPLICATIONS_OPEN)
    change_event_status(actor=organiser, event=event, to=EventStatus.SHORTLISTING)

    with pytest.raises(InvalidTransition, match="no slot yet"):
        change_event_status(actor=organiser, event=event, to=EventStatus.SCHEDULED)
    with pytest.raises(InvalidTransition):
        change_event_status(actor=organiser, event=event, to=EventStatus.CLOSED)


def test_organiser_creates_an_event_in_the_browser_form(app, client, auth):
    auth.login(ORGANISER)
    form = {"name": "Autumn roadshow", "starts_on": "2027-10-11", "days": "2", "day_start": "9:00",
            "day_end": "17:30", "slot_minutes": "20", "breaks": "12:00-13:00", "changeover_slots": "1",
            "rooms": "Room A\nRoom B\nRoom C", "needs": [str(need_id(app, slug)) for slug in NEEDS]}

    bad = client.post("/events/new", data={**form, "day_start": "nine"})
    good = client.post("/events/new", data=form)

    assert bad.status_code == 400 and "HH:MM" in bad.get_data(as_text=True)
    assert "Autumn roadshow" in bad.get_data(as_text=True)  # nothing typed is lost
    assert good.status_code == 302
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "Autumn roadshow" in page and "Room C" in page and 'id="pitches"' in page


def test_who_sees_an_event(app, client, auth):
    with in_app(app):
        with unit_of_work():
            event_id = _event(app).id
    seen = {}
    for email in (ORGANISER, BANK_STAFF, "lab@bank.example.com", ZJ_MANAGER):
        auth.login(email)
        seen[email] = client.get(f"/events/{event_id}").status_code
        auth.logout()
    auth.login(BANK_STAFF)
    assert client.get("/events/new").status_code == 403

    # large-corporate owns the education need; the algo lab has no need in it; incubators wait for applications
    assert seen == {ORGANISER: 200, BANK_STAFF: 200, "lab@bank.example.com": 404, ZJ_MANAGER: 404}
