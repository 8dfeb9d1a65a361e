"""The startup's side: nominations with a pitch deck, invitations answered, confidentiality terms, and
the double opt-in that reveals contact details only once both sides chose each other."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.audit.queries import history_for
from marketplace.core.db import db, unit_of_work
from marketplace.needs.models import Need, NeedTermsAcceptance
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate, PitchDeck
from marketplace.pipeline.queries import candidate_for, candidates_of_incubator
from marketplace.pipeline.services import act_on_match, transition
from marketplace.pipeline.workspace import nomination_choices
from marketplace.startups.models import Listing, Startup
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, need_id, org, user

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOTE = "Live with two city banks; the founders asked us to put them forward."


def _fresh_startup(app, incubator="zhangjiang-incubator", need="education-ecosystem-it") -> int:
    """A startup listed only by this incubator and not yet a candidate of the need."""
    with in_app(app):
        inc = org(incubator).id
        need_key = need_id(app, need)
        for startup_id in db.session.scalars(
            sa.select(Listing.startup_id).where(Listing.incubator_id == inc).order_by(Listing.startup_id)
        ):
            listers = db.session.scalar(sa.select(sa.func.count()).where(Listing.startup_id == startup_id))
            if listers == 1 and candidate_for(need_key, startup_id) is None:
                return startup_id
    raise LookupError(incubator)


def _nominate(client, need, startup, *, note=NOTE, deck=(PDF, "deck.pdf")):
    data = {"startup_id": str(startup), "note": note}
    if deck is not None:
        data["deck"] = (io.BytesIO(deck[0]), deck[1])
    return client.post(f"/needs/{need}/nominate", data=data, content_type="multipart/form-data")


def test_incubator_nominates_with_a_pitch_deck_and_the_bank_hears_of_it(app, client, auth):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    auth.login(ZJ_MANAGER)

    response = _nominate(client, edu, startup)

    assert response.status_code == 302 and "/workspace" in response.headers["Location"]
    with in_app(app):
        candidate = candidate_for(edu, startup)
        assert (candidate.stage, candidate.source) == (CandidateStage.APPLIED, CandidateSource.NOMINATED)
        assert candidate.opted_in_at is not None and candidate.note == NOTE
        deck = db.session.scalar(sa.select(PitchDeck).where(PitchDeck.candidate_id == candidate.id))
        assert (deck.filename, deck.content, deck.size_bytes) == ("deck.pdf", PDF, len(PDF))
        [(event, who)] = history_for("candidate", candidate.id)
        assert (event.action, event.after["stage"], who.email) == ("candidate.create", "applied", ZJ_MANAGER)
        staff = user(BANK_STAFF)
        note = db.session.scalar(
            sa.select(Notification).where(Notification.user_id == staff.id, Notification.kind == "nomination")
        )
        assert note.params["startup"] == db.session.get(Startup, startup).name
        assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == BANK_STAFF))
    workspace = client.get("/workspace").get_data(as_text=True)
    assert f'id="candidate-{candidate.id}"' in workspace and "deck.pdf" in workspace


@pytest.mark.parametrize(
    ("deck", "message"),
    [
        ((b"PK\x03\x04 not a pdf at all", "deck.pdf"), "must be a PDF"),  # the name lies; the content decides
        ((PDF + b"x" * 2048, "deck.pdf"), "larger than"),
    ],
)
def test_a_bad_pitch_deck_is_refused_and_nothing_is_written(app, client, auth, deck, message):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    auth.login(ZJ_MANAGER)
    limit = app.config["PITCH_DECK_MAX_BYTES"]
    app.config["PITCH_DECK_MAX_BYTES"] = 1024
    try:
        response = _nominate(client, edu, startup, deck=deck)
    finally:
        app.config["PITCH_DECK_MAX_BYTES"] = limit

    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert NOTE.split(";")[0] in page  # the note survives the error
    with in_app(app):
        assert candidate_for(edu, startup) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PitchDeck)) == 0


def test_a_nomination_needs_a_note(app, client, auth):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    auth.login(ZJ_MANAGER)

    response = _nominate(client, edu, startup, note="ok", deck=None)

    assert response.status_code == 400 and "Write a note" in response.get_data(as_text=True)


def test_nobody_nominates_a_startup_outside_their_portfolio(app, client, auth):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    auth.login(PNP_MANAGER)
    assert _nominate(client, edu, startup).status_code == 403
    auth.logout()
    auth.login(BANK_STAFF)
    assert client.get(f"/needs/{edu}/nominate").status_code == 403
    with in_app(app):
        assert candidate_for(edu, startup) is None


def test_invitation_accepted_by_the_incubator_reveals_both_sides_contacts(app, client, auth):
    # Healthcare: none of Zhangjiang's startups has chosen it in the seeded world.
    health = need_id(app, "healthcare-ecosystem-it")
    startup = _fresh_startup(app, need="healthcare-ecosystem-it")
    with in_app(app):
        contact = db.session.get(Startup, startup).contact_email
        with unit_of_work():
            candidate = act_on_match(
                actor=user(BANK_STAFF), need_id=health, startup_id=startup, to=CandidateStage.INVITED
            )
        cid, version = candidate.id, candidate.version
        invited = db.session.scalar(
            sa.select(Notification).where(
                Notification.user_id == user(ZJ_MANAGER).id, Notification.kind == "invitation"
            )
        )
        assert invited is not None
    assert contact
    auth.login(BANK_STAFF)
    assert contact not in client.get(f"/startups/{startup}").get_data(as_text=True)  # not yet chosen
    auth.logout()
    auth.login(ZJ_MANAGER)
    assert f'id="invitation-{cid}"' in client.get("/workspace").get_data(as_text=True)
    need_page = client.get(f"/needs/{health}").get_data(as_text=True)
    assert "Shown once one of your startups applies" in need_page

    client.post(f"/candidates/{cid}/answer", data={"answer": "accept", "version": version})

    need_page = client.get(f"/needs/{health}").get_data(as_text=True)
    assert "Shown once one of your startups applies" not in need_page
    auth.logout()
    auth.login(BANK_STAFF)
    assert contact in client.get(f"/startups/{startup}").get_data(as_text=True)
    with in_app(app):
        row = db.session.get(Candidate, cid)
        assert row.stage == CandidateStage.APPLIED and row.opted_in_at is not None
        assert db.session.scalar(
            sa.select(Notification).where(
                Notification.user_id == user(BANK_STAFF).id, Notification.kind == "application"
            )
        )


def test_declining_an_invitation_needs_a_reason_and_withdraws(app, client, auth):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    with in_app(app), unit_of_work():
        cid = act_on_match(actor=user(BANK_STAFF), need_id=edu, startup_id=startup, to=CandidateStage.INVITED).id
    auth.login(ZJ_MANAGER)

    without = client.post(f"/candidates/{cid}/answer", data={"answer": "decline"}, follow_redirects=True)
    with in_app(app):
        assert db.session.get(Candidate, cid).stage == CandidateStage.INVITED
    client.post(f"/candidates/{cid}/answer", data={"answer": "decline", "note": "Focusing on retail"})

    assert "Say why" in without.get_data(as_text=True)
    with in_app(app):
        assert db.session.get(Candidate, cid).stage == CandidateStage.WITHDRAWN


def test_pitch_decks_reach_the_two_sides_only(app, client, auth):
    edu, startup = need_id(app, "education-ecosystem-it"), _fresh_startup(app)
    auth.login(ZJ_MANAGER)
    _nominate(client, edu, startup)
    with in_app(app):
        candidate = candidate_for(edu, startup)
        deck_id = db.session.scalar(sa.select(PitchDeck.id).where(PitchDeck.candidate_id == candidate.id))
    url = f"/candidates/{candidate.id}/decks/{deck_id}"
    own = client.get(url)
    auth.logout()
    seen = {}
    for email in (BANK_STAFF, ORGANISER, PNP_MANAGER, "trade@bank.example.com"):
        auth.login(email)
        seen[email] = client.get(url).status_code
        auth.logout()

    assert own.status_code == 200 and own.data == PDF and own.headers["Content-Type"] == "application/pdf"
    assert seen == {BANK_STAFF: 200, ORGANISER: 200, PNP_MANAGER: 404, "trade@bank.example.com": 404}


def test_confidential_need_shows_a_teaser_until_the_terms_are_accepted(app, client, auth):
    fraud = need_id(app, "medical-insurance-fraud-detection")
    startup = _fresh_startup(app, need="medical-insurance-fraud-detection")
    with in_app(app):
        description = db.session.get(Need, fraud).description
    secret = description.split(".")[0]
    auth.login(ZJ_MANAGER)

    teaser = client.get(f"/needs/{fraud}").get_data(as_text=True)
    refused = _nominate(client, fraud, startup)
    client.post(f"/needs/{fraud}/terms")
    full = client.get(f"/needs/{fraud}").get_data(as_text=True)
    accepted = _nominate(client, fraud, startup)

    assert "Confidential need" in teaser and secret not in teaser
    assert refused.status_code == 302 and f"/needs/{fraud}" in refused.headers["Location"]
    assert secret in full and "Confidential need" not in full
    assert accepted.status_code == 302
    with in_app(app):
        acceptance = db.session.get(NeedTermsAcceptance, (fraud, user(ZJ_MANAGER).organisation_id))
        assert acceptance.user_id == user(ZJ_MANAGER).id and acceptance.accepted_at is not None
        assert "confidential" in acceptance.terms
        assert candidate_for(fraud, startup).stage == CandidateStage.APPLIED


def test_bank_staff_and_organisers_read_confidential_needs_in_full(app, client, auth):
    fraud = need_id(app, "medical-insurance-fraud-detection")
    for email in (ORGANISER, "lab@bank.example.com"):  # not the owning unit, yet the bank's own
        auth.login(email)
        assert "Confidential need" not in client.get(f"/needs/{fraud}").get_data(as_text=True)
        auth.logout()
    auth.login(BANK_STAFF)
    assert client.post(f"/needs/{fraud}/terms", follow_redirects=True).status_code == 403


def test_workspace_is_the_incubators(app, client, auth):

    auth.login(BANK_STAFF)
    assert client.get("/workspace").status_code == 403
    auth.logout()
    auth.login(ZJ_MANAGER)

    page = client.get("/workspace").get_data(as_text=True)

    with in_app(app):
        ours = candidates_of_incubator(org("zhangjiang-incubator").id)
        stages = {str(c.stage.label) for c, _s, _n in ours}
    assert ours and all(c.shared_at is not None for c, _s, _n in ours)
    assert page.count('<tr id="candidate-') == len(ours)
    assert all(stage in page for stage in stages)
    assert "Open needs, best fit for your portfolio first" in page


def test_the_banks_private_shortlist_stays_private_until_it_invites(app, client, auth):
    health = need_id(app, "healthcare-ecosystem-it")
    startup = _fresh_startup(app, need="healthcare-ecosystem-it")
    with in_app(app):
        with unit_of_work():
            cid = act_on_match(
                actor=user(BANK_STAFF), need_id=health, startup_id=startup, to=CandidateStage.SHORTLISTED
            ).id
        name = db.session.get(Startup, startup).name
    auth.login(ZJ_MANAGER)

    hidden = client.get("/workspace").get_data(as_text=True)
    history = client.get(f"/candidates/{cid}").status_code
    withdraw = client.post(f"/candidates/{cid}/move", data={"to": "withdrawn", "note": "probing"})
    auth.logout()
    auth.login(BANK_STAFF)
    client.post(f"/candidates/{cid}/move", data={"to": "invited"})
    auth.logout()
    auth.login(ZJ_MANAGER)
    shown = client.get("/workspace").get_data(as_text=True)

    assert f'id="candidate-{cid}"' not in hidden and history == 404 and withdraw.status_code == 404
    assert f'id="invitation-{cid}"' in shown and name in shown


@pytest.mark.parametrize("stage", [CandidateStage.SHORTLISTED, CandidateStage.DECLINED])
def test_nominating_never_reveals_the_banks_private_decision(app, client, auth, stage):
    """Security review, finding 7: the refusal once named the private stage ("… (Declined)")."""

    health = need_id(app, "healthcare-ecosystem-it")
    startup = _fresh_startup(app, need="healthcare-ecosystem-it")
    with in_app(app), unit_of_work():
        candidate = act_on_match(
            actor=user(BANK_STAFF), need_id=health, startup_id=startup, to=CandidateStage.SHORTLISTED
        )
        if stage == CandidateStage.DECLINED:
            transition(candidate=candidate, to=stage, actor=user(BANK_STAFF), note="not now")
    auth.login(ZJ_MANAGER)

    response = _nominate(client, health, startup, deck=None)
    page = (
        client.get(response.headers.get("Location", f"/needs/{health}")).get_data(as_text=True)
        if response.status_code == 302
        else response.get_data(as_text=True)
    )

    assert "cannot be nominated for this need" in page
    assert f"(“{stage.value.capitalize()}”)" not in page and "already in the need" not in page
    with in_app(app):
        assert candidate_for(health, startup).stage == stage


def test_the_banks_notes_from_before_sharing_stay_out_of_the_candidates_history(app, client, auth):
    """Security review, finding 8: the history showed the incubator what the bank did and wrote before it
    invited the startup."""
    health = need_id(app, "healthcare-ecosystem-it")
    startup = _fresh_startup(app, need="healthcare-ecosystem-it")
    with in_app(app), unit_of_work():
        cid = act_on_match(
            actor=user(BANK_STAFF),
            need_id=health,
            startup_id=startup,
            to=CandidateStage.SHORTLISTED,
            note="Private: the team looks thin",
        ).id
    auth.login(BANK_STAFF)
    client.post(f"/candidates/{cid}/move", data={"to": "invited", "note": "Come and pitch"})
    bank_view = client.get(f"/candidates/{cid}").get_data(as_text=True)
    auth.logout()
    auth.login(ZJ_MANAGER)

    incubator_view = client.get(f"/candidates/{cid}").get_data(as_text=True)

    assert "the team looks thin" in bank_view and "Come and pitch" in bank_view
    assert "the team looks thin" not in incubator_view and "Come and pitch" in incubator_view


def test_the_nominate_list_offers_the_portfolio_by_fit_with_the_fit_shown(app, client, auth):
    """The startups were in no useful order."""

    edu = need_id(app, "education-ecosystem-it")
    with in_app(app):
        choices = nomination_choices(user(ZJ_MANAGER), db.session.get(Need, edu))
    auth.login(ZJ_MANAGER)

    page = client.get(f"/needs/{edu}/nominate").get_data(as_text=True)

    fits = [fit.score for _s, fit in choices if fit is not None]
    shown = [int(n) for n in re.findall(r"· fit (\d+)/100</option>", page)]
    assert fits and fits == sorted(fits, reverse=True)
    assert shown == fits
    assert "How is fit measured?" in page
