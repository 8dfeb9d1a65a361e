from __future__ import annotations

import sqlalchemy as sa

from marketplace.audit.queries import history_for
from marketplace.core.db import db
from marketplace.core.errors import NotFound
from marketplace.core.list_queries import paginate
from marketplace.needs.models import Need
from marketplace.needs.queries import need_for_user
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate, PitchDeck, Vote
from marketplace.pipeline.rules import (
    can_see_bank_judgement,
    sides,
    startup_side_incubators,
    startup_side_sees,
    visible_candidates_clause,
)
from marketplace.pipeline.transitions import CLOSED
from marketplace.startups.models import Startup
from marketplace.startups.queries import incubator_ids_for_startup


def board_for_need(need_id: int) -> dict[CandidateStage, list[tuple[Candidate, Startup]]]:
    """The need's candidates by stage (every stage present, in pipeline order)."""
    board: dict[CandidateStage, list] = {stage: [] for stage in CandidateStage}
    rows = db.session.execute(
        sa.select(Candidate, Startup)
        .join(Startup, Startup.id == Candidate.startup_id)
        .where(Candidate.need_id == need_id)
        .order_by(Candidate.updated_at.desc())
    )
    for candidate, startup in rows:
        board[candidate.stage].append((candidate, startup))
    return board


def candidate_for(need_id: int, startup_id: int) -> Candidate | None:
    return db.session.scalar(
        sa.select(Candidate).where(Candidate.need_id == need_id, Candidate.startup_id == startup_id)
    )


def opted_in_units(startup_id: int) -> set[int]:
    """Bank units owning a need this startup has chosen (the double opt-in reveals its contact to them)."""
    return set(
        db.session.scalars(
            sa.select(Need.owner_id)
            .join(Candidate, Candidate.need_id == Need.id)
            .where(Candidate.startup_id == startup_id, Candidate.opted_in_at.is_not(None))
        )
    )


def opted_in_orgs(need_id: int) -> set[int]:
    """Incubators on the startup's side of a candidate that chose this need (rules.startup_side_incubators)."""
    opted = sa.select(Candidate.startup_id, Candidate.nominated_by_id).where(
        Candidate.need_id == need_id, Candidate.opted_in_at.is_not(None)
    )
    found: set[int] = set()
    for startup_id, nominator in db.session.execute(opted).all():
        listed_by = incubator_ids_for_startup(startup_id) if nominator is None else ()
        found |= startup_side_incubators(nominator, listed_by)
    return found


def candidates_of_incubator(incubator_id: int) -> list[tuple[Candidate, Startup, Need]]:
    """Every candidate the incubator sees for the startup's side (rules.startup_side_sees_candidate: shared with
    that side, so never the bank's private shortlist; never on a need it may not see, such as an internal one),
    newest move first."""
    rows = db.session.execute(
        sa.select(Candidate, Startup, Need)
        .join(Startup, Startup.id == Candidate.startup_id)
        .join(Need, Need.id == Candidate.need_id)
        .where(startup_side_sees(incubator_id))
        .order_by(Candidate.updated_at.desc(), Candidate.id.desc())
    )
    return [(c, s, n) for c, s, n in rows]


def candidate_for_user(user, candidate_id: int) -> Candidate:
    """The candidate, if ``user`` may see its need and acts for a side of it; NotFound otherwise."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound()
    need_for_user(user, candidate.need_id)
    if not sides(user, candidate):
        raise NotFound()
    return candidate


def candidates_for_user(
    user,
    *,
    need_id: int | None = None,
    startup_id: int | None = None,
    stage: CandidateStage | None = None,
    page: int = 1,
    per_page: int = 24,
):
    """The candidates ``user`` may see, newest move first."""
    query = sa.select(Candidate).where(visible_candidates_clause(user))
    if need_id:
        query = query.where(Candidate.need_id == need_id)
    if startup_id:
        query = query.where(Candidate.startup_id == startup_id)
    if stage:
        query = query.where(Candidate.stage == stage)
    return paginate(query.order_by(Candidate.updated_at.desc(), Candidate.id.desc()), page=page, per_page=per_page)


def candidate_history(user, candidate: Candidate) -> list:
    """The candidate's audit trail as ``user`` may read it: whole for the bank's side and the platform; for the
    startup's side only from the moment the candidate was shared with it, since what the bank did and noted
    before (a private shortlist, its reasons) is the bank's judgement (pipeline.rules.can_see_bank_judgement)."""
    if can_see_bank_judgement(user):
        return history_for("candidate", candidate.id)
    if candidate.shared_at is None:
        return []
    return history_for("candidate", candidate.id, since=candidate.shared_at)


def pitch_decks_for(candidate_ids: list[int]) -> dict[int, list]:
    """Pitch decks (without their content) by candidate."""
    found: dict[int, list] = {}
    if not candidate_ids:
        return found
    rows = db.session.execute(
        sa.select(PitchDeck.id, PitchDeck.candidate_id, PitchDeck.filename, PitchDeck.size_bytes)
        .where(PitchDeck.candidate_id.in_(candidate_ids))
        .order_by(PitchDeck.id)
    )
    for row in rows:
        found.setdefault(row.candidate_id, []).append(row)
    return found


def open_candidate_count(need_id: int) -> int:
    """Candidates of a need still in play (not declined, withdrawn or done)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Candidate)
            .where(Candidate.need_id == need_id, Candidate.stage.not_in([s.value for s in CLOSED]))
        )
        or 0
    )


def vote_counts(need_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Vote.startup_id, sa.func.count()).where(Vote.need_id == need_id).group_by(Vote.startup_id)
    )
    return {startup_id: count for startup_id, count in rows}


def votes_of(need_id: int, user_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Vote.startup_id).where(Vote.need_id == need_id, Vote.user_id == user_id)))
