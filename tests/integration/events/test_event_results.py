"""An event's results: unscored pitches apart and never selected, each criterion's mean,
the judges' comments, and the export, for the panel's bank unit and the platform only."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidTransition
from marketplace.events.models import Pitch
from marketplace.events.scoring import mark_winner
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Startup
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import in_app, need_id, user
from tests.integration.events.test_events import _scheduled_event

pytestmark = pytest.mark.integration

MARKS = {"fit": "5", "value": "4", "team": "3", "feasibility": "4"}
COMMENT = '=HYPERLINK("http://evil") strong demo'


def _education_pitches(app, event_id: int) -> list[int]:
    edu = need_id(app, "education-ecosystem-it")
    return list(
        db.session.scalars(
            sa.select(Pitch.id)
            .join(Candidate, Candidate.id == Pitch.candidate_id)
            .where(Pitch.event_id == event_id, Candidate.need_id == edu, Pitch.cancelled.is_(False))
            .order_by(Pitch.id)
        )
    )


def _scored_event(app, client, auth) -> tuple[int, int, int]:
    """A scheduled event where the education panel scored its first pitch only."""
    event_id = _scheduled_event(app)
    with in_app(app):
        scored, unscored, *_rest = _education_pitches(app, event_id)
    auth.login(BANK_STAFF)
    assert (
        client.post(f"/events/{event_id}/pitches/{scored}/score", data={**MARKS, "comment": COMMENT}).status_code == 302
    )
    auth.logout()
    return event_id, scored, unscored


def test_an_unscored_pitch_is_refused_for_a_pilot_with_a_reason(app):

    event_id = _scheduled_event(app)
    with in_app(app):
        pitch = db.session.get(Pitch, _education_pitches(app, event_id)[0])
        with pytest.raises(InvalidTransition, match="No judge has scored this pitch yet"), unit_of_work():
            mark_winner(actor=user(ORGANISER), pitch=pitch)
        assert db.session.get(Candidate, pitch.candidate_id).stage == CandidateStage.ROADSHOW


def test_results_rank_the_scored_apart_from_the_unscored_with_marks_and_comments(app, client, auth):
    event_id, scored, unscored = _scored_event(app, client, auth)
    auth.login(ORGANISER)

    page = client.get(f"/events/{event_id}/results").get_data(as_text=True)
    refused = client.post(f"/events/{event_id}/pitches/{unscored}/winner", follow_redirects=True)

    ranked, _sep, apart = page.partition("Not scored yet")
    assert f'id="result-{scored}"><td>1</td>' in ranked
    assert f'id="result-{unscored}"' in apart and f'id="result-{unscored}"' not in ranked
    assert f"/pitches/{unscored}/winner" not in page and f"/pitches/{scored}/winner" in page
    assert '<td class="num">5.0</td><td class="num">4.0</td><td class="num">3.0</td><td class="num">4.0</td>' in ranked
    assert "=HYPERLINK(&#34;http://evil&#34;) strong demo" in ranked
    assert "No judge has scored this pitch yet" in refused.get_data(as_text=True)
    with in_app(app):
        candidate = db.session.get(Candidate, db.session.get(Pitch, unscored).candidate_id)
        assert candidate.stage == CandidateStage.ROADSHOW


def test_the_results_export_holds_ranks_marks_and_neutralised_comments(app, client, auth):

    event_id, scored, unscored = _scored_event(app, client, auth)
    with in_app(app), unit_of_work():  # a startup named like a formula
        pitch = db.session.get(Pitch, scored)
        startup_id = db.session.get(Candidate, pitch.candidate_id).startup_id
        db.session.get(Startup, startup_id).name = "=SUM(A1:A9)"
    auth.login(BANK_STAFF)

    as_csv = client.get(f"/events/{event_id}/results.csv")
    as_xlsx = client.get(f"/events/{event_id}/results.xlsx")

    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    text = as_csv.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, first, *rest = list(csv.reader(io.StringIO(text[1:])))
    assert header == [
        "Need",
        "Startup",
        "Rank",
        "Score",
        "Spread",
        "Judges",
        "Technical fit",
        "Business value",
        "Team",
        "Feasibility",
        "Stage",
        "Judges' comments",
    ]
    assert first[2:10] == ["1", "4.1", "0.0", "1", "5.0", "4.0", "3.0", "4.0"]
    assert first[1] == "'=SUM(A1:A9)" and first[11].endswith(": " + COMMENT)
    assert rest and all(row[2] == "" and row[5] == "0" for row in rest if row[0] == first[0])
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == header
    assert values[1][1] == "'=SUM(A1:A9)" and values[1][2:10] == [1, 4.1, 0.0, 1, 5.0, 4.0, 3.0, 4.0]
    assert values[1][11].endswith(": " + COMMENT)


def test_the_results_export_is_refused_to_incubators(app, client, auth):
    event_id = _scheduled_event(app)
    auth.login(ZJ_MANAGER)

    # Zhangjiang has no pitch at this event, so the event itself is hidden from it (404, not 403).
    assert client.get(f"/events/{event_id}/results.csv").status_code == 404
    assert client.get(f"/events/{event_id}/results.xlsx").status_code == 404
