"""The incubator's workspace, put together: invitations to answer, its candidates with their
statuses, and the open needs ranked for its portfolio."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.needs.queries import OPEN, has_accepted_terms, needs_for_user
from marketplace.needs.rules import can_read_full_need
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.queries import candidates_of_incubator, pitch_decks_for
from marketplace.rankings.services import Ranked, rank_startups_for_need, startup_ids_for_viewer
from marketplace.startups.models import Startup
from matching.fit import Fit

MATCHES_PER_NEED = 3


@dataclass
class OpenNeed:
    need: Need
    readable: bool  # False: a confidential need whose terms the incubator has not accepted
    matches: list[Ranked] = field(default_factory=list)
    in_pipeline: set[int] = field(default_factory=set)  # portfolio startups already candidates

    @property
    def best(self) -> int:
        """The best fit among its matches (matchmaking.services.pair_fit: the number the need page shows too, not
        rescaled so the best is 100); -1 without matches."""
        return max((r.fit.score for r in self.matches), default=-1)


def open_needs_for(user: User, pipeline_by_need: dict[int, set[int]]) -> list[OpenNeed]:
    """Needs open for nominations that the user's incubator may see, best fit for its portfolio first (a need past
    its deadline is not offered: nominating for it would be refused)."""
    portfolio = startup_ids_for_viewer(user) or set()
    found = []
    for need in needs_for_user(user, status=OPEN, per_page=500).items:
        readable = can_read_full_need(user, need, accepted_terms=has_accepted_terms(need.id, user.organisation_id))
        item = OpenNeed(need=need, readable=readable, in_pipeline=pipeline_by_need.get(need.id, set()))
        if readable and portfolio:
            item.matches = rank_startups_for_need(user, need, allowed_ids=portfolio, k=MATCHES_PER_NEED)
        found.append(item)
    found.sort(key=lambda item: (not item.readable, -item.best))
    return found


def overview(user: User) -> dict:
    rows = candidates_of_incubator(user.organisation_id)
    pipeline_by_need: dict[int, set[int]] = {}
    for candidate, _startup, need in rows:
        pipeline_by_need.setdefault(need.id, set()).add(candidate.startup_id)
    return {
        "invitations": [row for row in rows if row[0].stage == CandidateStage.INVITED],
        "candidates": rows,
        "decks": pitch_decks_for([c.id for c, _s, _n in rows]),
        "open_needs": open_needs_for(user, pipeline_by_need),
    }


def nomination_choices(user: User, need: Need) -> list[tuple[Startup, Fit | None]]:
    """The user's portfolio for a nomination form, each with its fit to the need (the one scale every page shows):
    best fit first, then those the ranking leaves out, by name, without one."""
    portfolio = startup_ids_for_viewer(user) or set()
    if not portfolio:
        return []
    ranked = sorted(
        rank_startups_for_need(user, need, allowed_ids=portfolio, k=len(portfolio)), key=lambda r: -r.fit.score
    )
    rest = set(portfolio) - {r.item.id for r in ranked}
    return [(r.item, r.fit) for r in ranked] + [
        (s, None) for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_(rest)).order_by(Startup.name))
    ]
