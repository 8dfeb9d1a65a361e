"""Two people move the same candidate at the same moment, on real PostgreSQL with two connections:
one move wins, the other gets StaleCandidate, and the audit trail holds exactly the winning move."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.audit.queries import history_for
from marketplace.core.db import db, unit_of_work
from marketplace.ops.seeding import load_world
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate, NeedVisit, Vote
from marketplace.pipeline.services import StaleCandidate, add_candidate, record_visit, toggle_vote, transition
from marketplace.schema.migrate import upgrade_database
from tests.conftest import BANK_STAFF, ORGANISER, fresh_postgres_database
from tests.helpers import need_id, startup_listed_by, user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def race_app(tmp_path_factory):
    """The seed's world committed on its own PostgreSQL database (no index: no ranking is needed)."""
    app = create_app(
        {
            "DATABASE_URL": fresh_postgres_database("innomatch_test_race"),
            "TESTING": True,
            "REDIS_URL": None,
            "INDEX_DIR": str(tmp_path_factory.mktemp("race-index")),
        }
    )
    with app.app_context():
        upgrade_database(db.engine)
        with unit_of_work():
            load_world()
    yield app
    app.extensions["innomatch.db"].engine.dispose()


def _committed_candidate(app) -> int:
    with app.app_context():
        with unit_of_work():
            candidate = add_candidate(
                need_id=need_id(app, "healthcare-ecosystem-it"),
                startup_id=startup_listed_by(app, "xnode"),
                source=CandidateSource.MATCHED,
                actor_id=user(BANK_STAFF).id,
            )
        return candidate.id


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_moves_one_wins_the_other_is_told_nothing_lost(race_app, attempt):
    candidate_id = _committed_candidate(race_app)
    both_read = threading.Barrier(2, timeout=30)
    outcome: dict[str, object] = {}

    def move(email: str, to: CandidateStage, note: str) -> None:
        with race_app.app_context():
            try:
                candidate = db.session.get(Candidate, candidate_id)  # both see version 1
                both_read.wait()
                with unit_of_work():
                    transition(candidate=candidate, to=to, actor=user(email), note=note)
                    time.sleep(0.3)  # hold the row while the other move is under way
                outcome[email] = to
            except StaleCandidate as exc:
                outcome[email] = exc
            finally:
                race_app.extensions["innomatch.db"].session.remove()

    threads = [
        threading.Thread(target=move, args=(BANK_STAFF, CandidateStage.SHORTLISTED, "")),
        threading.Thread(target=move, args=(ORGANISER, CandidateStage.DECLINED, "Out of scope")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = {email: to for email, to in outcome.items() if isinstance(to, CandidateStage)}
    losers = [exc for exc in outcome.values() if isinstance(exc, StaleCandidate)]
    assert len(winners) == 1 and len(losers) == 1, outcome
    [(winner, stage)] = winners.items()
    with race_app.app_context():
        assert str(stage.label) in str(losers[0])  # the loser is told where the candidate went
        row = db.session.get(Candidate, candidate_id)
        assert (row.stage, row.version) == (stage, 2)
        moves = [
            (e.after["stage"], who.email)
            for e, who in history_for("candidate", candidate_id)
            if e.action == "candidate.stage"
        ]
        assert moves == [(stage.value, winner)]
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(Candidate).where(Candidate.id == candidate_id))
            == 1
        )
        with unit_of_work():  # the next attempt starts from a fresh candidate of the same pair
            db.session.execute(sa.delete(Candidate).where(Candidate.id == candidate_id))


def _at_once(app, work, count: int = 4) -> list:
    """Runs ``work()`` in ``count`` threads, each with its own connection, all starting together and holding their
    transaction open a moment (as overlapping requests do); returns what each returned or raised."""
    start = threading.Barrier(count, timeout=30)
    results: list = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait()
                with unit_of_work():
                    result = work()
                    time.sleep(0.3)
                results.append(result)
            except Exception as exc:  # noqa: BLE001 - the test reports it
                results.append(exc)
            finally:
                app.extensions["innomatch.db"].session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_double_clicked_vote_counts_once_and_never_fails(race_app):

    need, startup = need_id(race_app, "healthcare-ecosystem-it"), startup_listed_by(race_app, "xnode")
    with race_app.app_context():
        staff = user(BANK_STAFF)

    results = _at_once(race_app, lambda: toggle_vote(actor=staff, need_id=need, startup_id=startup))

    assert results == [True] * 4, results
    with race_app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Vote)
                .where(Vote.need_id == need, Vote.startup_id == startup, Vote.user_id == staff.id)
            )
            == 1
        )


def test_two_tabs_opening_a_need_for_the_first_time_both_work(race_app):

    need = need_id(race_app, "iot-collateral-monitoring")
    with race_app.app_context():
        organiser = user(ORGANISER)

    results = _at_once(race_app, lambda: record_visit(actor=organiser, need_id=need))

    assert results == [None] * 4, results
    with race_app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(NeedVisit)
                .where(NeedVisit.user_id == organiser.id, NeedVisit.need_id == need)
            )
            == 1
        )
