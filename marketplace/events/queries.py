from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.core.db import db
from marketplace.core.errors import NotFound
from marketplace.events.models import (
    Event,
    EventIncubator,
    EventNeed,
    EventRoom,
    Pitch,
    ScheduleRun,
    Score,
    Unavailability,
)
from marketplace.events.reasons import parties_of
from marketplace.events.rules import may_know_judges, visible_events_clause
from marketplace.needs.models import Need
from marketplace.needs.queries import visible_need_ids
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.rules import startup_side_sees
from marketplace.startups.models import Startup


def events_for_user(user: User) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event).where(visible_events_clause(user)).order_by(Event.starts_on.desc(), Event.id.desc())
        )
    )


def event_for_user(user: User, event_id: int) -> Event:
    """The event, if the user may see it; NotFound otherwise."""
    event = db.session.scalar(sa.select(Event).where(Event.id == event_id, visible_events_clause(user)))
    if event is None:
        raise NotFound()
    return event


def rooms_of(event_id: int) -> list[EventRoom]:
    return list(
        db.session.scalars(
            sa.select(EventRoom).where(EventRoom.event_id == event_id).order_by(EventRoom.position, EventRoom.id)
        )
    )


def needs_of(event_id: int) -> list[tuple[EventNeed, Need]]:
    return [
        (en, n)
        for en, n in db.session.execute(
            sa.select(EventNeed, Need)
            .join(Need, Need.id == EventNeed.need_id)
            .where(EventNeed.event_id == event_id)
            .order_by(Need.title)
        )
    ]


def incubator_ids_of(event_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(EventIncubator.organisation_id).where(EventIncubator.event_id == event_id)))


@dataclass(frozen=True)
class PitchRow:
    pitch: Pitch
    candidate: Candidate
    startup: Startup
    need: Need


def pitches_of(event_id: int, *, include_cancelled: bool = False) -> list[PitchRow]:
    query = (
        sa.select(Pitch, Candidate, Startup, Need)
        .join(Candidate, Candidate.id == Pitch.candidate_id)
        .join(Startup, Startup.id == Candidate.startup_id)
        .join(Need, Need.id == Candidate.need_id)
        .where(Pitch.event_id == event_id)
        .order_by(Need.title, Pitch.start_slot, Startup.name)
    )
    if not include_cancelled:
        query = query.where(Pitch.cancelled.is_(False))
    return [PitchRow(*row) for row in db.session.execute(query)]


def visible_pitches(user: User, rows: list[PitchRow]) -> list[PitchRow]:
    """The pitches of an event ``user`` may know about: everything for the platform; for bank staff the
    pitches of needs they may see; for an incubator only the pitches of candidates it is the startup's side of
    (pipeline.rules.startup_side_sees: its own nominations, or the candidates nobody nominated of startups it
    lists, shared with that side, on needs it sees). Which startups other incubators bring, and to which need,
    is theirs to tell: listing a startup another incubator nominated shows nothing of that pitch."""
    if is_platform(user):
        return rows

    visible = visible_need_ids(user, {r.need.id for r in rows})
    rows = [r for r in rows if r.need.id in visible]
    if is_incubator(user):
        own = set(
            db.session.scalars(
                sa.select(Candidate.id).where(
                    Candidate.id.in_({r.candidate.id for r in rows}), startup_side_sees(user.organisation_id)
                )
            )
        )
        rows = [r for r in rows if r.candidate.id in own]
    elif not is_bank(user):
        rows = []
    return rows


def schedule_result_for(user: User, event_id: int, result: dict | None) -> dict | None:
    """A scheduler run's result as ``user`` may read it: the one rule for its reasons, applied wherever they are
    shown (the event page, its status JSON). The platform reads it whole. Anyone else reads a reason only when
    they may know of every party it tells about (scheduling.model.Reason.parties), by the rule of
    ``visible_pitches``: a startup whose pitch at the day they see, a need they may see, a judge only if they
    are bank staff. The other reasons are dropped and ``reasons_withheld`` says some were; ``unplaced`` keeps
    only the pitches they see. So an incubator reads why its own startups could not be placed, never another
    incubator's startup's name nor an internal need's title (security review, finding 5)."""
    if result is None or is_platform(user):
        return result

    rows = pitches_of(event_id, include_cancelled=True)
    seen = visible_pitches(user, rows)
    need_ids = {n.id for _en, n in needs_of(event_id)} | {r.need.id for r in rows}
    may_know = {"startups": {r.startup.id for r in seen}, "needs": visible_need_ids(user, need_ids)}
    everyone = {"startups": {r.startup.id for r in rows}, "needs": need_ids}
    shown, withheld = [], False
    for reason in result.get("reasons") or []:
        parties = parties_of(reason)
        if parties is None:  # stored before reasons named their parties: it may name anyone at the day
            parties = {**everyone, "judges": {(reason.get("params") or {}).get("judge")} - {None}}
        if (
            parties["startups"] <= may_know["startups"]
            and parties["needs"] <= may_know["needs"]
            and (not parties["judges"] or may_know_judges(user))
        ):
            shown.append({"template": reason["template"], "params": reason.get("params") or {}})
        else:
            withheld = True
    pitch_ids = {r.pitch.id for r in seen}
    return {
        **result,
        "reasons": shown,
        "reasons_withheld": withheld,
        "unplaced": [pid for pid in result.get("unplaced") or [] if pid in pitch_ids],
    }


def latest_run(event_id: int):
    return db.session.scalar(
        sa.select(ScheduleRun).where(ScheduleRun.event_id == event_id).order_by(ScheduleRun.id.desc()).limit(1)
    )


def grid_cells(rows: list[PitchRow], lengths: dict[int, int]) -> dict[tuple[int, int], tuple[PitchRow, bool]]:
    """(slot index, room id) → (the pitch there, whether it starts in that slot), for the schedule grid.
    ``lengths``: slots per pitch by need id."""
    cells: dict[tuple[int, int], tuple[PitchRow, bool]] = {}
    for row in rows:
        if row.pitch.room_id is None or row.pitch.start_slot is None:
            continue
        for offset in range(lengths.get(row.need.id, 1)):
            cells[(row.pitch.start_slot + offset, row.pitch.room_id)] = (row, offset == 0)
    return cells


def unavailable_slots(event_id: int, *, user_id: int | None = None, startup_id: int | None = None) -> set[int]:
    party = Unavailability.user_id == user_id if user_id is not None else Unavailability.startup_id == startup_id
    return set(db.session.scalars(sa.select(Unavailability.slot).where(Unavailability.event_id == event_id, party)))


def my_startups_pitching(event_id: int, incubator_id: int) -> list[Startup]:
    """The startups with a pitch at the event whose candidate the incubator is the startup's side of (the rule
    of ``visible_pitches``)."""
    pitching = (
        sa.select(Candidate.startup_id)
        .join(Pitch, Pitch.candidate_id == Candidate.id)
        .where(Pitch.event_id == event_id, Pitch.cancelled.is_(False), startup_side_sees(incubator_id))
    )
    return list(db.session.scalars(sa.select(Startup).where(Startup.id.in_(pitching)).order_by(Startup.name)))


def my_scores(event_id: int, judge_id: int) -> dict:
    """The judge's scores at the event, by pitch id."""
    return {s.pitch_id: s for s in scores_of(event_id, judge_id=judge_id)}


def scores_of(event_id: int, *, judge_id: int | None = None) -> list:
    """The event's scores (one judge's, or every judge's), by pitch then judge."""
    query = sa.select(Score).join(Pitch, Pitch.id == Score.pitch_id).where(Pitch.event_id == event_id)
    if judge_id is not None:
        query = query.where(Score.judge_id == judge_id)
    return list(db.session.scalars(query.order_by(Score.pitch_id, Score.judge_id)))
