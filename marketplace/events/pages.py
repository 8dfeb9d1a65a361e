"""What an event's page shows one reader (events/detail.html): reads only."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.names import org_name
from marketplace.accounts.queries import organisations_by_id
from marketplace.accounts.rules import is_platform
from marketplace.events import lifecycle
from marketplace.events.conflicts import conflicts, target_warnings
from marketplace.events.grid import clock, event_slots
from marketplace.events.models import Event
from marketplace.events.queries import (
    grid_cells,
    incubator_ids_of,
    latest_run,
    needs_of,
    pitches_of,
    rooms_of,
    schedule_result_for,
    visible_pitches,
)
from marketplace.events.reasons import reason_text
from marketplace.events.rules import judged_need_ids
from marketplace.events.scheduling_input import build_problem
from marketplace.needs.queries import visible_need_ids
from scheduling.model import Placement


def detail_page(viewer: User, event: Event, *, moving_id: int | None) -> dict:
    """The event page's values for ``viewer``: its needs and pitches as far as they may know of them, the schedule
    grid with its conflicts, the latest scheduler run, and for the organisers the pitch being moved (``moving_id``)
    with what each place it could go to would break."""
    platform = is_platform(viewer)
    needs = needs_of(event.id)
    pitches = pitches_of(event.id)
    if not platform:
        # Only the needs this person may see: an incubator invited to the day must not read the titles of
        # internal or uninvited needs here either; and only the pitches they may know about (the API's
        # events show the same).
        visible = visible_need_ids(viewer, {n.id for _en, n in needs})
        needs = [(en, n) for en, n in needs if n.id in visible]
        pitches = visible_pitches(viewer, pitches)
    moving = next((r for r in pitches if r.pitch.id == moving_id), None)
    run = latest_run(event.id)
    rooms = rooms_of(event.id)
    warnings, move_warnings = _schedule_warnings(event, pitches, moving)
    return {
        "event": event,
        "rooms": rooms,
        "room_names": {r.id: r.name for r in rooms},
        "needs": needs,
        "pitches": pitches,
        "slots": event_slots(event),
        "invited": sorted(organisations_by_id(incubator_ids_of(event.id)).values(), key=org_name) if platform else [],
        "clock": clock,
        "cells": grid_cells(pitches, {n.id: en.pitch_slots for en, n in needs}),
        "run": run,
        "result": schedule_result_for(viewer, event.id, run.result if run else None),
        "reason_text": reason_text,
        "is_judge": bool(judged_need_ids(viewer, event.id)),
        "moving": moving,
        "warnings": warnings,
        "target_warnings": move_warnings,
        "can_manage": platform,
        "status_targets": lifecycle.targets(event.status),
    }


def _schedule_warnings(event: Event, pitches: list, moving) -> tuple[list, dict]:
    """What the placed ``pitches`` break in the schedule as it stands, and, while ``moving`` a pitch, what it would
    break at each (room id, slot) it could go to."""
    problem = build_problem(event, keep_current=False)
    placed = [
        Placement(r.pitch.id, problem.room_ids.index(r.pitch.room_id), r.pitch.start_slot)
        for r in pitches
        if r.pitch.room_id in problem.room_ids and r.pitch.start_slot is not None
    ]
    broken = conflicts(problem.instance, placed)
    if moving is None:
        return broken, {}
    return broken, {
        (problem.room_ids[room], slot): found
        for (room, slot), found in target_warnings(problem.instance, placed, moving.pitch.id).items()
    }
