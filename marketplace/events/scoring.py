"""Judges' scores: a 1–5 mark per rubric criterion, weighted; results per need with the spread between
judges and each judge's leniency; winners move on to a pilot."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.accounts.rules import require_platform
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, Pitch, Score
from marketplace.events.queries import PitchRow, pitches_of
from marketplace.events.rules import may_judge
from marketplace.needs.models import Need
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.services import transition

SCORING_STATUSES = frozenset({EventStatus.SCHEDULED, EventStatus.LIVE})


def weighted(rubric: list[dict], marks: dict) -> float:
    """The weighted mean of one judge's marks, on the same 1–5 scale."""
    total = sum(c["weight"] for c in rubric) or 1
    return sum(c["weight"] * int(marks[c["key"]]) for c in rubric) / total


def submit_score(*, actor: User, pitch: Pitch, marks: dict, comment: str = "") -> Score:
    """Records (or replaces) the actor's scores for a pitch.

    Raises PermissionDenied unless the actor sits on the pitch's need's panel; InvalidTransition
    outside the scheduled/live event; InvalidInput unless every criterion has a mark from 1 to 5.
    """
    event = db.session.get(Event, pitch.event_id)
    candidate = db.session.get(Candidate, pitch.candidate_id)
    need = db.session.get(Need, candidate.need_id)
    if not may_judge(actor, need):
        raise PermissionDenied()
    if event.status not in SCORING_STATUSES or pitch.cancelled:
        raise InvalidTransition(_("Scores are taken while the event is scheduled or live."))
    clean, missing = {}, []
    for criterion in event.rubric:
        value = marks.get(criterion["key"])
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5:
            missing.append(criterion["label"])
        clean[criterion["key"]] = number
    if missing:
        raise InvalidInput(
            {"marks": [_("Give every criterion a mark from 1 to 5: %(names)s.", names=", ".join(missing))]}
        )
    score = db.session.scalar(sa.select(Score).where(Score.pitch_id == pitch.id, Score.judge_id == actor.id))
    if score is None:
        score = Score(pitch_id=pitch.id, judge_id=actor.id)
        db.session.add(score)
    score.marks, score.comment, score.updated_at = clean, (comment or "").strip()[:2000], utcnow()
    db.session.flush()
    return score


@dataclass(frozen=True)
class PitchResult:
    row: PitchRow
    mean: float | None  # over judges of their weighted marks
    spread: float | None  # highest minus lowest judge
    judges: int
    criteria: dict[str, float] = field(default_factory=dict)  # per rubric key, the judges' mean mark
    comments: tuple[tuple[str, str], ...] = ()  # (judge's name, comment), comments left empty are skipped

    @property
    def scored(self) -> bool:
        return self.judges > 0


@dataclass(frozen=True)
class JudgeLeniency:
    judge: User
    bias: float  # how much above (+) or below (−) the other judges of the same pitches, on average
    pitches: int


def _scores(event_id: int) -> dict[int, list[Score]]:
    found: dict[int, list[Score]] = {}
    rows = db.session.scalars(
        sa.select(Score).join(Pitch, Pitch.id == Score.pitch_id).where(Pitch.event_id == event_id)
    )
    for score in rows:
        found.setdefault(score.pitch_id, []).append(score)
    return found


def results(event: Event, *, need_ids: set[int] | None = None) -> dict[int, list[PitchResult]]:
    """Per need, its pitches best first (unscored last), with each criterion's mean mark and the judges'
    comments: the bank's private judgement, for the need's panel and the platform only."""
    scores = _scores(event.id)
    judge_ids = {s.judge_id for found_scores in scores.values() for s in found_scores}
    names = (
        {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(judge_ids)))} if judge_ids else {}
    )
    found: dict[int, list[PitchResult]] = {}
    for row in pitches_of(event.id):
        if need_ids is not None and row.need.id not in need_ids:
            continue
        pitch_scores = sorted(scores.get(row.pitch.id, []), key=lambda s: s.judge_id)
        totals = [weighted(event.rubric, s.marks) for s in pitch_scores]
        criteria = {
            c["key"]: round(float(mean(int(s.marks[c["key"]]) for s in pitch_scores)), 2)
            for c in event.rubric
            if pitch_scores and all(c["key"] in s.marks for s in pitch_scores)
        }
        found.setdefault(row.need.id, []).append(
            PitchResult(
                row=row,
                mean=round(mean(totals), 2) if totals else None,
                spread=round(max(totals) - min(totals), 2) if len(totals) > 1 else (0.0 if totals else None),
                judges=len(totals),
                criteria=criteria,
                comments=tuple((names.get(s.judge_id, ""), s.comment) for s in pitch_scores if s.comment),
            )
        )
    for items in found.values():
        items.sort(key=lambda r: (r.mean is None, -(r.mean or 0), r.row.startup.name))
    return found


def leniency(event: Event) -> list[JudgeLeniency]:
    """Each judge's average difference from the other judges' mean on the pitches they both scored."""
    per_judge: dict[int, list[float]] = {}
    for scores in _scores(event.id).values():
        if len(scores) < 2:
            continue
        totals = {s.judge_id: weighted(event.rubric, s.marks) for s in scores}
        for judge_id, total in totals.items():
            others = [t for j, t in totals.items() if j != judge_id]
            per_judge.setdefault(judge_id, []).append(total - mean(others))
    judges = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(per_judge)))} if per_judge else {}
    return sorted(
        (JudgeLeniency(judge=judges[j], bias=round(mean(d), 2), pitches=len(d)) for j, d in per_judge.items()),
        key=lambda item: -item.bias,
    )


def mark_winner(*, actor: User, pitch: Pitch) -> Candidate:
    """The organiser picks a winner: its candidate moves to "selected for pilot" in the pipeline.

    Raises PermissionDenied outside the platform; InvalidTransition for a pitch no judge has scored or a
    candidate not at the roadshow stage; and what workflow's transition raises."""
    require_platform(actor)
    candidate = db.session.get(Candidate, pitch.candidate_id)
    if candidate.stage != CandidateStage.ROADSHOW:
        raise InvalidTransition(_("Only a candidate at the roadshow stage can be selected for a pilot."))
    if db.session.scalar(sa.select(sa.func.count()).select_from(Score).where(Score.pitch_id == pitch.id)) == 0:
        raise InvalidTransition(_("No judge has scored this pitch yet, so it cannot be selected for a pilot."))
    event = db.session.get(Event, pitch.event_id)
    return transition(
        candidate=candidate, to=CandidateStage.SELECTED, actor=actor, note=_("Winner at %(event)s", event=event.name)
    )


# The default rubric's labels, for the catalogue (templates show `_(criterion.label)`).
_DEFAULT_LABELS = (_l("Technical fit"), _l("Business value"), _l("Team"), _l("Feasibility"))
