"""/api/v1/events: matchmaking days, their pitches and the judges' scores."""

from __future__ import annotations

from flask import current_app
from flask_openapi3 import Tag

from marketplace.accounts.rules import is_platform
from marketplace.api.blueprint import CONFLICT, NOT_FOUND, api_user, bp
from marketplace.api.schemas import (
    EventList,
    EventOut,
    EventPath,
    PitchList,
    PitchOut,
    PitchPath,
    ScoreList,
    ScoreOut,
    ScoreSubmit,
)
from marketplace.core.db import unit_of_work
from marketplace.core.errors import NotFound, PermissionDenied
from marketplace.events.agenda import entries
from marketplace.events.models import Event, Score
from marketplace.events.queries import event_for_user, events_for_user, needs_of, pitches_of, scores_of, visible_pitches
from marketplace.events.rules import judged_need_ids
from marketplace.events.scoring import submit_score, weighted
from marketplace.needs.queries import visible_need_ids

TAG = [Tag(name="events", description="Matchmaking days: schedules, pitches and scores.")]


def event_json(event: Event) -> dict:
    need_ids = visible_need_ids(api_user(), {n.id for _en, n in needs_of(event.id)})
    return EventOut(
        **{name: getattr(event, name) for name in EventOut.model_fields if name != "need_ids"},
        need_ids=sorted(need_ids),
    ).model_dump(mode="json")


def score_json(event: Event, score: Score) -> dict:
    return ScoreOut(
        id=score.id,
        pitch_id=score.pitch_id,
        judge_id=score.judge_id,
        marks=score.marks,
        total=round(weighted(event.rubric, score.marks), 2),
        comment=score.comment,
        updated_at=score.updated_at,
    ).model_dump(mode="json")


@bp.get("/events", tags=TAG, responses={200: EventList})
def list_events():
    """The events you take part in (all of them for organisers), latest first."""
    return {"items": [event_json(e) for e in events_for_user(api_user())]}


@bp.get("/events/<int:event_id>", tags=TAG, responses={200: EventOut, **NOT_FOUND})
def get_event(path: EventPath):
    return event_json(event_for_user(api_user(), path.event_id))


@bp.get("/events/<int:event_id>/pitches", tags=TAG, responses={200: PitchList, **NOT_FOUND})
def list_pitches(path: EventPath):
    """The event's pitches you may know about, as on its page: every pitch for organisers, the pitches of
    needs you may see for bank staff, your own startups' pitches for an incubator. Times once placed."""
    user = api_user()
    event = event_for_user(user, path.event_id)
    times = {e.pitch_id: e for e in entries(event, tz=current_app.config["EVENT_TIMEZONE"])}
    items = []
    for row in visible_pitches(user, pitches_of(event.id)):
        when = times.get(row.pitch.id)
        items.append(
            PitchOut(
                id=row.pitch.id,
                event_id=event.id,
                candidate_id=row.candidate.id,
                need_id=row.need.id,
                startup_id=row.startup.id,
                startup_name=row.startup.name,
                need_title=row.need.title,
                room=when.room if when else None,
                start_slot=row.pitch.start_slot,
                starts_at=when.starts if when else None,
                ends_at=when.ends if when else None,
            ).model_dump(mode="json")
        )
    return {"items": items}


@bp.get("/events/<int:event_id>/scores", tags=TAG, responses={200: ScoreList, **NOT_FOUND})
def list_scores(path: EventPath):
    """Your own scores as a judge; every judge's for organisers."""
    user = api_user()
    event = event_for_user(user, path.event_id)
    if is_platform(user):
        found = scores_of(event.id)
    elif judged_need_ids(user, event.id):
        found = scores_of(event.id, judge_id=user.id)
    else:
        raise PermissionDenied()
    return {"items": [score_json(event, s) for s in found]}


@bp.put(
    "/events/<int:event_id>/pitches/<int:pitch_id>/score", tags=TAG, responses={200: ScoreOut, **NOT_FOUND, **CONFLICT}
)
def put_score(path: PitchPath, body: ScoreSubmit):
    """Record (or replace) your marks for a pitch of your need, while the event is scheduled or live."""
    user = api_user()
    with unit_of_work():
        event = event_for_user(user, path.event_id)
        row = next((r for r in pitches_of(event.id) if r.pitch.id == path.pitch_id), None)
        if row is None:
            raise NotFound()
        saved = submit_score(actor=user, pitch=row.pitch, marks=body.marks, comment=body.comment)
    return score_json(event, saved)
