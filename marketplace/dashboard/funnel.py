"""The candidate pipeline in numbers: funnels per need and overall, incubators, needs short of candidates.

The maths are pure functions over ``History`` (a candidate's stages with the time it entered each,
oldest first), so they are tested without a database. ``load_histories`` and ``pipeline_report``
read the rows: candidates, their audit trail in one pass, and the listings, whatever the number
of candidates (no per-candidate queries), on SQLite and PostgreSQL alike.

Definitions the page and the exports repeat:
- *Reached* a forward stage: the candidate's history entered it or any later forward stage, so a
  candidate shortlisted straight from the ranking also counts as invited and applied, and a
  declined candidate still counts for every stage it got to.
- *Conversion* from a stage: reached[next] / reached[stage] (none when nobody reached the stage).
- *Days in a stage*: from entering the stage to the candidate's next move (forward, back, declined
  or withdrawn). Only finished stays count: a candidate still in a stage is left out of that
  stage's median, so the numbers do not change by the hour. Each stay counts once.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

import sqlalchemy as sa

from marketplace.accounts.models import Organisation
from marketplace.accounts.queries import organisations_by_id
from marketplace.audit.models import AuditEvent
from marketplace.core.db import db
from marketplace.core.errors import NotFound
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.transitions import ORDER
from marketplace.startups.models import Listing

# A published need with fewer active candidates than this is listed as needing more.
MIN_ACTIVE_CANDIDATES = 3
# Rows in the top-incubators table.
TOP_INCUBATORS = 10
# Stages a candidate has left the pipeline by; every other stage counts as active.
INACTIVE = frozenset({CandidateStage.DECLINED, CandidateStage.WITHDRAWN})
# The stages the dashboard headlines and ranks incubators by (reached counts).
HEADLINE_STAGES = (CandidateStage.SHORTLISTED, CandidateStage.SELECTED)
# Forward stages a candidate can finish a stay in (productised is the end of the road).
TIMED_STAGES: tuple[CandidateStage, ...] = tuple(ORDER[:-1])

_SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class History:
    """One candidate as the analytics see it."""

    need_id: int
    stage: CandidateStage  # where it is now
    steps: tuple[tuple[CandidateStage, datetime], ...]  # each stage entered, with when; oldest first
    incubator_ids: frozenset[int] = frozenset()  # the incubators it is credited to


@dataclass(frozen=True)
class Funnel:
    """The numbers of one group of candidates (a need, or all of them)."""

    total: int
    active: int
    current: dict[CandidateStage, int]  # every stage, in enum order
    reached: dict[CandidateStage, int]  # forward stages, in pipeline order
    conversion: dict[CandidateStage, float | None]  # from each forward stage but the last to the next
    median_days: dict[CandidateStage, float | None]  # TIMED_STAGES; None when no finished stay


@dataclass(frozen=True)
class IncubatorTally:
    incubator_id: int
    candidates: int
    shortlisted: int  # candidates that reached shortlisted
    selected: int  # candidates that reached selected for pilot


def furthest_forward(steps: Iterable[tuple[CandidateStage, datetime]]) -> int:
    """Index in ORDER of the furthest forward stage the history entered; -1 if none."""
    return max((ORDER.index(stage) for stage, _at in steps if stage in ORDER), default=-1)


def reached_stages(history: History) -> list[CandidateStage]:
    """The forward stages the candidate reached (see the module docstring), in pipeline order."""
    return ORDER[: furthest_forward(history.steps) + 1]


def current_counts(histories: Iterable[History]) -> dict[CandidateStage, int]:
    counts = Counter(h.stage for h in histories)
    return {stage: counts.get(stage, 0) for stage in CandidateStage}


def reached_counts(histories: Iterable[History]) -> dict[CandidateStage, int]:
    furthest = Counter(furthest_forward(h.steps) for h in histories)
    return {stage: sum(n for index, n in furthest.items() if index >= position) for position, stage in enumerate(ORDER)}


def conversions(reached: dict[CandidateStage, int]) -> dict[CandidateStage, float | None]:
    """Share of the candidates that reached each forward stage which went on to reach the next one."""
    return {stage: (reached[nxt] / reached[stage] if reached[stage] else None) for stage, nxt in pairwise(ORDER)}


def finished_stays(history: History) -> list[tuple[CandidateStage, float]]:
    """(stage, days) for every stay the candidate has finished, i.e. moved on from."""
    return [
        (stage, (left - entered).total_seconds() / _SECONDS_PER_DAY)
        for (stage, entered), (_next, left) in pairwise(history.steps)
    ]


def median_days(histories: Iterable[History]) -> dict[CandidateStage, float | None]:
    """Median length in days of the finished stays in each timed stage (None when there is none)."""
    stays: dict[CandidateStage, list[float]] = defaultdict(list)
    for history in histories:
        for stage, days in finished_stays(history):
            stays[stage].append(days)
    return {stage: (statistics.median(stays[stage]) if stays[stage] else None) for stage in TIMED_STAGES}


def summarise(histories: Sequence[History]) -> Funnel:
    """The funnel of a group of candidates."""
    current = current_counts(histories)
    reached = reached_counts(histories)
    return Funnel(
        total=len(histories),
        active=sum(n for stage, n in current.items() if stage not in INACTIVE),
        current=current,
        reached=reached,
        conversion=conversions(reached),
        median_days=median_days(histories),
    )


def incubator_tallies(histories: Iterable[History]) -> list[IncubatorTally]:
    """Per credited incubator: candidates, how many reached shortlisted and selected for pilot.

    Best first: by selected, then shortlisted, then candidates (then id, so ties are stable).
    """
    shortlisted, selected = (ORDER.index(stage) for stage in HEADLINE_STAGES)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for history in histories:
        furthest = furthest_forward(history.steps)
        for incubator_id in history.incubator_ids:
            counts = totals[incubator_id]
            counts[0] += 1
            counts[1] += furthest >= shortlisted
            counts[2] += furthest >= selected
    tallies = [IncubatorTally(i, c, s, sel) for i, (c, s, sel) in totals.items()]
    return sorted(tallies, key=lambda t: (-t.selected, -t.shortlisted, -t.candidates, t.incubator_id))


def short_of_candidates(
    need_ids: Iterable[int], histories: Iterable[History], minimum: int = MIN_ACTIVE_CANDIDATES
) -> list[tuple[int, int]]:
    """(need id, active candidates) for each of ``need_ids`` with fewer than ``minimum`` active
    candidates (not declined or withdrawn); fewest first."""
    active = Counter(h.need_id for h in histories if h.stage not in INACTIVE)
    short = [(need_id, active.get(need_id, 0)) for need_id in need_ids if active.get(need_id, 0) < minimum]
    return sorted(short, key=lambda item: (item[1], item[0]))


# Reading the rows


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_histories(need_id: int | None = None) -> list[History]:
    """Every candidate (of one need, if given) with its stage history from the audit trail.

    Three queries whatever the number of candidates: the candidates, their `candidate.create` and
    `candidate.stage` audit rows, and the listings of their startups. A candidate is credited to
    the incubator that nominated it, otherwise to every incubator listing the startup.
    """
    chosen = sa.select(Candidate.id)
    if need_id is not None:
        chosen = chosen.where(Candidate.need_id == need_id)
    candidates = db.session.execute(
        sa.select(
            Candidate.id,
            Candidate.need_id,
            Candidate.startup_id,
            Candidate.stage,
            Candidate.nominated_by_id,
            Candidate.created_at,
        )
        .where(Candidate.id.in_(chosen))
        .order_by(Candidate.id)
    ).all()
    steps: dict[int, list[tuple[CandidateStage, datetime]]] = defaultdict(list)
    events = db.session.execute(
        sa.select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.at, AuditEvent.before, AuditEvent.after)
        .where(
            AuditEvent.entity == "candidate",
            AuditEvent.action.in_(("candidate.create", "candidate.stage")),
            AuditEvent.entity_id.in_(chosen),
        )
        .order_by(AuditEvent.entity_id, AuditEvent.at, AuditEvent.id)
    )
    created = {row.id: row.created_at for row in candidates}
    for candidate_id, action, at, before, after in events:
        history = steps[candidate_id]
        if not history and action == "candidate.stage" and (before or {}).get("stage"):
            # A candidate whose creation predates the audit trail: it was in ``before`` since it was created.
            history.append((CandidateStage(before["stage"]), _utc(created[candidate_id])))
        history.append((CandidateStage((after or {})["stage"]), _utc(at)))
    listed: dict[int, set[int]] = defaultdict(set)
    for incubator_id, startup_id in db.session.execute(
        sa.select(Listing.incubator_id, Listing.startup_id).where(
            Listing.startup_id.in_(sa.select(Candidate.startup_id).where(Candidate.id.in_(chosen)))
        )
    ):
        listed[startup_id].add(incubator_id)
    return [
        History(
            need_id=row.need_id,
            stage=row.stage,
            steps=tuple(steps.get(row.id) or [(row.stage, _utc(row.created_at))]),
            incubator_ids=frozenset({row.nominated_by_id} if row.nominated_by_id else listed.get(row.startup_id, ())),
        )
        for row in candidates
    ]


@dataclass(frozen=True)
class NeedFunnel:
    need: Need
    owner: Organisation | None
    funnel: Funnel


@dataclass(frozen=True)
class IncubatorRow:
    incubator: Organisation | None
    tally: IncubatorTally


@dataclass(frozen=True)
class ShortNeed:
    need: Need
    owner: Organisation | None
    active: int


@dataclass(frozen=True)
class PipelineReport:
    """Everything the organiser dashboard and its exports show."""

    overall: Funnel
    needs: list[NeedFunnel]  # needs with candidates: most candidates first
    incubators: list[IncubatorRow]  # the TOP_INCUBATORS best
    short_of_candidates: list[ShortNeed]
    need: Need | None = None  # the one need the report is limited to
    minimum: int = MIN_ACTIVE_CANDIDATES


def pipeline_report(need_id: int | None = None) -> PipelineReport:
    """The dashboard's numbers, for every need or only ``need_id``. Raises NotFound for an unknown need."""
    need = None
    if need_id is not None:
        need = db.session.get(Need, need_id)
        if need is None:
            raise NotFound()
    histories = load_histories(need_id)
    by_need: dict[int, list[History]] = defaultdict(list)
    for history in histories:
        by_need[history.need_id].append(history)
    published = sa.select(Need.id).where(Need.status == NeedStatus.PUBLISHED)
    if need_id is not None:
        published = published.where(Need.id == need_id)
    published_ids = list(db.session.scalars(published))
    wanted = set(by_need) | set(published_ids)
    needs = {n.id: n for n in db.session.scalars(sa.select(Need).where(Need.id.in_(wanted)))} if wanted else {}
    tallies = incubator_tallies(histories)[:TOP_INCUBATORS]
    orgs = organisations_by_id({n.owner_id for n in needs.values()} | {t.incubator_id for t in tallies})
    need_rows = [NeedFunnel(needs[i], orgs.get(needs[i].owner_id), summarise(group)) for i, group in by_need.items()]
    need_rows.sort(key=lambda row: (-row.funnel.total, row.need.title.lower(), row.need.id))
    return PipelineReport(
        overall=summarise(histories),
        needs=need_rows,
        incubators=[IncubatorRow(orgs.get(t.incubator_id), t) for t in tallies],
        short_of_candidates=[
            ShortNeed(needs[i], orgs.get(needs[i].owner_id), active)
            for i, active in short_of_candidates(published_ids, histories)
        ],
        need=need,
    )


def need_choices() -> list[tuple[int, str]]:
    """(id, title) of the needs worth filtering by: those with candidates, and published ones."""
    with_candidates = sa.select(Candidate.need_id)
    rows = db.session.execute(
        sa.select(Need.id, Need.title)
        .where(sa.or_(Need.id.in_(with_candidates), Need.status == NeedStatus.PUBLISHED))
        .order_by(Need.title, Need.id)
    )
    return [(need_id, title) for need_id, title in rows]
