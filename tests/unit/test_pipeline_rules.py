import pytest

from marketplace.workflow import pipeline
from marketplace.workflow.enums import CandidateStage as C

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("frm", "to", "regular", "override"),
    [
        (C.SUGGESTED, C.INVITED, True, False),
        (C.SUGGESTED, C.SHORTLISTED, True, False),
        (C.SHORTLISTED, C.ROADSHOW, True, False),
        (C.SHORTLISTED, C.IN_PILOT, False, True),  # no pilot without a roadshow decision, unless overridden
        (C.ROADSHOW, C.SHORTLISTED, False, False),  # never backwards
        (C.APPLIED, C.DECLINED, True, False),
        (C.DECLINED, C.SHORTLISTED, False, False),  # closed stays closed
        (C.PRODUCTISED, C.WITHDRAWN, False, False),
    ],
)
def test_pipeline_moves(frm, to, regular, override):
    assert pipeline.is_regular(frm, to) is regular
    assert pipeline.is_override(frm, to) is override
