from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from pydantic import ValidationInfo, field_validator

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.audit.services import record_change, snapshot
from marketplace.db import db, utcnow
from marketplace.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.events import lifecycle
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, EventFields, EventIncubator, EventNeed, EventRoom, Pitch
from marketplace.listing_helpers import unique_slug
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.validation import rule_error, validate
from marketplace.workflow.enums import CandidateStage
from marketplace.workflow.models import Candidate

MAX_ROOMS = 10
AUDITED_FIELDS = list(EventFields.model_fields)
# Candidates in these stages pitch at an event that includes their need.
PITCHING_STAGES = (CandidateStage.SHORTLISTED, CandidateStage.ROADSHOW)


class EventInput(EventFields):
    """Validated input for creating or editing an event."""

    @field_validator("name", "venue", "online_link", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip() if isinstance(value, str) else value

    @field_validator("online_link")
    @classmethod
    def _link(cls, value: str):
        if value and not value.lower().startswith(("https://", "http://")):
            raise rule_error("bad_link")
        return value

    @field_validator("day_end")
    @classmethod
    def _day_order(cls, value, info: ValidationInfo):
        start = info.data.get("day_start")
        if start is not None and value <= start:
            raise rule_error("day_order")
        return value

    @field_validator("breaks")
    @classmethod
    def _breaks(cls, value, info: ValidationInfo):
        start, end = info.data.get("day_start", 0), info.data.get("day_end", 24 * 60)
        for item in value:
            if len(item) != 2 or not start <= item[0] < item[1] <= end:
                raise rule_error("bad_break")
        return [list(map(int, item)) for item in value]


def _require_platform(actor: User) -> None:
    if not authz.is_platform(actor):
        raise PermissionDenied()


def _clean_rooms(rooms: Iterable[str]) -> list[str]:
    names, seen = [], set()
    for name in (r.strip() for r in rooms):
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name[:100])
    if not 1 <= len(names) <= MAX_ROOMS:
        raise InvalidInput({"rooms": [_("Name between 1 and %(n)s rooms, one per line.", n=MAX_ROOMS)]})
    return names


def _check_needs(need_ids: set[int]) -> None:
    if not need_ids:
        raise InvalidInput({"needs": [_("Include at least one published need.")]})
    statuses = dict(db.session.execute(sa.select(Need.id, Need.status).where(Need.id.in_(need_ids))).all())
    if set(statuses) != need_ids or any(s != NeedStatus.PUBLISHED for s in statuses.values()):
        raise InvalidInput({"needs": [_("Only published needs can be included.")]})


def _check_incubators(incubator_ids: set[int]) -> None:
    if not incubator_ids:
        return
    kinds = dict(db.session.execute(
        sa.select(Organisation.id, Organisation.kind).where(Organisation.id.in_(incubator_ids))).all())
    if set(kinds) != incubator_ids or any(k != OrganisationKind.INCUBATOR for k in kinds.values()):
        raise InvalidInput({"incubators": [_("Only incubators can be invited.")]})


def _set_rooms(event: Event, names: list[str]) -> None:
    current = {r.name: r for r in db.session.scalars(sa.select(EventRoom).where(EventRoom.event_id == event.id))}
    for name, room in current.items():
        if name not in names:
            used = db.session.scalar(sa.select(sa.func.count()).select_from(Pitch).where(Pitch.room_id == room.id))
            if used:
                raise InvalidInput({"rooms": [_("Room “%(name)s” has pitches scheduled; move them first.", name=name)]})
            db.session.delete(room)
    for position, name in enumerate(names):
        if name in current:
            current[name].position = position
        else:
            db.session.add(EventRoom(event_id=event.id, name=name, position=position))


def _set_links(event: Event, need_ids: set[int], incubator_ids: set[int]) -> None:
    have_needs = {row.need_id: row for row in db.session.scalars(sa.select(EventNeed).where(EventNeed.event_id == event.id))}
    for need_id, row in have_needs.items():
        if need_id not in need_ids:
            db.session.delete(row)
    for need_id in need_ids - set(have_needs):
        db.session.add(EventNeed(event_id=event.id, need_id=need_id))
    have_incs = {row.organisation_id: row for row in
                 db.session.scalars(sa.select(EventIncubator).where(EventIncubator.event_id == event.id))}
    for org_id, row in have_incs.items():
        if org_id not in incubator_ids:
            db.session.delete(row)
    for org_id in incubator_ids - set(have_incs):
        db.session.add(EventIncubator(event_id=event.id, organisation_id=org_id))


def create_event(*, actor: User, data: dict, rooms: Iterable[str], need_ids: Iterable[int],
                 incubator_ids: Iterable[int] = ()) -> Event:
    """A new event in planning, with its rooms, needs and invited incubators; the shortlisted (and
    opted-in) candidates of its needs become its pitches.

    Raises PermissionDenied unless the actor is an organiser or admin; InvalidInput for broken rules.
    """
    _require_platform(actor)
    fields = validate(EventInput, data)
    names = _clean_rooms(rooms)
    needs, incubators = {int(i) for i in need_ids}, {int(i) for i in incubator_ids}
    _check_needs(needs)
    _check_incubators(incubators)
    event = Event(**fields.model_dump(), slug=unique_slug(Event, fields.name, "event"), created_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    _set_rooms(event, names)
    _set_links(event, needs, incubators)
    db.session.flush()
    record_change(actor_id=actor.id, action="event.create", entity="event", entity_id=event.id,
                  after={**snapshot(event, AUDITED_FIELDS), "rooms": names, "needs": sorted(needs)})
    sync_pitches(event)
    return event


def update_event(*, actor: User, event: Event, data: dict, rooms: Iterable[str], need_ids: Iterable[int],
                 incubator_ids: Iterable[int] = ()) -> Event:
    """Changes the event's settings, rooms, needs and incubators; raises like create_event."""
    _require_platform(actor)
    fields = validate(EventInput, data)
    names = _clean_rooms(rooms)
    needs, incubators = {int(i) for i in need_ids}, {int(i) for i in incubator_ids}
    _check_needs(needs)
    _check_incubators(incubators)
    before = snapshot(event, AUDITED_FIELDS)
    for name, value in fields.model_dump().items():
        setattr(event, name, value)
    _set_rooms(event, names)
    _set_links(event, needs, incubators)
    event.updated_at = utcnow()
    event.version += 1
    db.session.flush()
    record_change(actor_id=actor.id, action="event.update", entity="event", entity_id=event.id,
                  before=before, after=snapshot(event, AUDITED_FIELDS))
    sync_pitches(event)
    return event


def event_need_ids(event_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(EventNeed.need_id).where(EventNeed.event_id == event_id)))


def sync_pitches(event: Event) -> dict[str, int]:
    """Makes the pitches follow the included needs' shortlists (before the schedule is published):
    a shortlisted candidate whose startup chose the need gets a pitch; a pitch whose candidate left
    the shortlist is cancelled and loses its slot. Returns counts (added, cancelled, waiting: shortlisted
    but not opted in, so they cannot pitch yet)."""
    counts = {"added": 0, "cancelled": 0, "waiting": 0}
    if event.status not in lifecycle.PITCHES_FOLLOW_SHORTLIST:
        return counts
    need_ids = event_need_ids(event.id)
    eligible = set()
    if need_ids:
        rows = db.session.execute(
            sa.select(Candidate.id, Candidate.opted_in_at)
            .where(Candidate.need_id.in_(need_ids), Candidate.stage.in_([s.value for s in PITCHING_STAGES]))
        ).all()
        eligible = {cid for cid, opted in rows if opted is not None}
        counts["waiting"] = sum(1 for _cid, opted in rows if opted is None)
    pitches = {p.candidate_id: p for p in db.session.scalars(sa.select(Pitch).where(Pitch.event_id == event.id))}
    for candidate_id in sorted(eligible):
        pitch = pitches.get(candidate_id)
        if pitch is None:
            db.session.add(Pitch(event_id=event.id, candidate_id=candidate_id))
            counts["added"] += 1
        elif pitch.cancelled:
            pitch.cancelled = False
            counts["added"] += 1
    for candidate_id, pitch in pitches.items():
        if candidate_id not in eligible and not pitch.cancelled:
            pitch.cancelled, pitch.room_id, pitch.start_slot, pitch.pinned = True, None, None, False
            counts["cancelled"] += 1
    db.session.flush()
    return counts


def change_event_status(*, actor: User, event: Event, to: EventStatus) -> Event:
    """The one way an event changes status. Publishing (→ scheduled) needs every pitch placed.

    Raises PermissionDenied unless the actor is on the platform; InvalidTransition for a move the
    lifecycle does not allow or a schedule that is not complete.
    """
    _require_platform(actor)
    frm = event.status
    if (frm, to) not in lifecycle.TRANSITIONS:
        raise InvalidTransition(_("An event cannot go from “%(frm)s” to “%(to)s”.", frm=frm.label, to=to.label))
    if to == EventStatus.SCHEDULED:
        unplaced = db.session.scalar(
            sa.select(sa.func.count()).select_from(Pitch)
            .where(Pitch.event_id == event.id, Pitch.cancelled.is_(False), Pitch.start_slot.is_(None))
        )
        active = db.session.scalar(sa.select(sa.func.count()).select_from(Pitch)
                                   .where(Pitch.event_id == event.id, Pitch.cancelled.is_(False)))
        if not active or unplaced:
            raise InvalidTransition(_("%(n)s of %(total)s pitches have no slot yet; generate the schedule first.",
                                      n=unplaced, total=active))
    event.status = to
    event.updated_at = utcnow()
    event.version += 1
    db.session.flush()
    record_change(actor_id=actor.id, action="event.status", entity="event", entity_id=event.id,
                  before={"status": frm.value}, after={"status": to.value})
    if to in lifecycle.PITCHES_FOLLOW_SHORTLIST:
        sync_pitches(event)
    return event
