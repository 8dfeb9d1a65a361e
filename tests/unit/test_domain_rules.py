"""Rules across domains on unsaved objects (tests/factories.py): who on the startup's side sees a candidate,
who judges a need, who reads a confidential need in full. No database, no seed."""

from __future__ import annotations

import pytest

from marketplace.events.rules import may_judge
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.rules import can_read_full_need, incubator_sees_need
from marketplace.pipeline.rules import startup_side_sees_candidate
from tests.factories import (
    INCUBATOR,
    OTHER_INCUBATOR,
    OTHER_UNIT,
    a_need,
    bank_staff,
    incubator_manager,
    organiser,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("visibility", "status", "invited", "sees"),
    [
        (NeedVisibility.PUBLIC, NeedStatus.PUBLISHED, False, True),
        (NeedVisibility.INVITED, NeedStatus.PUBLISHED, True, True),
        (NeedVisibility.INVITED, NeedStatus.PUBLISHED, False, False),
        (NeedVisibility.INTERNAL, NeedStatus.PUBLISHED, True, False),  # internal: never, invited or not
        (NeedVisibility.PUBLIC, NeedStatus.DRAFT, False, False),
    ],
)
def test_incubators_see_a_need_by_its_visibility_and_status(visibility, status, invited, sees):
    assert incubator_sees_need(a_need(status, visibility), invited=invited) is sees


@pytest.mark.parametrize(
    ("incubator", "nominated_by", "listed_by", "shared", "visibility", "sees"),
    [
        (INCUBATOR, INCUBATOR, {INCUBATOR}, True, NeedVisibility.PUBLIC, True),
        (INCUBATOR, None, {INCUBATOR, OTHER_INCUBATOR}, True, NeedVisibility.PUBLIC, True),  # found by the bank
        (INCUBATOR, OTHER_INCUBATOR, {INCUBATOR, OTHER_INCUBATOR}, True, NeedVisibility.PUBLIC, False),
        (INCUBATOR, INCUBATOR, {INCUBATOR}, False, NeedVisibility.PUBLIC, False),  # the bank's consideration
        (INCUBATOR, INCUBATOR, {INCUBATOR}, True, NeedVisibility.INTERNAL, False),  # never on an internal need
    ],
)
def test_the_startup_side_sees_a_candidate_only_when_shared_on_its_side_and_need(
    incubator, nominated_by, listed_by, shared, visibility, sees
):
    need = a_need(visibility=visibility)

    seen = startup_side_sees_candidate(
        incubator, nominated_by_id=nominated_by, listed_by=listed_by, shared=shared, need=need, invited=True
    )

    assert seen is sees


def test_a_needs_panel_is_its_units_active_staff():
    need = a_need()

    assert may_judge(bank_staff(), need)
    assert not may_judge(bank_staff(active=False), need)
    assert not may_judge(bank_staff(OTHER_UNIT), need)
    assert not may_judge(incubator_manager(), need)


def test_a_confidential_need_is_read_in_full_by_incubators_only_after_its_terms():
    need = a_need(confidential=True, confidentiality_terms="Keep it to yourselves.")

    assert not can_read_full_need(incubator_manager(), need, accepted_terms=False)
    assert can_read_full_need(incubator_manager(), need, accepted_terms=True)
    assert can_read_full_need(bank_staff(OTHER_UNIT), need, accepted_terms=False)
    assert can_read_full_need(organiser(), need, accepted_terms=False)
