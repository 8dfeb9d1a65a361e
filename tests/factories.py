"""Unsaved model objects for testing rules without a database or the seed's world.

Each builder fills what the rules read and takes the rest as keywords; ids are small integers so a test names
who owns what (a unit is organisation 1, another unit 2, an incubator 3, the platform 9).
"""

from __future__ import annotations

from typing import Any

from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import User
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.models import Need

OWN_UNIT, OTHER_UNIT, INCUBATOR, OTHER_INCUBATOR, PLATFORM = 1, 2, 3, 4, 9


def a_user(role: UserRole, organisation_id: int = OWN_UNIT, **fields: Any) -> User:
    """A signed-up person of ``role`` in ``organisation_id`` (active unless told otherwise)."""
    values: dict[str, Any] = {
        "id": 1,
        "email": "someone@example.com",
        "name": "Someone",
        "role": role,
        "organisation_id": organisation_id,
        "password_hash": "-",
        "active": True,
    }
    return User(**(values | fields))


def a_need(
    status: NeedStatus = NeedStatus.PUBLISHED,
    visibility: NeedVisibility = NeedVisibility.PUBLIC,
    owner_id: int = OWN_UNIT,
    **fields: Any,
) -> Need:
    """A need of the unit ``owner_id``, published and public unless told otherwise."""
    values: dict[str, Any] = {
        "id": 1,
        "slug": "a-need",
        "title": "A need",
        "summary": "A summary",
        "status": status,
        "visibility": visibility,
        "owner_id": owner_id,
    }
    return Need(**(values | fields))


def bank_staff(organisation_id: int = OWN_UNIT, **fields: Any) -> User:
    return a_user(UserRole.BANK_STAFF, organisation_id, **fields)


def incubator_manager(organisation_id: int = INCUBATOR, **fields: Any) -> User:
    return a_user(UserRole.INCUBATOR_MANAGER, organisation_id, **fields)


def organiser(**fields: Any) -> User:
    return a_user(UserRole.ORGANISER, PLATFORM, **fields)
