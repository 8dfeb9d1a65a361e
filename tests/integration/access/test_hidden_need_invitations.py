"""Invitations to needs incubators may not see (security review, finding 11): refused when the bank tries,
and an invitation made before the rule (a row on an internal need, shared with the startup's incubator) never
reaches that incubator: not its workspace, not the candidate's pages, not the API, not a notification."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import escape

from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.core.errors import InvalidTransition
from marketplace.needs.models import Need
from marketplace.notifications.models import Notification
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.queries import candidate_for
from marketplace.pipeline.rules import sides
from marketplace.pipeline.services import act_on_match, transition
from tests.conftest import ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, need_id, startup_listed_by, user
from tests.integration.imports.test_import_api import bearer, token_for

pytestmark = pytest.mark.integration

INTERNAL = "data-governance-tooling"  # published, internal: the bank's staff only
INVITED_ONLY = "mpc-blockchain-cryptography"  # published, invited: Zhangjiang is in the audience, Plug and Play not
DRAFT = "corporate-ap-automation"


def _invite(need_slug: str, incubator: str, *, app):
    """The organiser (who may make the bank's moves on any need) invites a startup only ``incubator`` lists."""
    return act_on_match(
        actor=user(ORGANISER),
        need_id=need_id(app, need_slug),
        startup_id=startup_listed_by(app, incubator),
        to=CandidateStage.INVITED,
    )


@pytest.mark.parametrize(
    ("need", "message"),
    [
        (INTERNAL, "This need is internal: only the bank's staff see it, so no startup can be invited to it."),
        (
            INVITED_ONLY,
            "The startup's incubator is not in this need's audience: add it to the audience before "
            "inviting the startup.",
        ),
        (DRAFT, "Startups can be invited once the need is published."),
    ],
    ids=["internal", "not-in-the-audience", "draft"],
)
def test_inviting_a_startup_to_a_need_its_incubator_may_not_see_is_refused(ctx, need, message):
    startup = startup_listed_by(ctx, "plug-and-play")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))

    with pytest.raises(InvalidTransition) as refused, unit_of_work():
        _invite(need, "plug-and-play", app=ctx)

    assert str(refused.value) == message
    assert candidate_for(need_id(ctx, need), startup) is None  # nothing was written...
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == before  # ...nor told


def test_the_refusal_reads_in_chinese(ctx):
    with force_locale("zh_Hans"), pytest.raises(InvalidTransition) as refused:
        _invite(INTERNAL, "plug-and-play", app=ctx)

    assert "内部" in str(refused.value) and "internal" not in str(refused.value)


def test_a_need_the_incubator_may_see_still_takes_invitations(ctx):
    candidate = _invite(INVITED_ONLY, "zhangjiang-incubator", app=ctx)  # Zhangjiang is in the audience

    told = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user(ZJ_MANAGER).id, Notification.kind == "invitation")
    ).all()
    assert candidate.stage == CandidateStage.INVITED and candidate.shared_at is not None
    assert [n.link for n in told] == [f"/workspace#candidate-{candidate.id}"]


def test_the_organiser_is_told_why_on_the_need_page(app, client, auth):
    internal, startup = need_id(app, INTERNAL), startup_listed_by(app, "plug-and-play")
    auth.login(ORGANISER)

    response = client.post(
        f"/needs/{internal}/candidates", data={"to": "invited", "startup_id": startup}, follow_redirects=True
    )

    assert "only the bank&#39;s staff see it" in response.get_data(as_text=True)
    with in_app(app):
        assert candidate_for(internal, startup) is None


def _invitation_made_before_the_rule(app, incubator: str = "plug-and-play") -> tuple[int, str]:
    """An invitation to the internal need, shared with the incubator's side as the service did before the rule;
    its id and the need's title as a page shows it."""
    with in_app(app):
        with unit_of_work():
            now = utcnow()
            candidate = Candidate(
                need_id=need_id(app, INTERNAL),
                startup_id=startup_listed_by(app, incubator),
                stage=CandidateStage.INVITED,
                source=CandidateSource.MATCHED,
                created_at=now,
                updated_at=now,
                shared_at=now,
            )
            db.session.add(candidate)
        return candidate.id, str(escape(db.session.get(Need, candidate.need_id).title))


def test_an_invitation_made_before_the_rule_never_reaches_the_incubator(app, client, auth):
    candidate_id, title = _invitation_made_before_the_rule(app)
    auth.login(PNP_MANAGER)

    workspace = client.get("/workspace").get_data(as_text=True)
    page = client.get(f"/candidates/{candidate_id}")
    answer = client.post(f"/candidates/{candidate_id}/answer", data={"answer": "accept"})

    assert title not in workspace and f"candidate-{candidate_id}" not in workspace
    assert page.status_code == 404 and answer.status_code == 404
    with in_app(app):
        assert db.session.get(Candidate, candidate_id).stage == CandidateStage.INVITED

        assert sides(user(PNP_MANAGER), db.session.get(Candidate, candidate_id)) == set()


def test_a_later_move_of_such_an_invitation_tells_the_incubator_nothing(app, client, auth):
    """The bank declining it would tell the startup's side (it was invited): not an incubator that may not see
    the need, so no notification names the internal need's title."""
    candidate_id, title = _invitation_made_before_the_rule(app)
    with in_app(app):
        with unit_of_work():
            transition(
                candidate=db.session.get(Candidate, candidate_id),
                to=CandidateStage.DECLINED,
                actor=user(ORGANISER),
                note="Not a fit after all.",
            )
        told = db.session.scalars(sa.select(Notification).where(Notification.user_id == user(PNP_MANAGER).id)).all()
        assert not [n for n in told if f"candidate-{candidate_id}" in n.link]
    auth.login(PNP_MANAGER)

    assert title not in client.get("/notifications/").get_data(as_text=True)


def test_the_api_does_not_show_such_an_invitation_either(app, client):

    candidate_id, _title = _invitation_made_before_the_rule(app)
    secret = token_for(app, PNP_MANAGER, write=True)

    one = client.get(f"/api/v1/candidates/{candidate_id}", headers=bearer(secret))
    listed = client.get("/api/v1/candidates?per_page=100", headers=bearer(secret)).get_json()
    move = client.post(f"/api/v1/candidates/{candidate_id}/moves", headers=bearer(secret), json={"to": "applied"})

    assert one.status_code == 404 and move.status_code == 404
    assert candidate_id not in [item["id"] for item in listed["items"]]


def test_a_startup_side_that_may_see_the_need_keeps_seeing_its_invitation(app, client, auth):
    """The rule narrows nothing else: an invitation to a need the incubator sees is in its workspace."""
    with in_app(app), unit_of_work():
        candidate_id = _invite(INVITED_ONLY, "zhangjiang-incubator", app=app).id
    auth.login(ZJ_MANAGER)

    workspace = client.get("/workspace").get_data(as_text=True)

    assert f'id="candidate-{candidate_id}"' in workspace
    assert client.get(f"/candidates/{candidate_id}").status_code == 200
