"""Who sees and moves a pipeline candidate: every candidate rule in one file.

A candidate has two sides (``transitions.py`` says whose move each step is): the bank's side is the staff of
the unit that owns the need; the startup's side is the nominating incubator alone, or, when nobody nominated
the startup, every incubator listing it (``startup_side_incubators``). The startup's side sees a candidate
only once it was shared with it and only on a need it may see (``startup_side_sees_candidate``, as SQL
``startup_side_sees_clause``). ``sides`` says for which sides someone acts; ``visible_candidates_clause`` is
its SQL twin (a test walks every seeded user × candidate). The bank's private judgement (votes, and a
candidate's history before it is shared) is the bank's and the platform's (``can_see_bank_judgement``).
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.core.db import db
from marketplace.needs.enums import NeedVisibility
from marketplace.needs.models import Need
from marketplace.needs.queries import audience_ids_for_need
from marketplace.needs.rules import incubator_needs_clause, incubator_sees_need, owns_need
from marketplace.pipeline import transitions
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Listing
from marketplace.startups.queries import incubator_ids_for_startup


def startup_side_incubators(nominated_by_id: int | None, listed_by: Collection[int]) -> frozenset[int]:
    """The incubators acting for the startup's side of a pipeline candidate. A nomination belongs to the
    incubator that made it: its note, its deck and the moves that follow are that incubator's alone, even
    when another incubator lists the same startup. A candidate the bank found or invited, nominated by
    nobody, is the business of every incubator listing the startup. ``listed_by``: those incubators."""
    return frozenset({nominated_by_id}) if nominated_by_id is not None else frozenset(listed_by)


def startup_side_clause(
    organisation_id: int, nominated_by: sa.ColumnElement, startup_id: sa.ColumnElement, listed: sa.Select
) -> sa.ColumnElement[bool]:
    """``startup_side_incubators`` as a WHERE clause over a candidate's ``nominated_by`` and ``startup_id``
    columns for one incubator; ``listed`` selects the startup ids it lists."""
    return sa.or_(nominated_by == organisation_id, sa.and_(nominated_by.is_(None), startup_id.in_(listed)))


def startup_side_sees_candidate(
    organisation_id: int,
    *,
    nominated_by_id: int | None,
    listed_by: Collection[int],
    shared: bool,
    need: Need,
    invited: bool,
) -> bool:
    """The one rule for "this incubator sees (and acts on) this candidate for the startup's side": the candidate
    was shared with that side (the bank's private consideration is not), the incubator is on it
    (``startup_side_incubators``), and it sees the need (``needs.rules.incubator_sees_need``): an invitation to a
    need incubators may not see, an internal one above all, never reaches them (security review, finding 11).
    ``invited``: the incubator is in the need's audience."""
    return (
        shared
        and organisation_id in startup_side_incubators(nominated_by_id, listed_by)
        and incubator_sees_need(need, invited=invited)
    )


def startup_side_sees_clause(
    organisation_id: int,
    listed: sa.Select,
    *,
    nominated_by: sa.ColumnElement,
    startup_id: sa.ColumnElement,
    shared_at: sa.ColumnElement,
    need_id: sa.ColumnElement,
) -> sa.ColumnElement[bool]:
    """``startup_side_sees_candidate`` as a WHERE clause over a candidate's columns for one incubator;
    ``listed`` selects the startup ids it lists."""
    return sa.and_(
        shared_at.is_not(None),
        startup_side_clause(organisation_id, nominated_by, startup_id, listed),
        need_id.in_(sa.select(Need.id).where(incubator_needs_clause(organisation_id))),
    )


def startup_side_sees(incubator_id: int) -> sa.ColumnElement[bool]:
    """``startup_side_sees_clause`` over ``Candidate`` for one incubator: shared with the startup's side, the
    incubator on it, and the need one it sees (``startup_side_seeing`` is the same rule per candidate)."""
    listed = sa.select(Listing.startup_id).where(Listing.incubator_id == incubator_id)
    return startup_side_sees_clause(
        incubator_id,
        listed,
        nominated_by=Candidate.nominated_by_id,
        startup_id=Candidate.startup_id,
        shared_at=Candidate.shared_at,
        need_id=Candidate.need_id,
    )


def startup_side_seeing(candidate: Candidate, *, shared: bool | None = None) -> frozenset[int]:
    """The incubators that see the candidate for the startup's side (``startup_side_sees_candidate``: shared
    with that side, on it, and seeing the need). ``shared`` overrides whether it was shared: True asks who
    would see it once shared (``services.check_shareable``)."""
    need = db.session.get(Need, candidate.need_id)
    listed_by = incubator_ids_for_startup(candidate.startup_id)
    side = startup_side_incubators(candidate.nominated_by_id, listed_by)
    if need is None or not side:
        return frozenset()
    audience = audience_ids_for_need(need.id) if need.visibility == NeedVisibility.INVITED else set()
    is_shared = candidate.shared_at is not None if shared is None else shared
    return frozenset(
        org
        for org in side
        if startup_side_sees_candidate(
            org,
            nominated_by_id=candidate.nominated_by_id,
            listed_by=listed_by,
            shared=is_shared,
            need=need,
            invited=org in audience,
        )
    )


def sides(user: User, candidate: Candidate) -> set[str]:
    """For which sides of the pipeline the user may act on this candidate (see transitions.py).

    The bank's side for staff of the unit owning the need; the startup's side only for the incubators that
    see the candidate (``startup_side_seeing``): once it was shared with them (invited, nominated), if
    ``startup_side_incubators`` names them (a nomination is the nominating incubator's), and if they may see
    the need; the platform acts for both."""
    found = set()
    if is_platform(user):
        found.add(transitions.PLATFORM)
    if is_bank(user):
        need = db.session.get(Need, candidate.need_id)
        if need is not None and owns_need(user, need):
            found.add(transitions.BANK)
    if (
        is_incubator(user)
        and candidate.shared_at is not None
        and user.organisation_id in startup_side_seeing(candidate)
    ):
        found.add(transitions.STARTUP)
    return found


def visible_candidates_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Candidate`` selecting exactly the candidates the web pages show ``user``:
    whose need the user may see and for which they act on a side (``sides``)."""
    if is_platform(user):
        return sa.true()
    if is_bank(user):
        return Candidate.need_id.in_(sa.select(Need.id).where(Need.owner_id == user.organisation_id))
    if is_incubator(user):
        return startup_side_sees(user.organisation_id)
    return sa.false()


def can_act_on_matches(user: User, need: Need | None) -> bool:
    """Turning a ranked startup into a candidate (shortlist, invite, not a fit) is the bank's side's move:
    staff of the need's unit, and the platform."""
    return is_platform(user) or (need is not None and owns_need(user, need))


def can_nominate(user: User) -> bool:
    """Incubator managers nominate startups their incubator lists (``nominations.nominate`` checks the rest)."""
    return is_incubator(user)


def has_workspace(user: User) -> bool:
    """The workspace is the incubator's view of its startups' candidates."""
    return is_incubator(user)


def can_see_bank_judgement(user: User) -> bool:
    """The bank's private judgement of startups (votes, and notes and declines before a candidate is shared)
    is the bank's and the platform's: never the startup's side."""
    return is_platform(user) or is_bank(user)


def can_vote(user: User) -> bool:
    """Votes are the bank's judgement: its staff and the platform vote, and only they see the counts."""
    return can_see_bank_judgement(user)
