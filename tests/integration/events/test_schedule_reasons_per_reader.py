"""Why a matchmaking day cannot be scheduled, told to each reader only as far as they may know of the pitches
(security review, finding 5): the organiser and the bank read every reason; an invited incubator reads those
about its own startups' pitches, never another incubator's startup's name nor an internal need's title."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.core.db import db, unit_of_work
from marketplace.events.enums import EventStatus
from marketplace.events.grid import day_slots
from marketplace.events.models import Event, EventRoom, Pitch, ScheduleRun, Unavailability
from marketplace.events.services import change_event_status, create_event, request_schedule
from marketplace.needs.models import Need
from marketplace.pipeline.models import Candidate
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER
from tests.helpers import in_app, need_id, org, startup_by_slug, user

pytestmark = pytest.mark.integration

OPEN_NEED = "education-ecosystem-it"  # public; Kaiyue Tech (Plug and Play's) and 36Kr's Qingmu Edu pitch for it
INTERNAL = "data-governance-tooling"  # internal; Westlake's Tianlan Cloud pitches for it (a pre-rule invitation)
OWN, OTHERS = "kaiyue-tech", "qingmu-edu"
INTERNAL_PITCH = "tianlan-cloud"
WITHHELD = "Other reasons concern other participants"


def _pitch(event_id: int, startup_slug: str) -> Pitch:
    return db.session.scalar(
        sa.select(Pitch)
        .join(Candidate, Candidate.id == Pitch.candidate_id)
        .where(
            Pitch.event_id == event_id,
            Candidate.startup_id == startup_by_slug(startup_slug).id,
            Pitch.cancelled.is_(False),
        )
    )


def _day_nobody_can_schedule(app) -> int:
    """A day with the open and the internal need, Plug and Play invited; Kaiyue Tech and Qingmu Edu are away all
    day and Tianlan Cloud's pitch is pinned to the first slot, when it is away, so the scheduler's reasons name
    each of them (and the internal need's title, with Tianlan Cloud); then the scheduler has run."""
    with in_app(app):
        organiser = user(ORGANISER)
        with unit_of_work():
            event = create_event(
                actor=organiser,
                data={"name": "Reasons day", "starts_on": "2027-05-10", "days": 1},
                rooms=["Room A"],
                need_ids=[need_id(app, OPEN_NEED), need_id(app, INTERNAL)],
                incubator_ids=[org("plug-and-play").id],
            )
            change_event_status(actor=organiser, event=event, to=EventStatus.APPLICATIONS_OPEN)
            slots = day_slots(
                days=event.days,
                day_start=event.day_start,
                day_end=event.day_end,
                slot_minutes=event.slot_minutes,
                breaks=event.breaks,
            )
            for slug in (OWN, OTHERS):
                assert _pitch(event.id, slug) is not None, slug
                db.session.add_all(
                    Unavailability(event_id=event.id, startup_id=startup_by_slug(slug).id, slot=s.index) for s in slots
                )
            pinned = _pitch(event.id, INTERNAL_PITCH)
            pinned.room_id = db.session.scalar(sa.select(EventRoom.id).where(EventRoom.event_id == event.id))
            pinned.start_slot, pinned.pinned = 0, True
            db.session.add(Unavailability(event_id=event.id, startup_id=startup_by_slug(INTERNAL_PITCH).id, slot=0))
        with unit_of_work():  # without Redis the job runs in-process right after the commit
            request_schedule(actor=organiser, event=db.session.get(Event, event.id))
        run = db.session.scalar(sa.select(ScheduleRun).where(ScheduleRun.event_id == event.id))
        assert run.status == "done" and run.result["status"] == "infeasible", run.result
        return event.id


def _names(app) -> dict[str, str]:
    with in_app(app):
        return {
            "own": startup_by_slug(OWN).name,
            "others": startup_by_slug(OTHERS).name,
            "internal_pitch": startup_by_slug(INTERNAL_PITCH).name,
            "internal_title": db.session.get(Need, need_id(app, INTERNAL)).title,
        }


def _read(client, event_id: int) -> tuple[str, str]:
    """The event page and the status JSON's result (as text, names unescaped)."""
    page = client.get(f"/events/{event_id}")
    status = client.get(f"/events/{event_id}/schedule/status")
    assert page.status_code == 200 and status.status_code == 200
    return page.get_data(as_text=True), json.dumps(status.get_json()["result"], ensure_ascii=False)


def test_an_invited_incubator_reads_only_the_reasons_about_its_own_pitches(app, client, auth):
    event_id, names = _day_nobody_can_schedule(app), _names(app)
    auth.login(PNP_MANAGER)

    page, status = _read(client, event_id)

    # its own startup's trouble, in full
    assert f"{escape(names['own'])} has 1 pitches but its free time" in page
    assert f'"startup": "{names["own"]}"' in status
    for secret in (names["others"], names["internal_pitch"], names["internal_title"]):
        assert str(escape(secret)) not in page and secret not in status, secret
    assert WITHHELD in page and '"reasons_withheld": true' in status


@pytest.mark.parametrize("reader", [ORGANISER, BANK_STAFF])
def test_the_organiser_and_the_bank_read_every_reason(app, client, auth, reader):
    event_id, names = _day_nobody_can_schedule(app), _names(app)
    auth.login(reader)

    page, status = _read(client, event_id)

    for name in names.values():
        assert str(escape(name)) in page and name in status, name
    assert WITHHELD not in page and '"reasons_withheld": true' not in status


def test_reasons_stored_before_they_named_their_parties_are_read_safely(app, client, auth):
    """A run stored with reasons of names alone: one naming nobody reads as before; one naming a startup is
    the organiser's, since whom it names can no longer be told."""
    event_id = _day_nobody_can_schedule(app)
    with in_app(app):
        other = startup_by_slug(OTHERS).name
        with unit_of_work():
            db.session.add(
                ScheduleRun(
                    event_id=event_id,
                    status="done",
                    result={
                        "status": "infeasible",
                        "reasons": [
                            {
                                "template": "The pitches need {needed} room-slots "
                                "but {rooms} rooms over {slots} slots offer only {available}.",
                                "params": {"needed": 40, "rooms": 1, "slots": 24, "available": 24},
                            },
                            {"template": "the availability of {startup}", "params": {"startup": other}},
                        ],
                    },
                )
            )
    auth.login(PNP_MANAGER)
    page, status = _read(client, event_id)
    auth.logout()
    auth.login(ORGANISER)
    organisers, _status = _read(client, event_id)

    assert "The pitches need 40 room-slots" in page and '"needed": 40' in status
    assert other not in page and other not in status and WITHHELD in page
    assert f"the availability of {other}" in organisers


def test_startups_and_pitches_are_named_by_id_in_what_the_scheduler_stores(app):
    event_id = _day_nobody_can_schedule(app)
    with in_app(app):
        run = db.session.scalar(sa.select(ScheduleRun).where(ScheduleRun.event_id == event_id))
        own = startup_by_slug(OWN)
        reason = next(r for r in run.result["reasons"] if r["params"].get("startup") == own.name)
        assert reason["parties"] == {"startups": [own.id], "needs": [need_id(app, OPEN_NEED)], "judges": []}
