from __future__ import annotations

import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Startup


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
    """Incubators on the startup's side of a candidate that chose this need (authz.startup_side_incubators)."""
    from marketplace import authz
    from marketplace.startups.queries import incubator_ids_for_startup

    opted = sa.select(Candidate.startup_id, Candidate.nominated_by_id).where(
        Candidate.need_id == need_id, Candidate.opted_in_at.is_not(None)
    )
    found: set[int] = set()
    for startup_id, nominator in db.session.execute(opted).all():
        listed_by = incubator_ids_for_startup(startup_id) if nominator is None else ()
        found |= authz.startup_side_incubators(nominator, listed_by)
    return found


def startup_side_sees(incubator_id: int) -> sa.ColumnElement[bool]:
    """authz.startup_side_sees_clause over ``Candidate`` for one incubator: shared with the startup's side, the
    incubator on it, and the need one it sees (services.startup_side_seeing is the same rule per candidate)."""
    from marketplace import authz
    from marketplace.startups.models import Listing

    listed = sa.select(Listing.startup_id).where(Listing.incubator_id == incubator_id)
    return authz.startup_side_sees_clause(
        incubator_id,
        listed,
        nominated_by=Candidate.nominated_by_id,
        startup_id=Candidate.startup_id,
        shared_at=Candidate.shared_at,
        need_id=Candidate.need_id,
    )


def candidates_of_incubator(incubator_id: int) -> list[tuple[Candidate, Startup, Need]]:
    """Every candidate the incubator sees for the startup's side (authz.startup_side_sees_candidate: shared with
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


def visible_candidates_clause(user) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Candidate`` selecting exactly the candidates the web pages show ``user``:
    whose need the user may see and for which they act on a side (``services.sides``)."""
    from marketplace import authz
    from marketplace.accounts.enums import UserRole

    if authz.is_platform(user):
        return sa.true()
    if user.role == UserRole.BANK_STAFF:
        return Candidate.need_id.in_(sa.select(Need.id).where(Need.owner_id == user.organisation_id))
    if user.role == UserRole.INCUBATOR_MANAGER:
        return startup_side_sees(user.organisation_id)
    return sa.false()


def candidate_for_user(user, candidate_id: int) -> Candidate:
    """The candidate, if ``user`` may see its need and acts for a side of it; NotFound otherwise."""
    from marketplace.core.errors import NotFound
    from marketplace.needs.queries import need_for_user
    from marketplace.pipeline.services import sides

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
    from marketplace.core.list_queries import paginate

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
    before (a private shortlist, its reasons) is the bank's judgement (authz.can_see_bank_judgement)."""
    from marketplace import authz
    from marketplace.audit.queries import history_for

    if authz.can_see_bank_judgement(user):
        return history_for("candidate", candidate.id)
    if candidate.shared_at is None:
        return []
    return history_for("candidate", candidate.id, since=candidate.shared_at)


def pitch_decks_for(candidate_ids: list[int]) -> dict[int, list]:
    """Pitch decks (without their content) by candidate."""
    from marketplace.pipeline.models import PitchDeck

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
    from marketplace.pipeline.transitions import CLOSED

    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Candidate)
            .where(Candidate.need_id == need_id, Candidate.stage.not_in([s.value for s in CLOSED]))
        )
        or 0
    )


def vote_counts(need_id: int) -> dict[int, int]:
    from marketplace.pipeline.models import Vote

    rows = db.session.execute(
        sa.select(Vote.startup_id, sa.func.count()).where(Vote.need_id == need_id).group_by(Vote.startup_id)
    )
    return {startup_id: count for startup_id, count in rows}


def votes_of(need_id: int, user_id: int) -> set[int]:
    from marketplace.pipeline.models import Vote

    return set(db.session.scalars(sa.select(Vote.startup_id).where(Vote.need_id == need_id, Vote.user_id == user_id)))
