"""Incubators at events: an Events item in their navigation, their own pitches (day, time,
room) instead of a grid of other people's empty cells, the invited incubators on the organiser's page, the
organiser's own calendar feed, and the online-meeting link in calendar files."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.names import org_name
from marketplace.core.db import db, unit_of_work
from marketplace.events.agenda import personal_entries
from marketplace.events.models import Event, EventIncubator, Pitch
from marketplace.events.queries import pitches_of
from marketplace.events.services import set_unavailability
from marketplace.needs.enums import NeedVisibility
from marketplace.needs.models import Need
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Listing
from tests.conftest import ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, user
from tests.integration.events.test_events import _scheduled_event

pytestmark = pytest.mark.integration

LINK = "https://meet.example.com/roadshow-day"


def _with_link_and_guest(app) -> tuple[int, str, set[str]]:
    """A scheduled event with an online link, one incubator with a pitch invited; (event id, that manager's
    email, the names of its startups that pitch)."""

    event_id = _scheduled_event(app)
    with in_app(app), unit_of_work():
        event = db.session.get(Event, event_id)
        event.online_link = LINK
        rows = [r for r in pitches_of(event_id) if r.pitch.start_slot is not None]
        for email in (ZJ_MANAGER, PNP_MANAGER):
            manager = user(email)
            listed = set(
                db.session.scalars(sa.select(Listing.startup_id).where(Listing.incubator_id == manager.organisation_id))
            )
            own = {r.startup.name for r in rows if r.startup.id in listed}
            if own:
                db.session.add(EventIncubator(event_id=event_id, organisation_id=manager.organisation_id))
                return event_id, email, own
    pytest.fail("no seeded incubator has a pitch at the event")


def test_an_incubator_finds_events_and_sees_its_own_pitches_not_the_grid(app, client, auth):
    event_id, email, own = _with_link_and_guest(app)
    auth.login(email)

    dashboard = client.get("/").get_data(as_text=True)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)

    assert 'href="/events/"' in dashboard
    assert "schedule-grid" not in page
    assert all(name in page for name in own)
    assert "Room A" in page or "Room B" in page  # the room beside the day and time
    assert "Invited incubators" not in page  # the guest list is the organisers'


def test_the_organiser_sees_who_is_invited_and_has_a_feed_of_every_pitch(app, client, auth):

    event_id, email, _own = _with_link_and_guest(app)
    with in_app(app):
        guest = org_name(db.session.get(Organisation, user(email).organisation_id))
        placed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Pitch)
            .where(Pitch.event_id == event_id, Pitch.start_slot.is_not(None), Pitch.cancelled.is_(False))
        )
        feed = personal_entries(user(ORGANISER), tz="Asia/Shanghai")
    auth.login(ORGANISER)

    page = client.get(f"/events/{event_id}").get_data(as_text=True)

    assert "Invited incubators" in page and guest in page
    assert len([e for e in feed if e.event_name == "Spring roadshow"]) == placed > 0


def test_calendar_files_carry_the_online_link(app, client, auth):
    event_id, email, _own = _with_link_and_guest(app)
    auth.login(email)

    ics = client.get(f"/events/{event_id}/agenda.ics")

    entries = Calendar.from_ical(ics.data).walk("VEVENT")
    assert entries and all(str(e["url"]) == LINK and LINK in str(e["description"]) for e in entries)


def test_an_incubators_agenda_names_no_need_it_cannot_see(app, client, auth):

    event_id, email, own = _with_link_and_guest(app)
    with in_app(app), unit_of_work():
        hidden = next(r.need for r in pitches_of(event_id) if r.startup.name in own)  # a need its startup pitches to
        db.session.get(Need, hidden.id).visibility = NeedVisibility.INTERNAL
        title = hidden.title
    auth.login(email)

    agenda = client.get(f"/events/{event_id}/agenda").get_data(as_text=True)
    ics = client.get(f"/events/{event_id}/agenda.ics").get_data(as_text=True)

    assert title not in agenda and title not in ics


def test_listing_a_startup_another_incubator_nominated_shows_nothing_of_its_pitch(app, client, auth):
    """The events side still read "my pitches" from listings, so an incubator
    listing a startup that another incubator nominated saw that nomination's pitch, agenda and availability."""

    event_id, email, own = _with_link_and_guest(app)
    other = PNP_MANAGER if email == ZJ_MANAGER else ZJ_MANAGER
    with in_app(app), unit_of_work():
        nominator = user(email)
        row = next(r for r in pitches_of(event_id) if r.startup.name in own and r.pitch.start_slot is not None)
        db.session.get(Candidate, row.candidate.id).nominated_by_id = nominator.organisation_id
        outsider = user(other)
        if (
            db.session.scalar(
                sa.select(Listing.id).where(
                    Listing.startup_id == row.startup.id, Listing.incubator_id == outsider.organisation_id
                )
            )
            is None
        ):
            db.session.add(
                Listing(
                    startup_id=row.startup.id, incubator_id=outsider.organisation_id, external_id="colisted-at-event"
                )
            )
        db.session.add(EventIncubator(event_id=event_id, organisation_id=outsider.organisation_id))
        startup_id, name = row.startup.id, row.startup.name
    with in_app(app):
        feed = personal_entries(db.session.get(User, user(other).id), tz="Asia/Shanghai")
    auth.login(other)

    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    agenda = client.get(f"/events/{event_id}/agenda?startup={startup_id}")
    availability = client.get(f"/events/{event_id}/availability?startup={startup_id}")

    assert name not in page
    assert agenda.status_code == 403 and availability.status_code == 403
    assert all(e.startup_name != name for e in feed)
    auth.logout()
    auth.login(email)  # the nominating incubator still has it all
    assert name in client.get(f"/events/{event_id}").get_data(as_text=True)
    assert client.get(f"/events/{event_id}/agenda?startup={startup_id}").status_code == 200


def test_a_judges_absence_reaches_the_organisers_not_the_incubator(app, client, auth):
    """The conflict list ("The panel of … is away when …") told incubators when judges are away."""

    event_id, email, own = _with_link_and_guest(app)
    with in_app(app), unit_of_work():
        row = next(r for r in pitches_of(event_id) if r.startup.name in own and r.pitch.start_slot is not None)
        judge = db.session.scalar(
            sa.select(User)
            .where(User.role == UserRole.BANK_STAFF, User.organisation_id == row.need.owner_id)
            .order_by(User.id)
        )
        set_unavailability(
            actor=judge, event=db.session.get(Event, event_id), slots=[row.pitch.start_slot], user_id=judge.id
        )
    auth.login(email)
    incubator_page = client.get(f"/events/{event_id}").get_data(as_text=True)
    auth.logout()
    auth.login(ORGANISER)
    organiser_page = client.get(f"/events/{event_id}").get_data(as_text=True)

    assert "The panel of" in organiser_page
    assert "The panel of" not in incubator_page and "conflict" not in incubator_page
