"""Candidates move through one function: rules, overrides with a reason, audit, no lost update."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.audit.queries import history_for
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.queries import vote_counts
from marketplace.pipeline.rules import sides
from marketplace.pipeline.services import StaleCandidate, add_candidate, transition
from marketplace.startups.models import Startup
from marketplace.startups.services import create_startup, merge_startups
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, need_id, startup_listed_by, user

pytestmark = pytest.mark.integration


@pytest.fixture
def candidate(ctx, app):
    return add_candidate(
        need_id=need_id(app, "education-ecosystem-it"),
        startup_id=startup_listed_by(app, "zhangjiang-incubator"),
        source=CandidateSource.MATCHED,
        actor_id=user(BANK_STAFF).id,
    )


def _opt_in(candidate):
    """The bank invites, the startup's incubator accepts: both sides have chosen each other."""
    transition(candidate=candidate, to=CandidateStage.INVITED, actor=user(BANK_STAFF))
    transition(candidate=candidate, to=CandidateStage.APPLIED, actor=user(ZJ_MANAGER))


def test_regular_moves_and_history(candidate):
    staff = user(BANK_STAFF)
    with unit_of_work():
        transition(candidate=candidate, to=CandidateStage.INVITED, actor=staff)
    with unit_of_work():
        transition(candidate=candidate, to=CandidateStage.APPLIED, actor=user(ZJ_MANAGER))
    with unit_of_work():
        transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=staff)
    with unit_of_work():
        transition(candidate=candidate, to=CandidateStage.ROADSHOW, actor=staff, note="Pitch on day one")

    steps = [
        (e.action, (e.before or {}).get("stage"), e.after["stage"], who.email)
        for e, who in history_for("candidate", candidate.id)
    ]
    assert steps == [
        ("candidate.create", None, "suggested", BANK_STAFF),
        ("candidate.stage", "suggested", "invited", BANK_STAFF),
        ("candidate.stage", "invited", "applied", ZJ_MANAGER),
        ("candidate.stage", "applied", "shortlisted", BANK_STAFF),
        ("candidate.stage", "shortlisted", "roadshow", BANK_STAFF),
    ]
    assert candidate.version == 5
    assert candidate.opted_in_at is not None


def test_no_roadshow_before_the_startup_chose_the_need(candidate):
    transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(BANK_STAFF))

    with pytest.raises(InvalidTransition, match="invite it first"):
        transition(candidate=candidate, to=CandidateStage.ROADSHOW, actor=user(BANK_STAFF))
    transition(candidate=candidate, to=CandidateStage.INVITED, actor=user(BANK_STAFF))  # asked now

    assert candidate.stage == CandidateStage.INVITED and candidate.opted_in_at is None


def test_no_pilot_without_roadshow_unless_an_organiser_overrides_with_a_reason(candidate):
    _opt_in(candidate)
    transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(BANK_STAFF))

    with pytest.raises(InvalidTransition):
        transition(candidate=candidate, to=CandidateStage.IN_PILOT, actor=user(BANK_STAFF), note="urgent")
    with pytest.raises(InvalidInput):
        transition(candidate=candidate, to=CandidateStage.IN_PILOT, actor=user(ORGANISER))
    transition(candidate=candidate, to=CandidateStage.IN_PILOT, actor=user(ORGANISER), note="Board fast-tracked it")

    assert candidate.stage == CandidateStage.IN_PILOT


def test_declining_needs_a_reason(candidate):
    with pytest.raises(InvalidInput):
        transition(candidate=candidate, to=CandidateStage.DECLINED, actor=user(BANK_STAFF))


def test_only_the_startup_side_accepts_and_only_the_bank_shortlists(candidate):
    transition(candidate=candidate, to=CandidateStage.INVITED, actor=user(BANK_STAFF))

    with pytest.raises(InvalidTransition):
        transition(candidate=candidate, to=CandidateStage.APPLIED, actor=user(BANK_STAFF))  # no faked application
    transition(candidate=candidate, to=CandidateStage.APPLIED, actor=user(ZJ_MANAGER))
    with pytest.raises(InvalidTransition):
        transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(ZJ_MANAGER))
    with pytest.raises(InvalidInput):
        transition(candidate=candidate, to=CandidateStage.WITHDRAWN, actor=user(ZJ_MANAGER))  # say why
    transition(candidate=candidate, to=CandidateStage.WITHDRAWN, actor=user(ZJ_MANAGER), note="Funding round")

    assert candidate.stage == CandidateStage.WITHDRAWN


def test_other_incubators_and_other_units_cannot_move_candidates(candidate):
    with pytest.raises(PermissionDenied):
        transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(PNP_MANAGER))
    with pytest.raises(PermissionDenied):
        transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user("trade@bank.example.com"))


def test_two_people_moving_the_same_candidate_one_wins_nothing_lost(candidate):
    seen = candidate.version  # both read version 1
    with unit_of_work():
        transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(BANK_STAFF), expected_version=seen)

    with pytest.raises(StaleCandidate, match="Shortlisted"), unit_of_work():
        transition(candidate=candidate, to=CandidateStage.INVITED, actor=user(ORGANISER), expected_version=seen)

    db.session.expire_all()
    row = db.session.scalar(sa.select(Candidate).where(Candidate.id == candidate.id))
    assert (row.stage, row.version) == (CandidateStage.SHORTLISTED, 2)
    assert [e.action for e, _ in history_for("candidate", candidate.id)] == ["candidate.create", "candidate.stage"]


def test_shortlist_from_the_ranking_then_move_on_the_board(app, client, auth):
    edu = need_id(app, "education-ecosystem-it")
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(BANK_STAFF)

    client.post(f"/needs/{edu}/candidates", data={"startup_id": startup, "to": "shortlisted"})
    page = client.get(f"/needs/{edu}").get_data(as_text=True)
    with app.app_context():
        candidate = db.session.scalar(
            sa.select(Candidate).where(Candidate.need_id == edu, Candidate.startup_id == startup)
        )
        cid, version = candidate.id, candidate.version
    moved = client.post(
        f"/candidates/{cid}/move", data={"to": "invited", "version": version}, follow_redirects=True
    ).get_data(as_text=True)
    stale = client.post(
        f"/candidates/{cid}/move", data={"to": "declined", "note": "n/a", "version": version}, follow_redirects=True
    ).get_data(as_text=True)

    assert 'id="pipeline"' in page and "Shortlisted" in page
    assert "Pipeline updated." in moved
    assert "Someone else moved this candidate" in stale
    with app.app_context():
        assert db.session.get(Candidate, cid).stage == CandidateStage.INVITED


def _ranked_card(page: str, startup: int) -> str:
    """The ranked list's card of one startup (its act form names the startup)."""
    cards = re.findall(r'<li class="ranked">.*?</li>', page, flags=re.S)
    return next(card for card in cards if f'name="startup_id" value="{startup}"' in card)


def _card_moves(card: str) -> list[str]:
    return re.findall(r'<button type="submit" name="to" value="(\w+)"', card)


def test_ranked_card_after_invite_offers_only_allowed_moves(app, client, auth):
    """An invited startup's card no longer offers Shortlist and Invite."""
    edu = need_id(app, "education-ecosystem-it")
    auth.login(BANK_STAFF)
    before = client.get(f"/needs/{edu}").get_data(as_text=True)
    startup = int(re.search(r'<li class="ranked">.*?name="startup_id" value="(\d+)"', before, flags=re.S).group(1))

    client.post(f"/needs/{edu}/candidates", data={"startup_id": startup, "to": "invited"})
    after = client.get(f"/needs/{edu}").get_data(as_text=True)

    assert _card_moves(_ranked_card(before, startup)) == ["invited", "shortlisted", "declined"]
    card = _ranked_card(after, startup)
    assert _card_moves(card) == ["declined"]
    assert "Invited" in card and "Shortlist</button>" not in card


def test_ranked_card_of_a_shortlisted_startup_offers_the_invitation_in_plain_words(app, client, auth):
    edu = need_id(app, "education-ecosystem-it")
    auth.login(BANK_STAFF)
    before = client.get(f"/needs/{edu}").get_data(as_text=True)
    startup = int(re.search(r'<li class="ranked">.*?name="startup_id" value="(\d+)"', before, flags=re.S).group(1))

    client.post(f"/needs/{edu}/candidates", data={"startup_id": startup, "to": "shortlisted"})
    card = _ranked_card(client.get(f"/needs/{edu}").get_data(as_text=True), startup)

    assert _card_moves(card) == ["invited", "declined"]
    assert ">Invite to apply</button>" in card and "→" not in card


def test_incubator_sees_no_board_and_cannot_move(app, client, auth):
    edu = need_id(app, "education-ecosystem-it")
    auth.login(ZJ_MANAGER)

    page = client.get(f"/needs/{edu}").get_data(as_text=True)
    response = client.post(
        f"/needs/{edu}/candidates",
        data={"startup_id": startup_listed_by(app, "zhangjiang-incubator"), "to": "shortlisted"},
    )

    assert 'id="pipeline"' not in page
    assert response.status_code == 403


def test_one_vote_per_person_startup_and_need(app, client, auth):

    edu = need_id(app, "education-ecosystem-it")
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(BANK_STAFF)
    client.post(f"/needs/{edu}/votes", data={"startup_id": startup})
    auth.logout()
    auth.login("trade@bank.example.com")
    client.post(f"/needs/{edu}/votes", data={"startup_id": startup})
    with app.app_context():
        assert vote_counts(edu) == {startup: 2}

    client.post(f"/needs/{edu}/votes", data={"startup_id": startup})  # the same person again: takes it back

    with app.app_context():
        assert vote_counts(edu) == {startup: 1}


def test_incubators_cannot_vote(app, client, auth):
    auth.login(ZJ_MANAGER)

    response = client.post(
        f"/needs/{need_id(app, 'education-ecosystem-it')}/votes",
        data={"startup_id": startup_listed_by(app, "zhangjiang-incubator")},
    )

    assert response.status_code == 403


def test_startups_arriving_after_a_visit_are_marked_new(app, client, auth):

    edu = need_id(app, "education-ecosystem-it")
    auth.login(BANK_STAFF)
    first = client.get(f"/needs/{edu}").get_data(as_text=True)
    with app.app_context(), unit_of_work():
        create_startup(
            actor=user(ZJ_MANAGER),
            data={
                "name": "Tuition Ledger",
                "sectors": ["education"],
                "tags": "campus payments, lms, tuition",
                "description": "Fee collection, campus cards and reimbursements for universities and training "
                "institutions, connected to the bank's payment and account services.",
            },
        )

    second = client.get(f"/needs/{edu}").get_data(as_text=True)
    third = client.get(f"/needs/{edu}").get_data(as_text=True)

    assert "New since your last visit" not in first
    assert "Tuition Ledger" in second and second.count("New since your last visit") == 1
    assert "New since your last visit" not in third


def test_a_candidates_whole_history_reads_from_the_audit_trail_even_across_a_merge(app, client, auth):

    with in_app(app):
        edu = need_id(app, "education-ecosystem-it")
        startup = startup_listed_by(app, "zhangjiang-incubator")
        with unit_of_work():
            candidate = add_candidate(
                need_id=edu, startup_id=startup, source=CandidateSource.MATCHED, actor_id=user(BANK_STAFF).id
            )
            _opt_in(candidate)
            transition(candidate=candidate, to=CandidateStage.SHORTLISTED, actor=user(BANK_STAFF))
            twin = create_startup(actor=user(ZJ_MANAGER), data={"name": "Twin profile", "sectors": ["education"]})
            merge_startups(actor=user(ORGANISER), keep=twin, drop=db.session.get(Startup, startup))
        cid = candidate.id
        trail = [(e.action, who.email) for e, who in history_for("candidate", cid)]
    auth.login(BANK_STAFF)

    page = client.get(f"/candidates/{cid}").get_data(as_text=True)

    assert trail == [
        ("candidate.create", BANK_STAFF),
        ("candidate.stage", BANK_STAFF),
        ("candidate.stage", ZJ_MANAGER),
        ("candidate.stage", BANK_STAFF),
        ("candidate.merge", ORGANISER),
    ]
    assert "Twin profile" in page and "entered the pipeline" in page and "were merged" in page
    assert page.count("→") >= 3


def test_candidate_history_is_for_the_two_sides_only(app, client, auth):

    with in_app(app):
        owner_need = need_id(app, "education-ecosystem-it")  # large-corporate's, not trade's
        cid = next(
            c.id
            for c in db.session.scalars(
                sa.select(Candidate).where(Candidate.need_id == owner_need).order_by(Candidate.id)
            )
            if not sides(user(PNP_MANAGER), c)
        )
    seen = {}
    for email in (BANK_STAFF, ORGANISER, "trade@bank.example.com", PNP_MANAGER):
        auth.login(email)
        seen[email] = client.get(f"/candidates/{cid}").status_code
        auth.logout()

    assert seen == {BANK_STAFF: 200, ORGANISER: 200, "trade@bank.example.com": 404, PNP_MANAGER: 404}
