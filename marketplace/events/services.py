from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.queries import organisers
from marketplace.accounts.rules import is_incubator, is_platform, require_platform
from marketplace.audit.services import record_change, snapshot
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.core.list_queries import unique_slug
from marketplace.core.validation import validate
from marketplace.events import lifecycle
from marketplace.events.agenda import entries
from marketplace.events.enums import EventStatus
from marketplace.events.grid import event_slots
from marketplace.events.models import (
    Event,
    EventFields,
    EventIncubator,
    EventInput,
    EventNeed,
    EventRoom,
    Pitch,
    ScheduleRun,
    Score,
    Unavailability,
)
from marketplace.events.queries import pitches_of, visible_pitches
from marketplace.events.rules import judged_need_ids
from marketplace.jobs.queue import enqueue
from marketplace.needs.enums import NeedStatus
from marketplace.needs.lifecycle import deadline_may_be_set
from marketplace.needs.models import Need
from marketplace.notifications.services import link_for, notify
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.notices import bank_side, startup_side
from marketplace.pipeline.services import transition

MAX_ROOMS = 10
AUDITED_FIELDS = list(EventFields.model_fields)
# Candidates in these stages pitch at an event that includes their need.
PITCHING_STAGES = (CandidateStage.SHORTLISTED, CandidateStage.ROADSHOW)


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
    kinds = dict(
        db.session.execute(
            sa.select(Organisation.id, Organisation.kind).where(Organisation.id.in_(incubator_ids))
        ).all()
    )
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
    have_needs = {
        row.need_id: row for row in db.session.scalars(sa.select(EventNeed).where(EventNeed.event_id == event.id))
    }
    for need_id, row in have_needs.items():
        if need_id not in need_ids:
            db.session.delete(row)
    for need_id in need_ids - set(have_needs):
        db.session.add(EventNeed(event_id=event.id, need_id=need_id))
    have_incs = {
        row.organisation_id: row
        for row in db.session.scalars(sa.select(EventIncubator).where(EventIncubator.event_id == event.id))
    }
    for org_id, row in have_incs.items():
        if org_id not in incubator_ids:
            db.session.delete(row)
    for org_id in incubator_ids - set(have_incs):
        db.session.add(EventIncubator(event_id=event.id, organisation_id=org_id))


def _check_dates(fields: EventInput, before: Event | None = None) -> None:
    """The first day and the application deadline, when set or changed, are today or later (an event whose
    dates have passed can still be edited otherwise), and applications close by the first day."""
    errors: dict[str, list[str]] = {}
    if not deadline_may_be_set(fields.starts_on, before.starts_on if before else None):
        errors["starts_on"] = [
            _("The first day %(date)s has passed: choose today or a later day.", date=fields.starts_on.isoformat())
        ]
    closes = fields.application_deadline
    if not deadline_may_be_set(closes, before.application_deadline if before else None):
        errors["application_deadline"] = [
            _("The deadline %(date)s has passed: choose today or a later day.", date=closes.isoformat())
        ]
    elif closes is not None and closes > fields.starts_on:
        errors["application_deadline"] = [
            _("Applications must close by the first day (%(date)s).", date=fields.starts_on.isoformat())
        ]
    if errors:
        raise InvalidInput(errors)


def create_event(
    *, actor: User, data: dict, rooms: Iterable[str], need_ids: Iterable[int], incubator_ids: Iterable[int] = ()
) -> Event:
    """A new event in planning, with its rooms, needs and invited incubators; the shortlisted (and
    opted-in) candidates of its needs become its pitches.

    Raises PermissionDenied unless the actor is an organiser or admin; InvalidInput for broken rules.
    """
    require_platform(actor)
    fields = validate(EventInput, data)
    _check_dates(fields)
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
    record_change(
        actor_id=actor.id,
        action="event.create",
        entity="event",
        entity_id=event.id,
        after={**snapshot(event, AUDITED_FIELDS), "rooms": names, "needs": sorted(needs)},
    )
    sync_pitches(event)
    return event


def update_event(
    *,
    actor: User,
    event: Event,
    data: dict,
    rooms: Iterable[str],
    need_ids: Iterable[int],
    incubator_ids: Iterable[int] = (),
) -> Event:
    """Changes the event's settings, rooms, needs and incubators; raises like create_event. The
    rubric keeps its criteria's keys by name, and is fixed once judges have scored."""
    require_platform(actor)
    if "rubric" in data:
        known = {c["label"]: c["key"] for c in event.rubric}
        data = {
            **data,
            "rubric": [
                {**c, "key": c.get("key") or known.get(str(c.get("label", "")).strip())} for c in data["rubric"]
            ],
        }
    fields = validate(EventInput, data)
    _check_dates(fields, before=event)
    scored = db.session.scalar(
        sa.select(Score.id).join(Pitch, Pitch.id == Score.pitch_id).where(Pitch.event_id == event.id).limit(1)
    )
    if scored and fields.rubric != event.rubric:
        raise InvalidInput({"rubric": [_("Judges have scored already; the rubric can no longer change.")]})
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
    record_change(
        actor_id=actor.id,
        action="event.update",
        entity="event",
        entity_id=event.id,
        before=before,
        after=snapshot(event, AUDITED_FIELDS),
    )
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
            sa.select(Candidate.id, Candidate.opted_in_at).where(
                Candidate.need_id.in_(need_ids), Candidate.stage.in_([s.value for s in PITCHING_STAGES])
            )
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
    require_platform(actor)
    frm = event.status
    if (frm, to) not in lifecycle.TRANSITIONS:
        raise InvalidTransition(_("An event cannot go from “%(frm)s” to “%(to)s”.", frm=frm.label, to=to.label))
    if to == EventStatus.SCHEDULED:
        unplaced = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Pitch)
            .where(Pitch.event_id == event.id, Pitch.cancelled.is_(False), Pitch.start_slot.is_(None))
        )
        active = db.session.scalar(
            sa.select(sa.func.count()).select_from(Pitch).where(Pitch.event_id == event.id, Pitch.cancelled.is_(False))
        )
        if not active or unplaced:
            raise InvalidTransition(
                _("%(n)s of %(total)s pitches have no slot yet; generate the schedule first.", n=unplaced, total=active)
            )
    event.status = to
    event.updated_at = utcnow()
    event.version += 1
    db.session.flush()
    record_change(
        actor_id=actor.id,
        action="event.status",
        entity="event",
        entity_id=event.id,
        before={"status": frm.value},
        after={"status": to.value},
    )
    if to in lifecycle.PITCHES_FOLLOW_SHORTLIST:
        sync_pitches(event)
    if to == EventStatus.SCHEDULED:
        _publish(actor, event)
    return event


def _publish(actor: User, event: Event) -> None:
    """The schedule is out: shortlisted candidates move to the roadshow stage, each startup's side
    hears its slot, each panel that its need's agenda is ready."""
    told_panels: set[int] = set()
    agenda = link_for("events.agenda", event_id=event.id)
    by_pitch = _agenda_entries(event)
    for pitch in db.session.scalars(sa.select(Pitch).where(Pitch.event_id == event.id, Pitch.cancelled.is_(False))):
        candidate = db.session.get(Candidate, pitch.candidate_id)
        if candidate.stage == CandidateStage.SHORTLISTED:
            transition(
                candidate=candidate,
                to=CandidateStage.ROADSHOW,
                actor=actor,
                note=_("Pitching at %(event)s", event=event.name),
                notify=False,
            )
        _tell_slot(actor, event, pitch, by_pitch)
        if candidate.need_id not in told_panels:
            told_panels.add(candidate.need_id)
            need = db.session.get(Need, candidate.need_id)
            notify(
                bank_side(need),
                kind="schedule_published",
                exclude=actor,
                link=agenda,
                params={"title": need.title, "event": event.name},
                dedupe_key=f"schedule:{event.id}:{need.id}:{event.version}",
            )


# A scheduler run still unfinished after this long is abandoned (a solve takes seconds; a job whose worker died
# is retried within minutes), so a new request replaces it instead of being refused forever.
ABANDONED_RUN_AFTER = timedelta(minutes=30)


def request_schedule(*, actor: User, event: Event) -> ScheduleRun:
    """Queues a scheduler run for the event (an rq job; in-process without Redis). Before the
    schedule is published only; a re-run keeps what it can of the current placements.

    Raises PermissionDenied unless the actor is on the platform, InvalidTransition when the event is
    not in a state to be scheduled or a run is already under way.
    """
    require_platform(actor)
    if event.status not in (EventStatus.APPLICATIONS_OPEN, EventStatus.SHORTLISTING, EventStatus.SCHEDULED):
        raise InvalidTransition(_("Open applications first; the schedule is made from the shortlists."))
    for unfinished in db.session.scalars(
        sa.select(ScheduleRun).where(ScheduleRun.event_id == event.id, ScheduleRun.status.in_(["queued", "running"]))
    ):
        if utcnow() - unfinished.created_at < ABANDONED_RUN_AFTER:
            raise InvalidTransition(_("The scheduler is already working on this event."))
        # Its job ran out of retries (workers killed) or was lost: it will never finish, so it must not block.
        unfinished.status, unfinished.progress, unfinished.finished_at = "failed", "abandoned", utcnow()
    sync_pitches(event)
    run = ScheduleRun(event_id=event.id, requested_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    record_change(
        actor_id=actor.id, action="event.schedule_requested", entity="event", entity_id=event.id, after={"run": run.id}
    )
    enqueue("marketplace.events.jobs.run_schedule", queue="default", run_id=run.id)
    return run


def check_availability_access(
    actor: User, event: Event, *, user_id: int | None = None, startup_id: int | None = None
) -> None:
    """Who reads and marks whose unavailable slots: a panel member their own; an incubator manager those of the
    startups whose pitch at the event it is the startup's side of (events.queries.visible_pitches: another
    incubator's nomination is that incubator's business); the platform anyone's.
    Raises InvalidInput unless exactly one party is named, PermissionDenied otherwise."""
    if (user_id is None) == (startup_id is None):
        raise InvalidInput({"": [_("Say whose availability this is.")]})
    platform = is_platform(actor)
    if user_id is not None and not (platform or user_id == actor.id):
        raise PermissionDenied()
    if (
        startup_id is not None
        and not platform
        and (
            not is_incubator(actor)
            or startup_id not in {r.startup.id for r in visible_pitches(actor, pitches_of(event.id))}
        )
    ):
        raise PermissionDenied()


class AvailabilitySaved(NamedTuple):
    slots: set[int]  # the slots now marked
    clashes: int  # the party's placed pitches that now fall on a slot they cannot make


def set_unavailability(
    *, actor: User, event: Event, slots: Iterable[int], user_id: int | None = None, startup_id: int | None = None
) -> AvailabilitySaved:
    """Replaces the slots a panel member (``user_id``) or a startup (``startup_id``) cannot make.

    A panel member marks their own; an incubator manager those of startups it lists that pitch at the
    event; the platform anyone's. Raises PermissionDenied otherwise, InvalidInput for slots outside
    the event's grid. When placed pitches of theirs now fall on those slots, the organisers are told (the
    event page offers them the re-solve that keeps the rest in place).
    """
    check_availability_access(actor, event, user_id=user_id, startup_id=startup_id)
    grid = {s.index for s in event_slots(event)}
    wanted = {int(s) for s in slots}
    if wanted - grid:
        raise InvalidInput({"slots": [_("Some of these slots are not part of the event.")]})
    party = Unavailability.user_id == user_id if user_id is not None else Unavailability.startup_id == startup_id
    db.session.execute(sa.delete(Unavailability).where(Unavailability.event_id == event.id, party))
    for slot in sorted(wanted):
        db.session.add(Unavailability(event_id=event.id, user_id=user_id, startup_id=startup_id, slot=slot))
    db.session.flush()
    clashes = _availability_clashes(event, wanted, user_id=user_id, startup_id=startup_id)
    if clashes:
        notify(
            organisers(),
            kind="availability_clash",
            params={"event": event.name, "count": clashes},
            link=link_for("events.detail", event_id=event.id) + "#schedule",
            exclude=actor,
        )
    return AvailabilitySaved(wanted, clashes)


def _availability_clashes(event: Event, away: set[int], *, user_id: int | None, startup_id: int | None) -> int:
    """How many placed pitches of this panel member (their panels' pitches) or startup cover a slot in ``away``."""
    if not away:
        return 0
    judge = db.session.get(User, user_id) if user_id is not None else None
    needs = judged_need_ids(judge, event.id) if judge is not None else set()

    def mine(row) -> bool:
        return row.need.id in needs if user_id is not None else row.startup.id == startup_id

    lengths = dict(
        db.session.execute(
            sa.select(EventNeed.need_id, EventNeed.pitch_slots).where(EventNeed.event_id == event.id)
        ).all()
    )
    return sum(
        1
        for row in pitches_of(event.id)
        if row.pitch.start_slot is not None
        and mine(row)
        and away & set(range(row.pitch.start_slot, row.pitch.start_slot + lengths.get(row.need.id, 1)))
    )


class MovedPitch(NamedTuple):
    """What a move did: the pitch moved, and the pitch it swapped places with (None when the cell was free)."""

    pitch: Pitch
    swapped_with: Pitch | None


def _pitch_length(event_id: int, pitch: Pitch) -> int:
    need_id = db.session.get(Candidate, pitch.candidate_id).need_id
    return (
        db.session.scalar(
            sa.select(EventNeed.pitch_slots).where(EventNeed.event_id == event_id, EventNeed.need_id == need_id)
        )
        or 1
    )


def move_pitch(
    *, actor: User, pitch: Pitch, room_id: int, start_slot: int, expected_version: int | None = None
) -> MovedPitch:
    """Puts a pitch in a room and slot by hand and pins it there (the scheduler keeps pins). A move onto a
    cell another pitch holds swaps the two when that pitch starts there and is as long (both are pinned);
    any other overlap is refused, so no pitch is ever hidden under another. A move that breaks another rule
    (a judge away, a panel in two rooms) is made; the event page then shows the conflicts, so a person decides.

    Raises PermissionDenied outside the platform; InvalidInput for a room or slot not of the event or a cell
    taken in a way that cannot be swapped; InvalidTransition when someone else moved the pitch since it was
    read, or once the event is live.
    """
    require_platform(actor)
    event = db.session.get(Event, pitch.event_id)
    if event.status in (EventStatus.LIVE, EventStatus.CLOSED) or pitch.cancelled:
        raise InvalidTransition(_("This pitch can no longer be moved."))
    room = db.session.get(EventRoom, room_id)
    slots = event_slots(event)
    length = _pitch_length(event.id, pitch)
    if room is None or room.event_id != event.id or not 0 <= start_slot < len(slots):
        raise InvalidInput({"": [_("Choose a room and a slot of this event.")]})
    seen = pitch.version if expected_version is None else expected_version
    before = {"room_id": pitch.room_id, "start_slot": pitch.start_slot}
    occupants = [
        other
        for other in db.session.scalars(
            sa.select(Pitch).where(
                Pitch.event_id == event.id,
                Pitch.room_id == room_id,
                Pitch.id != pitch.id,
                Pitch.cancelled.is_(False),
                Pitch.start_slot.is_not(None),
            )
        )
        if other.start_slot < start_slot + length and start_slot < other.start_slot + _pitch_length(event.id, other)
    ]
    swap = None
    if occupants:
        [other, *rest] = occupants
        # The other pitch takes the moving one's cell, so that cell must be a real one of this event: not a slot
        # past a grid shortened since (the other pitch would vanish off the grid), not a room of another event.
        old_room = db.session.get(EventRoom, pitch.room_id) if pitch.room_id is not None else None
        if (
            rest
            or other.start_slot != start_slot
            or _pitch_length(event.id, other) != length
            or old_room is None
            or old_room.event_id != event.id
            or pitch.start_slot is None
            or not 0 <= pitch.start_slot <= len(slots) - length
        ):
            raise InvalidInput(
                {
                    "": [
                        _(
                            "That slot is taken and the pitches cannot simply swap places "
                            "(they differ in length or overlap differently). Choose a free slot, or "
                            "one where a pitch of the same length starts."
                        )
                    ]
                }
            )
        swap = other
    moved = db.session.execute(
        sa.update(Pitch)
        .where(Pitch.id == pitch.id, Pitch.version == seen)
        .values(room_id=room_id, start_slot=start_slot, pinned=True, version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise InvalidTransition(_("Someone else moved this pitch a moment ago; nothing was changed."))
    db.session.refresh(pitch)
    record_change(
        actor_id=actor.id,
        action="pitch.move",
        entity="pitch",
        entity_id=pitch.id,
        before=before,
        after={"room_id": room_id, "start_slot": start_slot},
    )
    if swap is not None:
        swap_before = {"room_id": swap.room_id, "start_slot": swap.start_slot}
        swapped = db.session.execute(
            sa.update(Pitch)
            .where(Pitch.id == swap.id, Pitch.version == swap.version)
            .values(room_id=before["room_id"], start_slot=before["start_slot"], pinned=True, version=swap.version + 1)
            .execution_options(synchronize_session=False)
        )
        if swapped.rowcount != 1:  # moved by someone else since it was read: the whole move is undone
            raise InvalidTransition(_("Someone else moved this pitch a moment ago; nothing was changed."))
        db.session.refresh(swap)
        record_change(
            actor_id=actor.id, action="pitch.move", entity="pitch", entity_id=swap.id, before=swap_before, after=before
        )
    if event.status == EventStatus.SCHEDULED:
        by_pitch = _agenda_entries(event)  # the schedule is out: the startup's side hears its new slot
        _tell_slot(actor, event, pitch, by_pitch)
        if swap is not None:
            _tell_slot(actor, event, swap, by_pitch)
    return MovedPitch(pitch, swap)


def _agenda_entries(event: Event) -> dict:
    return {e.pitch_id: e for e in entries(event, tz=current_app.config["EVENT_TIMEZONE"])}


def _tell_slot(actor: User, event: Event, pitch: Pitch, by_pitch: dict | None = None) -> None:
    """Tells the pitch's startup side where and when it pitches (once per placement)."""
    entry = (by_pitch if by_pitch is not None else _agenda_entries(event)).get(pitch.id)
    if entry is None:
        return
    notify(
        startup_side(db.session.get(Candidate, pitch.candidate_id)),
        kind="roadshow_slot",
        exclude=actor,
        link=link_for("events.agenda", event_id=event.id),
        params={
            "startup": entry.startup_name,
            "when": f"{entry.starts:%Y-%m-%d %H:%M}, {entry.room}",
            "event": event.name,
        },
        dedupe_key=f"roadshow:{pitch.id}:{pitch.version}",
    )


def cancel_pitch(*, actor: User, pitch: Pitch) -> Pitch:
    """Takes a pitch out of the schedule (the startup cannot come). Its slot frees up; re-running the
    scheduler fills gaps while moving as few other pitches as it can.

    Raises PermissionDenied outside the platform; InvalidTransition before the schedule is published
    (pitches follow the shortlists then: decline or withdraw the candidate instead) or once it is over."""
    require_platform(actor)
    event = db.session.get(Event, pitch.event_id)
    if event.status in lifecycle.PITCHES_FOLLOW_SHORTLIST:
        raise InvalidTransition(
            _(
                "Until the schedule is published, pitches follow the shortlists: decline or "
                "withdraw the candidate instead."
            )
        )
    if event.status == EventStatus.CLOSED or pitch.cancelled:
        raise InvalidTransition(_("This pitch can no longer be cancelled."))
    before = {"room_id": pitch.room_id, "start_slot": pitch.start_slot}
    pitch.cancelled, pitch.room_id, pitch.start_slot, pitch.pinned = True, None, None, False
    pitch.version += 1
    db.session.flush()
    record_change(
        actor_id=actor.id,
        action="pitch.cancel",
        entity="pitch",
        entity_id=pitch.id,
        before=before,
        after={"cancelled": True},
    )
    return pitch
