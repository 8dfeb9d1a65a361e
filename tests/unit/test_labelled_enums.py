"""LabelledEnum: a member stores its value and reads as its label; every labelled enum keeps one label a member."""

from __future__ import annotations

import pickle

import pytest

from marketplace.accounts.enums import DigestPreference, OrganisationKind, UserRole
from marketplace.core.enums import LabelledEnum
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.events.enums import EventStatus
from marketplace.needs.enums import NeedStatus, NeedVisibility, PilotHorizon
from marketplace.pipeline.enums import CandidateSource, CandidateStage

pytestmark = pytest.mark.unit

LABELLED = [
    DigestPreference,
    OrganisationKind,
    UserRole,
    Sector,
    StartupStage,
    EventStatus,
    NeedStatus,
    NeedVisibility,
    PilotHorizon,
    CandidateSource,
    CandidateStage,
]


@pytest.mark.parametrize("enum", LABELLED, ids=lambda e: e.__name__)
def test_members_store_their_value_and_read_as_their_label(enum, babel_ctx):
    assert issubclass(enum, LabelledEnum)
    for member in enum:
        assert enum(member.value) is member
        assert str(member) == member.value
        assert isinstance(member.value, str)
        assert str(member.label).strip()
        assert pickle.loads(pickle.dumps(member)) is member


def test_labels_are_lazy_and_known_words(babel_ctx):
    assert str(NeedStatus.DRAFT.label) == "Draft"
    assert str(CandidateStage.SELECTED.label) == "Selected for pilot"
    assert str(CandidateStage.SELECTED.action) == "Select for pilot"
