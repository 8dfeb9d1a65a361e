"""Who sees a matchmaking day and judges at it.

The organisers run the days (``accounts.rules.require_platform`` guards every change); bank staff see the
days with a need of their unit and sit on those needs' panels (``may_judge``); incubators see the days they
are invited to, or where one of their candidates pitches, once applications open (``visible_events_clause``).
Which pitches and reasons a reader sees is ``events.queries.visible_pitches`` / ``schedule_result_for``.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.core.db import db
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, EventIncubator, EventNeed, Pitch
from marketplace.needs.models import Need
from marketplace.needs.rules import owns_need
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.rules import startup_side_sees


def visible_events_clause(user: User) -> sa.ColumnElement[bool]:
    """Organisers see every event; bank staff those with a need of their unit; incubators those they
    are invited to or where one of their startups pitches, once applications open."""
    if is_platform(user):
        return sa.true()
    if is_bank(user):
        return (
            sa.select(EventNeed.event_id)
            .join(Need, Need.id == EventNeed.need_id)
            .where(EventNeed.event_id == Event.id, Need.owner_id == user.organisation_id)
            .exists()
        )
    if is_incubator(user):
        invited = (
            sa.select(EventIncubator.event_id)
            .where(EventIncubator.event_id == Event.id, EventIncubator.organisation_id == user.organisation_id)
            .exists()
        )
        pitching = (
            sa.select(Pitch.id)
            .join(Candidate, Candidate.id == Pitch.candidate_id)
            .where(Pitch.event_id == Event.id, Pitch.cancelled.is_(False), startup_side_sees(user.organisation_id))
            .exists()
        )
        return sa.and_(sa.or_(invited, pitching), Event.status != EventStatus.PLANNING)
    return sa.false()


def may_judge(user: User, need: Need) -> bool:
    """A need's panel is the active staff of the unit that owns it."""
    return owns_need(user, need) and user.active


def judged_need_ids(user: User, event_id: int) -> set[int]:
    """The event's needs whose panel the user sits on: bank staff, for their unit's needs."""
    if not is_bank(user):
        return set()
    return set(
        db.session.scalars(
            sa.select(Need.id)
            .join(EventNeed, EventNeed.need_id == Need.id)
            .where(EventNeed.event_id == event_id, Need.owner_id == user.organisation_id)
        )
    )


def judges_at(user: User, event: Event) -> bool:
    """The user sits on the panel of one of the event's needs (their scoring page)."""
    return bool(judged_need_ids(user, event.id))


def reads_results(user: User, event: Event) -> bool:
    """An event's results are the platform's (every need) and its judges' (their panels' needs)."""
    return is_platform(user) or judges_at(user, event)


def may_know_judges(user: User) -> bool:
    """A scheduler reason naming a judge (when they are away) is for bank staff and the platform."""
    return is_platform(user) or is_bank(user)
