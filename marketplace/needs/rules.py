"""Who may see, read, change and act on a need: every need rule in one file.

Who sees a need (``can_view_need``, and as a WHERE clause ``visible_needs_clause``): bank staff their own
unit's needs in any status and other units' once published or closed; incubators published or closed needs
that are public, or invited with them in the audience, and never an internal need nor a draft
(``incubator_sees_need`` / ``incubator_needs_clause``); the platform everything. Each per-object check has its
SQL twin, and ``tests/integration/access/test_visibility_rule.py`` walks the seeded world to prove they agree.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.models import Need, NeedAudience, NeedTermsAcceptance

# Statuses in which a need is shown outside its owning unit.
LISTED_STATUSES = frozenset({NeedStatus.PUBLISHED, NeedStatus.CLOSED})
# Statuses in which the owning unit may still edit a need.
EDITABLE_STATUSES = frozenset({NeedStatus.DRAFT, NeedStatus.IN_REVIEW, NeedStatus.PUBLISHED})


def can_view_need(user: User, need: Need, *, invited: bool) -> bool:
    """``invited``: the user's organisation is in the need's invited audience."""
    if is_platform(user):
        return True
    if is_bank(user):
        return need.owner_id == user.organisation_id or need.status in LISTED_STATUSES
    if is_incubator(user):
        return incubator_sees_need(need, invited=invited)
    return False


def incubator_sees_need(need: Need, *, invited: bool) -> bool:
    """Whether an incubator sees a need: published or closed, and public or with the incubator in its invited
    audience; never an internal need, never a draft. ``invited``: the incubator is in the audience."""
    if need.status not in LISTED_STATUSES:
        return False
    if need.visibility == NeedVisibility.PUBLIC:
        return True
    return need.visibility == NeedVisibility.INVITED and invited


def incubator_needs_clause(organisation_id: int) -> sa.ColumnElement[bool]:
    """``incubator_sees_need`` as a WHERE clause over ``Need`` for one incubator."""
    invited = (
        sa.select(NeedAudience.need_id)
        .where(NeedAudience.need_id == Need.id)
        .where(NeedAudience.organisation_id == organisation_id)
        .exists()
    )
    return sa.and_(
        Need.status.in_([s.value for s in LISTED_STATUSES]),
        sa.or_(
            Need.visibility == NeedVisibility.PUBLIC,
            sa.and_(Need.visibility == NeedVisibility.INVITED, invited),
        ),
    )


def visible_needs_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Need`` selecting exactly what ``can_view_need`` allows."""
    if is_platform(user):
        return sa.true()
    listed = Need.status.in_([s.value for s in LISTED_STATUSES])
    if is_bank(user):
        return sa.or_(Need.owner_id == user.organisation_id, listed)
    if is_incubator(user):
        return incubator_needs_clause(user.organisation_id)
    return sa.false()


def can_create_need(user: User) -> bool:
    return is_bank(user) or is_platform(user)


def owns_need(user: User, need: Need) -> bool:
    """Staff of the unit that owns the need."""
    return is_bank(user) and user.organisation_id == need.owner_id


def can_edit_need(user: User, need: Need) -> bool:
    if is_platform(user):
        return True
    return owns_need(user, need) and need.status in EDITABLE_STATUSES


def capacities(user: User, need: Need) -> set[str]:
    """In which capacities the user acts on this need (owner unit, platform): the ``lifecycle`` table's who."""
    found = set()
    if is_platform(user):
        found.add(lifecycle.PLATFORM)
    if owns_need(user, need):
        found.add(lifecycle.OWNER)
    return found


def can_read_full_need(user: User, need: Need, *, accepted_terms: bool) -> bool:
    """A confidential need shows an incubator only its teaser (title, sectors, summary) until its
    organisation accepted the terms. ``accepted_terms``: the user's organisation did."""
    return not (need.confidential and is_incubator(user) and not accepted_terms)


def readable_needs_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Need`` selecting the needs whose full text ``user`` may read: the same rule as
    ``can_read_full_need``. Everything past the teaser (description, scenarios, the ranking's explanations,
    text search) answers to it: a need the clause leaves out is matched, ranked and explained from its teaser
    alone, or not at all."""
    if not is_incubator(user):
        return sa.true()
    accepted = (
        sa.select(NeedTermsAcceptance.need_id)
        .where(NeedTermsAcceptance.need_id == Need.id)
        .where(NeedTermsAcceptance.organisation_id == user.organisation_id)
        .exists()
    )
    return sa.or_(Need.confidential.is_(False), accepted)


def can_accept_terms(user: User) -> bool:
    """A confidential need's terms are accepted by an incubator's manager, for the incubator."""
    return is_incubator(user)


def can_view_need_contact(user: User, need: Need, opted_in_orgs: Collection[int]) -> bool:
    """The need's contact person reaches the startup's side only once one of its startups chose the
    need. ``opted_in_orgs``: incubators on the startup's side of an opted-in candidate
    (``pipeline.rules.startup_side_incubators``)."""
    if is_incubator(user):
        return user.organisation_id in opted_in_orgs
    return True


def can_view_need_review(user: User, need: Need) -> bool:
    """A need's review history (the platform's comments on the owning unit's drafts) is between those two."""
    return is_platform(user) or owns_need(user, need)
