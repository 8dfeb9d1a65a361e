"""From the database to the scheduler's plain problem, and its answer back to pitches."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.events.grid import event_slots
from marketplace.events.models import Event, Pitch, Unavailability
from marketplace.events.queries import needs_of, pitches_of, rooms_of
from marketplace.pipeline.notices import unit_staff
from marketplace.pipeline.queries import vote_counts
from scheduling import model


@dataclass(frozen=True)
class Problem:
    instance: model.Instance
    room_ids: tuple[int, ...]  # room index → EventRoom id


def panel_of(owner_id: int) -> tuple[int, ...]:
    """A need's panel: the active bank staff of the unit that owns it."""
    return tuple(u.id for u in unit_staff(owner_id))


def build_problem(event: Event, *, keep_current: bool = True) -> Problem:
    """The event as a scheduling instance. Pitches are ranked within their need by bank staff votes
    (most first). With ``keep_current``, today's placements are the `previous` schedule, so a re-run
    moves as few pitches as it can."""
    slots = tuple(model.Slot(index=s.index, day=s.day, start_minute=s.start_minute) for s in event_slots(event))
    rooms = rooms_of(event.id)
    room_index = {room.id: i for i, room in enumerate(rooms)}
    needs = tuple(
        model.NeedSpec(id=need.id, name=need.title, pitch_slots=en.pitch_slots, panel=panel_of(need.owner_id))
        for en, need in needs_of(event.id)
    )
    rows = pitches_of(event.id)
    pitches = []
    for need_id in {row.need.id for row in rows}:
        votes = vote_counts(need_id)
        ranked = sorted(
            (r for r in rows if r.need.id == need_id),
            key=lambda r: (-votes.get(r.startup.id, 0), r.candidate.created_at, r.pitch.id),
        )
        pitches += [
            model.Pitch(id=r.pitch.id, need_id=need_id, startup_id=r.startup.id, startup_name=r.startup.name, rank=rank)
            for rank, r in enumerate(ranked, start=1)
        ]
    judge_away: dict[int, set[int]] = {}
    startup_away: dict[int, set[int]] = {}
    for row in db.session.scalars(sa.select(Unavailability).where(Unavailability.event_id == event.id)):
        target = (
            judge_away.setdefault(row.user_id, set()) if row.user_id else startup_away.setdefault(row.startup_id, set())
        )
        target.add(row.slot)
    placed = {
        r.pitch.id: (room_index[r.pitch.room_id], r.pitch.start_slot)
        for r in rows
        if r.pitch.room_id in room_index and r.pitch.start_slot is not None
    }
    pinned = {r.pitch.id for r in rows if r.pitch.pinned}
    pins = {pid: where for pid, where in placed.items() if pid in pinned}
    instance = model.Instance(
        slots=slots,
        slot_minutes=event.slot_minutes,
        rooms=tuple(r.name for r in rooms),
        needs=needs,
        pitches=tuple(sorted(pitches, key=lambda p: p.id)),
        judge_unavailable={k: frozenset(v) for k, v in judge_away.items()},
        startup_unavailable={k: frozenset(v) for k, v in startup_away.items()},
        pins=pins,
        changeover_slots=event.changeover_slots,
        weights=model.Weights(
            **{
                name: float(value)
                for name, value in (event.weights or {}).items()
                if name in model.Weights.__dataclass_fields__
            }
        ),
        previous=placed if keep_current and placed else None,
    )
    return Problem(instance=instance, room_ids=tuple(r.id for r in rooms))


def apply_placements(event: Event, problem: Problem, placements) -> int:
    """Writes the solver's placements onto the event's pitches; returns how many pitches moved."""
    where = {p.pitch_id: (problem.room_ids[p.room], p.start) for p in placements}
    moved = 0
    for pitch in db.session.scalars(sa.select(Pitch).where(Pitch.event_id == event.id, Pitch.cancelled.is_(False))):
        room_id, start = where.get(pitch.id, (None, None))
        if (pitch.room_id, pitch.start_slot) != (room_id, start):
            pitch.room_id, pitch.start_slot = room_id, start
            pitch.version += 1
            moved += 1
    db.session.flush()
    return moved
