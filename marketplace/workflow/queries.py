from __future__ import annotations

import sqlalchemy as sa

from marketplace.db import db
from marketplace.startups.models import Startup
from marketplace.workflow.enums import CandidateStage
from marketplace.workflow.models import Candidate


def board_for_need(need_id: int) -> dict[CandidateStage, list[tuple[Candidate, Startup]]]:
    """The need's candidates by stage (every stage present, in pipeline order)."""
    board: dict[CandidateStage, list] = {stage: [] for stage in CandidateStage}
    rows = db.session.execute(
        sa.select(Candidate, Startup).join(Startup, Startup.id == Candidate.startup_id)
        .where(Candidate.need_id == need_id).order_by(Candidate.updated_at.desc())
    )
    for candidate, startup in rows:
        board[candidate.stage].append((candidate, startup))
    return board


def candidate_for(need_id: int, startup_id: int) -> Candidate | None:
    return db.session.scalar(
        sa.select(Candidate).where(Candidate.need_id == need_id, Candidate.startup_id == startup_id)
    )


def vote_counts(need_id: int) -> dict[int, int]:
    from marketplace.workflow.models import Vote

    rows = db.session.execute(
        sa.select(Vote.startup_id, sa.func.count()).where(Vote.need_id == need_id).group_by(Vote.startup_id)
    )
    return {startup_id: count for startup_id, count in rows}


def votes_of(need_id: int, user_id: int) -> set[int]:
    from marketplace.workflow.models import Vote

    return set(db.session.scalars(sa.select(Vote.startup_id).where(Vote.need_id == need_id, Vote.user_id == user_id)))
