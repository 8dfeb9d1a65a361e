"""Who may add, change and see what of a startup profile.

Anyone signed in reads profiles; incubator managers add startups (listed by their incubator) and change
those their incubator lists; the platform everything. Contact details reach a bank unit only after the
startup's side chose one of its needs (the double opt-in); an incubator's CRM ids are its own.
"""

from __future__ import annotations

from collections.abc import Collection

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform


def can_create_startup(user: User) -> bool:
    return is_incubator(user) or is_platform(user)


def lists_for_own_incubator(user: User) -> bool:
    """An incubator manager's new startups are listed by their own incubator (the platform chooses one)."""
    return is_incubator(user)


def can_edit_startup(user: User, listed_by: Collection[int]) -> bool:
    """``listed_by``: ids of the incubators that list the startup."""
    if is_platform(user):
        return True
    return is_incubator(user) and user.organisation_id in listed_by


def can_view_startup_contact(user: User, listed_by: Collection[int], opted_in_units: Collection[int]) -> bool:
    """``opted_in_units``: bank units with a need this startup has chosen (applied, accepted an
    invitation, was nominated). A bank unit sees the contact only then: the double opt-in."""
    if can_edit_startup(user, listed_by):
        return True
    return is_bank(user) and user.organisation_id in opted_in_units


def can_view_listing_ids(user: User, incubator_id: int) -> bool:
    """An incubator's own CRM ids are its business and the platform's."""
    return is_platform(user) or user.organisation_id == incubator_id
