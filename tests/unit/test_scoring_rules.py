import pytest

from marketplace.events.models import default_rubric
from marketplace.events.scoring import weighted

pytestmark = pytest.mark.unit


def test_weighted_marks_stay_on_the_one_to_five_scale():
    rubric = default_rubric()

    assert weighted(rubric, {"fit": 5, "value": 5, "team": 5, "feasibility": 5}) == 5
    assert weighted(rubric, {"fit": 5, "value": 1, "team": 3, "feasibility": 3}) == pytest.approx(3.0)
    assert weighted(rubric, {"fit": 4, "value": 4, "team": 1, "feasibility": 1}) == pytest.approx(2.8)
