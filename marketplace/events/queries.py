from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace import authz
from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.errors import NotFound
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, EventIncubator, EventNeed, EventRoom, Pitch
from marketplace.needs.models import Need
from marketplace.startups.models import Startup
from marketplace.workflow.models import Candidate


def _visible_clause(user: User) -> sa.ColumnElement[bool]:
    """Organisers see every event; bank staff those with a need of their unit; incubators those they
    are invited to, once applications open."""
    if authz.is_platform(user):
        return sa.true()
    if user.role == UserRole.BANK_STAFF:
        return sa.select(EventNeed.event_id).join(Need, Need.id == EventNeed.need_id).where(
            EventNeed.event_id == Event.id, Need.owner_id == user.organisation_id).exists()
    if user.role == UserRole.INCUBATOR_MANAGER:
        invited = sa.select(EventIncubator.event_id).where(
            EventIncubator.event_id == Event.id, EventIncubator.organisation_id == user.organisation_id).exists()
        return sa.and_(invited, Event.status != EventStatus.PLANNING)
    return sa.false()


def events_for_user(user: User) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).where(_visible_clause(user))
                                   .order_by(Event.starts_on.desc(), Event.id.desc())))


def event_for_user(user: User, event_id: int) -> Event:
    """The event, if the user may see it; NotFound otherwise."""
    event = db.session.scalar(sa.select(Event).where(Event.id == event_id, _visible_clause(user)))
    if event is None:
        raise NotFound()
    return event


def rooms_of(event_id: int) -> list[EventRoom]:
    return list(db.session.scalars(sa.select(EventRoom).where(EventRoom.event_id == event_id)
                                   .order_by(EventRoom.position, EventRoom.id)))


def needs_of(event_id: int) -> list[tuple[EventNeed, Need]]:
    return [(en, n) for en, n in db.session.execute(
        sa.select(EventNeed, Need).join(Need, Need.id == EventNeed.need_id)
        .where(EventNeed.event_id == event_id).order_by(Need.title))]


def incubator_ids_of(event_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(EventIncubator.organisation_id).where(EventIncubator.event_id == event_id)))


@dataclass(frozen=True)
class PitchRow:
    pitch: Pitch
    candidate: Candidate
    startup: Startup
    need: Need


def pitches_of(event_id: int, *, include_cancelled: bool = False) -> list[PitchRow]:
    query = (sa.select(Pitch, Candidate, Startup, Need)
             .join(Candidate, Candidate.id == Pitch.candidate_id)
             .join(Startup, Startup.id == Candidate.startup_id)
             .join(Need, Need.id == Candidate.need_id)
             .where(Pitch.event_id == event_id)
             .order_by(Need.title, Pitch.start_slot, Startup.name))
    if not include_cancelled:
        query = query.where(Pitch.cancelled.is_(False))
    return [PitchRow(*row) for row in db.session.execute(query)]
