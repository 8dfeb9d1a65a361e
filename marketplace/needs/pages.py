"""What a need's page shows one reader (needs/detail.html): reads only; the view records the visit itself."""

from __future__ import annotations

from datetime import datetime

from marketplace.accounts.models import Organisation, User
from marketplace.accounts.queries import organisations_by_id
from marketplace.accounts.submissions import new_form_token
from marketplace.audit.queries import history_for
from marketplace.core.db import db
from marketplace.core.taxonomy import StartupStage
from marketplace.needs import lifecycle
from marketplace.needs.models import Need
from marketplace.needs.queries import audience_ids_for_need, terms_acceptance
from marketplace.needs.rules import (
    can_create_need,
    can_edit_need,
    can_read_full_need,
    can_view_need_contact,
    can_view_need_review,
    capacities,
)
from marketplace.pipeline import transitions
from marketplace.pipeline.queries import board_for_need, opted_in_orgs, pitch_decks_for, vote_counts, votes_of
from marketplace.pipeline.rules import can_nominate, can_see_bank_judgement, can_vote
from marketplace.pipeline.transitions import card_moves, next_stages
from marketplace.rankings.forms import MatchFilterForm
from marketplace.rankings.rules import can_see_matches, only_own_portfolio
from marketplace.rankings.services import rank_startups_for_need
from marketplace.startups.queries import startup_ids_where


def detail_page(viewer: User, need: Need, filters: MatchFilterForm, *, last_visit: datetime | None) -> dict:
    """The need page's values for ``viewer``: the need (all of it, or a confidential need's teaser until their
    incubator accepts the terms), what they may do to it, its pipeline board for those who hold a part in it, and
    the startups ranked for it within ``filters``; ``last_visit`` (when they last opened it) marks what is new."""
    acceptance = terms_acceptance(need.id, viewer.organisation_id) if need.confidential else None
    readable = can_read_full_need(viewer, need, accepted_terms=acceptance is not None)
    held = capacities(viewer, need)
    board = board_for_need(need.id) if held else None
    candidates = [c for items in board.values() for c, _s in items] if board else []
    editable = can_edit_need(viewer, need)
    return {
        "need": need,
        "readable": readable,
        "acceptance": acceptance,
        "show_contact": can_view_need_contact(viewer, need, opted_in_orgs(need.id)),
        "owner": db.session.get(Organisation, need.owner_id),
        "audience": list(organisations_by_id(audience_ids_for_need(need.id)).values()) if editable else [],
        "can_edit": editable,
        "can_clone": can_create_need(viewer),
        "clone_token": new_form_token() if can_create_need(viewer) else None,
        "status_targets": lifecycle.targets(need.status, held),
        "board": board,
        "board_sides": _board_sides(held),
        "decks": pitch_decks_for([c.id for c in candidates]) if board else {},
        "votes": vote_counts(need.id) if can_see_bank_judgement(viewer) else {},
        "my_votes": votes_of(need.id, viewer.id),
        "can_vote": can_vote(viewer),
        "can_nominate": can_nominate(viewer) and lifecycle.is_open(need.status, need.deadline) and readable,
        "last_visit": last_visit,
        "next_stages": next_stages,
        "card_moves": card_moves,
        "ranked_candidates": {c.startup_id: c for c in candidates},
        "history": history_for("need", need.id, action="need.status") if can_view_need_review(viewer, need) else [],
        "matches": _matches(viewer, need, filters) if readable and can_see_matches(viewer, need) else None,
        "match_filters": filters,
        "own_portfolio_only": only_own_portfolio(viewer),
    }


def _board_sides(held: set) -> set[str]:
    """Which sides of the pipeline board the reader moves candidates for."""
    sides = {transitions.BANK} if lifecycle.OWNER in held else set()
    if lifecycle.PLATFORM in held:
        sides.add(transitions.PLATFORM)
    return sides


def _matches(viewer: User, need: Need, filters: MatchFilterForm):
    """The startups ranked for the need, among those the match filters let through."""
    stage = filters.stage.data if filters.stage.data in StartupStage.__members__.values() else None
    allowed = startup_ids_where(
        sector=filters.sector.data or None,
        stage=StartupStage(stage) if stage else None,
        country=filters.country.data or None,
        founded_from=filters.founded_year(),
        incubator_id=filters.incubator_id(),
    )
    return rank_startups_for_need(viewer, need, allowed_ids=allowed)
