"""The authorisation rules as a table: role × ownership × status × visibility."""

from __future__ import annotations

import pytest

from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.rules import can_create_need, can_edit_need, can_view_need
from marketplace.pipeline.rules import startup_side_incubators
from marketplace.startups.rules import (
    can_create_startup,
    can_edit_startup,
    can_view_listing_ids,
    can_view_startup_contact,
)
from tests.factories import (
    INCUBATOR,
    OTHER_UNIT,
    OWN_UNIT,
    a_need,
    bank_staff,
    incubator_manager,
    organiser,
)

pytestmark = pytest.mark.unit

STAFF = bank_staff(OWN_UNIT)
OTHER_STAFF = bank_staff(OTHER_UNIT)
MANAGER = incubator_manager(INCUBATOR)
ORGANISER = organiser()


@pytest.mark.parametrize(
    ("user", "status", "visibility", "invited", "allowed"),
    [
        (MANAGER, NeedStatus.PUBLISHED, NeedVisibility.PUBLIC, False, True),
        (MANAGER, NeedStatus.CLOSED, NeedVisibility.PUBLIC, False, True),
        (MANAGER, NeedStatus.PUBLISHED, NeedVisibility.INVITED, True, True),
        (MANAGER, NeedStatus.PUBLISHED, NeedVisibility.INVITED, False, False),
        (MANAGER, NeedStatus.PUBLISHED, NeedVisibility.INTERNAL, True, False),
        (MANAGER, NeedStatus.DRAFT, NeedVisibility.PUBLIC, False, False),
        (MANAGER, NeedStatus.IN_REVIEW, NeedVisibility.PUBLIC, False, False),
        (MANAGER, NeedStatus.WITHDRAWN, NeedVisibility.PUBLIC, False, False),
        (STAFF, NeedStatus.DRAFT, NeedVisibility.INTERNAL, False, True),
        (OTHER_STAFF, NeedStatus.DRAFT, NeedVisibility.PUBLIC, False, False),
        (OTHER_STAFF, NeedStatus.PUBLISHED, NeedVisibility.INTERNAL, False, True),
        (OTHER_STAFF, NeedStatus.WITHDRAWN, NeedVisibility.PUBLIC, False, False),
        (ORGANISER, NeedStatus.DRAFT, NeedVisibility.INTERNAL, False, True),
    ],
)
def test_can_view_need(user, status, visibility, invited, allowed):
    assert can_view_need(user, a_need(status, visibility), invited=invited) is allowed


@pytest.mark.parametrize(
    ("user", "status", "allowed"),
    [
        (STAFF, NeedStatus.DRAFT, True),
        (STAFF, NeedStatus.PUBLISHED, True),
        (STAFF, NeedStatus.CLOSED, False),
        (STAFF, NeedStatus.WITHDRAWN, False),
        (OTHER_STAFF, NeedStatus.DRAFT, False),
        (MANAGER, NeedStatus.PUBLISHED, False),
        (ORGANISER, NeedStatus.CLOSED, True),
    ],
)
def test_can_edit_need(user, status, allowed):
    assert can_edit_need(user, a_need(status, NeedVisibility.PUBLIC)) is allowed


@pytest.mark.parametrize(
    ("user", "listed_by", "allowed"),
    [
        (MANAGER, {INCUBATOR}, True),
        (MANAGER, {INCUBATOR, 7}, True),
        (MANAGER, {7}, False),
        (STAFF, {INCUBATOR}, False),
        (ORGANISER, {7}, True),
    ],
)
def test_can_edit_startup(user, listed_by, allowed):
    assert can_edit_startup(user, listed_by) is allowed
    assert can_view_startup_contact(user, listed_by, opted_in_units=set()) is allowed


def test_who_may_create():
    assert can_create_need(STAFF) and can_create_need(ORGANISER)
    assert not can_create_need(MANAGER)
    assert can_create_startup(MANAGER) and can_create_startup(ORGANISER)
    assert not can_create_startup(STAFF)


def test_listing_ids_private_to_their_incubator():
    assert can_view_listing_ids(MANAGER, INCUBATOR)
    assert not can_view_listing_ids(MANAGER, 7)
    assert not can_view_listing_ids(STAFF, INCUBATOR)
    assert can_view_listing_ids(ORGANISER, INCUBATOR)


@pytest.mark.parametrize(
    ("nominated_by", "listed_by", "side"),
    [
        (INCUBATOR, {INCUBATOR, 7}, {INCUBATOR}),  # a nomination is the nominating incubator's alone
        (7, {INCUBATOR, 7}, {7}),  # listing the startup does not make another incubator's nomination yours
        (7, set(), {7}),  # the nominator keeps it even if its listing is gone (a merge, a removal)
        (None, {INCUBATOR, 7}, {INCUBATOR, 7}),  # found or invited by the bank: every incubator listing it
        (None, set(), set()),
    ],
)
def test_startup_side_of_a_candidate(nominated_by, listed_by, side):
    assert startup_side_incubators(nominated_by, listed_by) == side
