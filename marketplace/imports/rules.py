"""Who imports portfolios: an incubator's managers for their own incubator, and the platform for any."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_incubator, is_platform


def can_import(user: User) -> bool:
    return is_incubator(user) or is_platform(user)


def can_import_for(user: User, incubator_id: int) -> bool:
    """Portfolio imports: an incubator's managers for their own incubator, and the platform."""
    if is_platform(user):
        return True
    return is_incubator(user) and user.organisation_id == incubator_id
