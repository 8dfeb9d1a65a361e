"""Who sees rankings: bank staff of any unit and the platform every startup; an incubator only its own
portfolio (``only_own_portfolio``). A confidential need is ranked only for those who may read it
(``needs.rules.readable_needs_clause``)."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.needs.models import Need


def can_see_matches(user: User, need: Need) -> bool:
    """Bank staff of any unit, organisers and incubators (their own portfolio) see rankings."""
    return is_platform(user) or is_bank(user) or is_incubator(user)


def only_own_portfolio(user: User) -> bool:
    """An incubator's rankings hold only the startups it lists."""
    return is_incubator(user)
