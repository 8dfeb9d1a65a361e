"""Who may see or change what: the one place for role × ownership × visibility rules.

Per-object checks (``can_*``) and the query clause (``visible_needs_clause``) encode the same
rule; a test walks the seeded world to prove they agree.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import User
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.models import Need, NeedAudience, NeedTermsAcceptance

PLATFORM_ROLES = frozenset({UserRole.ORGANISER, UserRole.ADMIN})
# Statuses in which a need is shown outside its owning unit.
LISTED_STATUSES = frozenset({NeedStatus.PUBLISHED, NeedStatus.CLOSED})
# Statuses in which the owning unit may still edit a need.
EDITABLE_STATUSES = frozenset({NeedStatus.DRAFT, NeedStatus.IN_REVIEW, NeedStatus.PUBLISHED})


def is_platform(user: User) -> bool:
    return user.role in PLATFORM_ROLES


def can_view_need(user: User, need: Need, *, invited: bool) -> bool:
    """``invited``: the user's organisation is in the need's invited audience."""
    if is_platform(user):
        return True
    if user.role == UserRole.BANK_STAFF:
        return need.owner_id == user.organisation_id or need.status in LISTED_STATUSES
    if user.role == UserRole.INCUBATOR_MANAGER:
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
    if user.role == UserRole.BANK_STAFF:
        return sa.or_(Need.owner_id == user.organisation_id, listed)
    if user.role == UserRole.INCUBATOR_MANAGER:
        return incubator_needs_clause(user.organisation_id)
    return sa.false()


def can_create_need(user: User) -> bool:
    return user.role == UserRole.BANK_STAFF or is_platform(user)


def can_edit_need(user: User, need: Need) -> bool:
    if is_platform(user):
        return True
    return (
        user.role == UserRole.BANK_STAFF and need.owner_id == user.organisation_id and need.status in EDITABLE_STATUSES
    )


def can_create_startup(user: User) -> bool:
    return user.role == UserRole.INCUBATOR_MANAGER or is_platform(user)


def can_edit_startup(user: User, listed_by: Collection[int]) -> bool:
    """``listed_by``: ids of the incubators that list the startup."""
    if is_platform(user):
        return True
    return user.role == UserRole.INCUBATOR_MANAGER and user.organisation_id in listed_by


def can_view_startup_contact(user: User, listed_by: Collection[int], opted_in_units: Collection[int]) -> bool:
    """``opted_in_units``: bank units with a need this startup has chosen (applied, accepted an
    invitation, was nominated). A bank unit sees the contact only then: the double opt-in."""
    if can_edit_startup(user, listed_by):
        return True
    return user.role == UserRole.BANK_STAFF and user.organisation_id in opted_in_units


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
    (``startup_side_incubators``), and it sees the need (``incubator_sees_need``): an invitation to a need
    incubators may not see, an internal one above all, never reaches them (security review, finding 11).
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


def can_read_full_need(user: User, need: Need, *, accepted_terms: bool) -> bool:
    """A confidential need shows an incubator only its teaser (title, sectors, summary) until its
    organisation accepted the terms. ``accepted_terms``: the user's organisation did."""
    return not (need.confidential and user.role == UserRole.INCUBATOR_MANAGER and not accepted_terms)


def readable_needs_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause over ``Need`` selecting the needs whose full text ``user`` may read: the same rule as
    ``can_read_full_need``. Everything past the teaser (description, scenarios, the ranking's explanations,
    text search) answers to it: a need the clause leaves out is matched, ranked and explained from its teaser
    alone, or not at all."""
    if user.role != UserRole.INCUBATOR_MANAGER:
        return sa.true()
    accepted = (
        sa.select(NeedTermsAcceptance.need_id)
        .where(NeedTermsAcceptance.need_id == Need.id)
        .where(NeedTermsAcceptance.organisation_id == user.organisation_id)
        .exists()
    )
    return sa.or_(Need.confidential.is_(False), accepted)


def can_view_need_contact(user: User, need: Need, opted_in_orgs: Collection[int]) -> bool:
    """The need's contact person reaches the startup's side only once one of its startups chose the
    need. ``opted_in_orgs``: incubators on the startup's side of an opted-in candidate
    (``startup_side_incubators``)."""
    if user.role == UserRole.INCUBATOR_MANAGER:
        return user.organisation_id in opted_in_orgs
    return True


def can_see_bank_judgement(user: User) -> bool:
    """The bank's private judgement of startups (votes, and notes and declines before a candidate is shared)
    is the bank's and the platform's: never the startup's side."""
    return is_platform(user) or user.role == UserRole.BANK_STAFF


def can_view_need_review(user: User, need: Need) -> bool:
    """A need's review history (the platform's comments on the owning unit's drafts) is between those two."""
    return is_platform(user) or (user.role == UserRole.BANK_STAFF and user.organisation_id == need.owner_id)


def can_view_listing_ids(user: User, incubator_id: int) -> bool:
    """An incubator's own CRM ids are its business and the platform's."""
    return is_platform(user) or user.organisation_id == incubator_id


def can_import_for(user: User, incubator_id: int) -> bool:
    """Portfolio imports: an incubator's managers for their own incubator, and the platform."""
    if is_platform(user):
        return True
    return user.role == UserRole.INCUBATOR_MANAGER and user.organisation_id == incubator_id
