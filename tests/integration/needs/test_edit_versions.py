"""Lost updates and duplicate drafts (security review, finding 17).

An edit of a need or a startup names the version it was read at (the edit form's hidden field, the API's `version`):
an edit from a version someone else has moved on from saves nothing and says which fields the other edit changed:
the form page keeps the person's entries and shows the current values (409), the API answers a 409 problem naming
the fields. A create form carries a one-time token: sent again (double click, back button, retry) it makes nothing
new and goes to what the first submit made. Parallel clients on both databases: test_concurrent_clients.py.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import FormSubmission
from marketplace.accounts.submissions import FormTokenRefused, submit_once
from marketplace.accounts.tokens import create_token
from marketplace.audit.models import AuditEvent
from marketplace.audit.versioning import StaleEdit
from marketplace.core.db import db, unit_of_work
from marketplace.needs.enums import NeedStatus
from marketplace.needs.forms import NEED_FIELDS
from marketplace.needs.models import Need
from marketplace.needs.services import change_need_status, create_need, update_need
from marketplace.startups.models import Startup, StartupInput
from marketplace.startups.services import update_startup
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import form_token, in_app, need_id, org, startup_listed_by, user

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
EDU = "education-ecosystem-it"  # Large Corporate's published need: staff@bank.example.com edits it
NEW_NEED = {
    "title": "Queue analytics for branch lobbies",
    "summary": "Count and forecast lobby queues per branch.",
    "sector_tags": ["sme_finance"],
    "visibility": "public",
    "pilot_horizon": "h1",
}


def token_for(app, email: str) -> str:
    with in_app(app), unit_of_work():
        return create_token(user=user(email), name="edits", can_write=True)[1]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def need_form(need: Need, **changes) -> dict:
    """The edit form as the page fills it for ``need`` (its current values), with ``changes``."""
    data = {
        "title": need.title,
        "summary": need.summary,
        "description": need.description,
        "scenarios": "\n".join(need.scenarios),
        "sector_tags": list(need.sector_tags),
        "technology_tags": ", ".join(need.technology_tags),
        "desired_stage": need.desired_stage.value if need.desired_stage else "",
        "budget_min_cny": "" if need.budget_min_cny is None else str(need.budget_min_cny),
        "budget_max_cny": "" if need.budget_max_cny is None else str(need.budget_max_cny),
        "pilot_horizon": need.pilot_horizon.value,
        "visibility": need.visibility.value,
        "contact_name": need.contact_name,
        "contact_email": need.contact_email,
        "deadline": need.deadline.isoformat() if need.deadline else "",
        "confidentiality_terms": need.confidentiality_terms,
        "version": str(need.version),
    }
    if need.confidential:
        data["confidential"] = "y"
    return {**data, **changes}


def need_fields(need: Need) -> dict:
    """A need's fields as the API's PUT body takes them."""
    return {
        "title": need.title,
        "summary": need.summary,
        "description": need.description,
        "scenarios": list(need.scenarios),
        "sector_tags": list(need.sector_tags),
        "technology_tags": list(need.technology_tags),
        "pilot_horizon": need.pilot_horizon.value,
        "visibility": need.visibility.value,
        "contact_name": need.contact_name,
        "contact_email": need.contact_email,
        "deadline": need.deadline.isoformat() if need.deadline else None,
        "budget_min_cny": need.budget_min_cny,
        "budget_max_cny": need.budget_max_cny,
    }


def profile(startup: Startup, **changes) -> dict:
    """A startup's fields as they are, with ``changes``."""
    return {**{name: getattr(startup, name) for name in StartupInput.model_fields}, **changes}


def someone_else_edits(app, slug: str, **changes) -> int:
    """The organiser changes the need (as another browser tab would); returns its new version."""
    with in_app(app), unit_of_work():
        need = db.session.scalar(sa.select(Need).where(Need.slug == slug))
        data = {name: getattr(need, name) for name in NEED_FIELDS}
        update_need(actor=user(ORGANISER), need=need, data={**data, **changes})
        return need.version


# -- the rule, in the services ------------------------------------------------------------------


def test_an_edit_from_an_old_version_saves_nothing_and_names_what_changed(ctx):
    staff = user(BANK_STAFF)
    with unit_of_work():
        need = create_need(actor=staff, data=NEW_NEED)
    read = need.version
    with unit_of_work():
        update_need(
            actor=user(ORGANISER),
            need=need,
            data={**NEW_NEED, "title": "Lobby queue forecasting"},
            expected_version=read,
        )
    with unit_of_work():
        change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)

    with pytest.raises(StaleEdit) as stale, unit_of_work():
        update_need(
            actor=staff,
            need=need,
            data={**NEW_NEED, "summary": "Mine: count lobby queues per hour."},
            expected_version=read,
        )

    db.session.refresh(need)
    assert stale.value.changed == ["title", "status"]
    assert (stale.value.read_version, stale.value.current_version) == (read, read + 2) == (read, need.version)
    assert "title, status" in str(stale.value) and "Nothing was saved" in str(stale.value)
    assert need.summary == NEW_NEED["summary"] and need.title == "Lobby queue forecasting"
    with unit_of_work():
        update_need(
            actor=staff,
            need=need,
            data={**NEW_NEED, "summary": "Mine: count lobby queues per hour."},
            expected_version=need.version,
        )
    assert need.summary == "Mine: count lobby queues per hour." and need.version == read + 3


def test_a_changed_audience_is_a_change_of_the_need(ctx):
    """Inviting other incubators bumps the version and is audited, so an edit from before it cannot undo it."""
    staff = user(BANK_STAFF)
    invited = {**NEW_NEED, "visibility": "invited"}
    zhangjiang, plug_and_play = org("zhangjiang-incubator").id, org("plug-and-play").id
    with unit_of_work():
        need = create_need(actor=staff, data=invited, invited_incubator_ids=[zhangjiang])
    read = need.version

    with unit_of_work():
        update_need(
            actor=staff,
            need=need,
            data=invited,
            invited_incubator_ids=[zhangjiang, plug_and_play],
            expected_version=read,
        )
    with pytest.raises(StaleEdit) as stale, unit_of_work():
        update_need(actor=staff, need=need, data=invited, invited_incubator_ids=[zhangjiang], expected_version=read)

    assert stale.value.changed == ["invited_incubator_ids"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity_id == need.id, AuditEvent.action == "need.update")
    )
    assert event.before == {"invited_incubator_ids": [zhangjiang]}
    assert event.after == {"invited_incubator_ids": sorted([zhangjiang, plug_and_play])}


def test_a_startup_edit_from_an_old_version_saves_nothing_and_names_what_changed(ctx, app):
    manager = user(ZJ_MANAGER)
    startup = db.session.get(Startup, startup_listed_by(app, "zhangjiang-incubator"))
    read = startup.version
    mine = {"name": startup.name, "description": "My rewrite of the profile.", "city": startup.city}
    with unit_of_work():
        update_startup(
            actor=user(ORGANISER),
            startup=startup,
            data=profile(startup, city="Hangzhou", tags=["edited elsewhere"]),
            expected_version=read,
        )

    with pytest.raises(StaleEdit) as stale, unit_of_work():
        update_startup(actor=manager, startup=startup, data=mine, expected_version=read)

    db.session.refresh(startup)
    assert stale.value.changed == ["city", "tags"]
    assert startup.description != "My rewrite of the profile." and startup.version == read + 1


def test_a_form_token_makes_one_draft_and_answers_the_resubmit_with_it(ctx):
    staff, token = user(BANK_STAFF), form_token()
    made = []

    def create():
        made.append(create_need(actor=staff, data=NEW_NEED))
        return made[-1]

    with unit_of_work():
        first, url = submit_once(actor=staff, token=token, create=create, target_url=lambda n: f"/needs/{n.id}")
    with unit_of_work():
        again, again_url = submit_once(actor=staff, token=token, create=create, target_url=lambda n: "/never")

    assert first is made[0] and again is None and len(made) == 1
    assert url == again_url == f"/needs/{first.id}"
    assert db.session.get(FormSubmission, token).user_id == staff.id
    for refused in (None, "", "short", "x" * 65, "not a token at all, with spaces!!"):
        with pytest.raises(FormTokenRefused), unit_of_work():
            submit_once(actor=staff, token=refused, create=create, target_url=str)
    with pytest.raises(FormTokenRefused), unit_of_work():  # someone else's token is no one's to reuse
        submit_once(actor=user(ORGANISER), token=token, create=create, target_url=str)
    assert len(made) == 1


# -- the edit pages -------------------------------------------------------------------------------


def test_a_stale_need_edit_shows_what_changed_and_keeps_what_was_typed(app, client, auth):
    edu = need_id(app, EDU)
    auth.login(BANK_STAFF)
    page = client.get(f"/needs/{edu}/edit").get_data(as_text=True)
    read = hidden(page, "version")
    with in_app(app):
        mine = need_form(
            db.session.get(Need, edu),
            version=read,
            description="My careful rewrite of the description, typed for ten minutes.",
        )
    now = someone_else_edits(app, EDU, title="IT for universities and colleges", deadline=None)

    answer = client.post(f"/needs/{edu}/edit", data=mine)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Someone else changed this need while you were editing it." in page
    assert "My careful rewrite of the description, typed for ten minutes." in page  # the entry, kept
    assert re.search(r"<dt>Title</dt>\s*<dd[^>]*>IT for universities and colleges</dd>", page)  # the value now
    assert re.search(r"<dt>Deadline</dt>\s*<dd[^>]*>—</dd>", page)
    assert hidden(page, "version") == str(now)
    with in_app(app):
        need = db.session.get(Need, edu)
        assert need.description != mine["description"] and need.version == now

    saved = client.post(f"/needs/{edu}/edit", data={**mine, "version": hidden(page, "version")})

    assert saved.status_code == 302
    with in_app(app):
        db.session.expire_all()
        assert db.session.get(Need, edu).description == mine["description"]


def test_the_conflict_page_speaks_chinese(app, client, auth):
    edu = need_id(app, EDU)
    auth.login(BANK_STAFF)
    client.post("/language", data={"locale": "zh_Hans"})
    with in_app(app):
        mine = need_form(db.session.get(Need, edu))
    someone_else_edits(app, EDU, title="IT for universities and colleges")

    page = client.post(f"/needs/{edu}/edit", data=mine).get_data(as_text=True)

    assert "您编辑期间，其他人修改了这条需求。" in page and "标题" in page


def test_an_edit_form_without_its_version_saves_nothing(app, client, auth):
    edu = need_id(app, EDU)
    auth.login(BANK_STAFF)
    with in_app(app):
        mine = need_form(db.session.get(Need, edu), title="Renamed without a version")
    del mine["version"]

    answer = client.post(f"/needs/{edu}/edit", data=mine)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "did not say which version" in page
    assert 'value="Renamed without a version"' in page
    with in_app(app):
        assert db.session.get(Need, edu).title != "Renamed without a version"
        assert hidden(page, "version") == str(db.session.get(Need, edu).version)


def test_a_stale_startup_edit_shows_what_changed_and_keeps_what_was_typed(app, client, auth):
    startup_id = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(ZJ_MANAGER)
    read = hidden(client.get(f"/startups/{startup_id}/edit").get_data(as_text=True), "version")
    with in_app(app), unit_of_work():
        startup = db.session.get(Startup, startup_id)
        name = startup.name
        update_startup(actor=user(ORGANISER), startup=startup, data=profile(startup, city="Suzhou"))

    answer = client.post(
        f"/startups/{startup_id}/edit",
        data={"name": name, "description": "My own words about the company.", "version": read},
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Someone else changed this startup profile while you were editing it." in page
    assert "My own words about the company." in page
    assert re.search(r"<dt>City</dt>\s*<dd[^>]*>Suzhou</dd>", page)
    with in_app(app):
        assert db.session.get(Startup, startup_id).description != "My own words about the company."


# -- the API --------------------------------------------------------------------------------------


def test_a_stale_put_is_a_409_problem_naming_the_changed_fields(app, client):
    edu = need_id(app, EDU)
    secret = token_for(app, BANK_STAFF)
    read = client.get(f"/api/v1/needs/{edu}", headers=bearer(secret)).get_json()
    with in_app(app):
        body = need_fields(db.session.get(Need, edu))
    someone_else_edits(
        app,
        EDU,
        title="IT for universities and colleges",
        summary="Fees, finance and campus life for universities and colleges.",
    )

    stale = client.put(
        f"/api/v1/needs/{edu}",
        headers=bearer(secret),
        json={**body, "description": "Mine.", "version": read["version"]},
    )
    missing = client.put(f"/api/v1/needs/{edu}", headers=bearer(secret), json={**body, "description": "Mine."})

    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    problem = stale.get_json()
    assert problem["changed"] == ["title", "summary"] and problem["version"] == read["version"] + 1
    assert "title, summary" in problem["detail"]
    assert missing.status_code == 422 and "version" in missing.get_json()["errors"]
    with in_app(app):
        assert db.session.get(Need, edu).description != "Mine."

    fresh = client.put(
        f"/api/v1/needs/{edu}",
        headers=bearer(secret),
        json={**body, "description": "Mine.", "version": problem["version"]},
    )

    assert fresh.status_code == 200 and fresh.get_json()["version"] == problem["version"] + 1
    assert fresh.get_json()["description"] == "Mine."


def test_a_stale_startup_put_is_a_409_problem_naming_the_changed_fields(app, client):
    startup_id = startup_listed_by(app, "zhangjiang-incubator")
    secret = token_for(app, ZJ_MANAGER)
    read = client.get(f"/api/v1/startups/{startup_id}", headers=bearer(secret)).get_json()
    with in_app(app), unit_of_work():
        startup = db.session.get(Startup, startup_id)
        update_startup(actor=user(ORGANISER), startup=startup, data=profile(startup, team_size=77))

    stale = client.put(
        f"/api/v1/startups/{startup_id}",
        headers=bearer(secret),
        json={"name": read["name"], "description": "Mine.", "version": read["version"]},
    )

    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    assert stale.get_json()["changed"] == ["team_size"] and stale.get_json()["version"] == read["version"] + 1


def test_the_openapi_document_asks_for_the_version_and_documents_the_409(app, client):
    document = client.get("/api/v1/openapi.json").get_json()

    for path, body in (("/api/v1/needs/{need_id}", "NeedReplace"), ("/api/v1/startups/{startup_id}", "StartupReplace")):
        assert "409" in document["paths"][path]["put"]["responses"]
        assert "version" in document["components"]["schemas"][body]["required"]
    assert {"changed", "version"} <= set(document["components"]["schemas"]["Problem"]["properties"])


# -- create forms: one submit, one draft ----------------------------------------------------------


def test_a_resubmitted_new_need_form_makes_one_draft(app, client, auth):
    auth.login(BANK_STAFF)
    token = hidden(client.get("/needs/new").get_data(as_text=True), "form_token")
    form = {**NEW_NEED, "form_token": token}

    answers = [client.post("/needs/new", data=form) for _ in range(3)]

    assert [a.status_code for a in answers] == [302] * 3
    assert len({a.headers["Location"] for a in answers}) == 1
    with in_app(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == NEW_NEED["title"])) == 1
    shown = client.get(answers[-1].headers["Location"]).get_data(as_text=True)
    assert "This form was already submitted" in shown


def test_a_new_need_form_without_a_token_makes_nothing_and_can_be_sent_again(app, client, auth):
    auth.login(BANK_STAFF)

    refused = client.post("/needs/new", data=NEW_NEED)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "no valid submission token" in page
    assert f'value="{NEW_NEED["title"]}"' in page  # the entries are kept
    with in_app(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == NEW_NEED["title"])) == 0
    assert client.post("/needs/new", data={**NEW_NEED, "form_token": hidden(page, "form_token")}).status_code == 302


def test_a_corrected_form_goes_through_with_the_same_token(app, client, auth):
    """A submit that failed validation made nothing, so its token is still unused."""
    auth.login(BANK_STAFF)
    token = form_token()

    wrong = client.post("/needs/new", data={**NEW_NEED, "summary": "short", "form_token": token})
    right = client.post(
        "/needs/new", data={**NEW_NEED, "form_token": hidden(wrong.get_data(as_text=True), "form_token")}
    )

    assert wrong.status_code == 400 and right.status_code == 302
    assert hidden(wrong.get_data(as_text=True), "form_token") == token


def test_a_resubmitted_new_startup_form_and_clone_make_one_each(app, client, auth):
    auth.login(ZJ_MANAGER)
    token = hidden(client.get("/startups/new").get_data(as_text=True), "form_token")
    added = [client.post("/startups/new", data={"name": "Once Only Robotics", "form_token": token}) for _ in range(2)]
    assert [a.status_code for a in added] == [302, 302]
    assert added[0].headers["Location"] == added[1].headers["Location"]

    auth.logout()
    auth.login(BANK_STAFF)
    edu = need_id(app, EDU)
    token = hidden(client.get(f"/needs/{edu}").get_data(as_text=True), "form_token")
    clones = [client.post(f"/needs/{edu}/clone", data={"form_token": token}) for _ in range(2)]
    assert [c.status_code for c in clones] == [302, 302]
    assert clones[0].headers["Location"] == clones[1].headers["Location"]

    with in_app(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Startup.name == "Once Only Robotics")) == 1
        original = db.session.get(Need, edu)
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == f"Copy of {original.title}")) == 1
