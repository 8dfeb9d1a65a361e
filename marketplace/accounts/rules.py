"""Who someone is on the platform: the role predicates every other rule is written with.

A role comparison appears only in a domain's ``rules.py`` (``tests/unit/test_rules_placement.py``); the rest
of the code asks these predicates, or the domain rule built on them. Templates ask ``is_platform``,
``is_bank`` and ``is_incubator`` too (``web.ui`` hands them over).
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import User
from marketplace.core.errors import PermissionDenied

# The platform's own people: they see and may do everything.
PLATFORM_ROLES = frozenset({UserRole.ORGANISER, UserRole.ADMIN})


def is_platform(user: User) -> bool:
    return user.role in PLATFORM_ROLES


def is_bank(user: User) -> bool:
    """Staff of a bank unit."""
    return user.role == UserRole.BANK_STAFF


def is_incubator(user: User) -> bool:
    """A manager of an incubator: the startups' side."""
    return user.role == UserRole.INCUBATOR_MANAGER


def require_platform(user: User) -> None:
    """Raises PermissionDenied (403) unless ``user`` is an organiser or an admin."""
    if not is_platform(user):
        raise PermissionDenied()


def bank_staff_clause() -> sa.ColumnElement[bool]:
    """``is_bank`` as a WHERE clause over ``User``."""
    return User.role == UserRole.BANK_STAFF


def incubator_managers_clause() -> sa.ColumnElement[bool]:
    """``is_incubator`` as a WHERE clause over ``User``."""
    return User.role == UserRole.INCUBATOR_MANAGER


def organisers_clause() -> sa.ColumnElement[bool]:
    """Organisers (not admins): who reviews needs."""
    return User.role == UserRole.ORGANISER
