"""The JSON API shows each caller exactly what the web pages show them, and changes things only
through the same services. (Every route × role is in test_route_matrix.py; fuzzing in test_api_fuzz.py.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.tokens import create_token, revoke_token
from marketplace.audit.models import AuditEvent
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import NotFound
from marketplace.needs.models import Need
from marketplace.needs.queries import need_for_user
from marketplace.needs.services import accept_terms
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.rules import sides, visible_candidates_clause
from marketplace.pipeline.services import act_on_match
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER, fixture_users
from tests.helpers import in_app, need_id, org, startup_listed_by, user
from tests.integration.access.test_authorisation import HIDDEN_FROM_INCUBATORS
from tests.integration.imports.test_import_api import bearer, token_for

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
NEW_NEED = {
    "title": "Voice analytics for branch calls",
    "summary": "Transcribe and tag calls to find complaints early.",
    "sector_tags": ["sme_finance"],
    "technology_tags": ["speech", "nlp"],
    "visibility": "public",
}


def api(client, secret, method="get", path="", **kwargs):
    return getattr(client, method)(f"/api/v1{path}", headers=bearer(secret), **kwargs)


@pytest.mark.parametrize("slug", [*HIDDEN_FROM_INCUBATORS, "mpc-blockchain-cryptography"])
def test_an_incubator_cannot_read_hidden_or_uninvited_needs_by_guessing_ids(app, client, slug):
    secret = token_for(app, PNP_MANAGER, write=False)
    hidden = need_id(app, slug)

    one = api(client, secret, path=f"/needs/{hidden}")
    listed = api(client, secret, path="/needs?per_page=100").get_json()
    missing = api(client, secret, path="/needs/999999")

    assert one.status_code == 404 and one.mimetype == PROBLEM
    assert one.get_json() == missing.get_json()  # the same answer as a need that does not exist
    assert hidden not in {n["id"] for n in listed["items"]}
    assert listed["total"] == len(listed["items"])


def test_the_invited_incubator_reads_the_invited_need(app, client):
    secret = token_for(app, ZJ_MANAGER, write=False)

    body = api(client, secret, path=f"/needs/{need_id(app, 'mpc-blockchain-cryptography')}").get_json()

    assert body["readable"] is True and body["description"]


def test_a_confidential_need_is_a_teaser_until_the_terms_are_accepted(app, client):
    secret = token_for(app, ZJ_MANAGER, write=True)
    confidential = need_id(app, "medical-insurance-fraud-detection")

    teaser = api(client, secret, path=f"/needs/{confidential}").get_json()
    with in_app(app), unit_of_work():
        accept_terms(actor=user(ZJ_MANAGER), need=db.session.get(Need, confidential))
    full = api(client, secret, path=f"/needs/{confidential}").get_json()

    assert teaser["readable"] is False and teaser["title"] and teaser["summary"]
    assert teaser["description"] is None and teaser["budget_max_cny"] is None and teaser["scenarios"] is None
    assert full["readable"] is True and full["description"]


def test_pages_are_consistent_and_bounded(app, client):
    secret = token_for(app, ORGANISER, write=False)

    first = api(client, secret, path="/startups?per_page=7&page=1").get_json()
    second = api(client, secret, path="/startups?per_page=7&page=2").get_json()
    too_big = api(client, secret, path="/startups?per_page=1000")

    assert len(first["items"]) == 7 and first["pages"] == -(-first["total"] // 7)
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second["items"]}
    assert too_big.status_code == 422 and too_big.mimetype == PROBLEM and "per_page" in too_big.get_json()["errors"]


def test_tokens_authenticate_scope_and_revoke(app, client):
    read_only = token_for(app, BANK_STAFF, write=False)
    with in_app(app), unit_of_work():
        token, revoked = create_token(user=user(BANK_STAFF), name="old", can_write=True)
        revoke_token(user=user(BANK_STAFF), token=token)

    anonymous = client.get("/api/v1/needs")
    forbidden = api(client, read_only, "post", "/needs", json=NEW_NEED)
    gone = api(client, revoked, path="/needs")
    reading = api(client, read_only, path="/needs")

    assert anonymous.status_code == 401 and anonymous.mimetype == PROBLEM
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert forbidden.status_code == 403 and forbidden.get_json()["detail"] == "This token is read-only."
    assert gone.status_code == 401
    assert reading.status_code == 200


def test_bank_staff_post_a_need_through_the_same_service(app, client):
    secret = token_for(app, BANK_STAFF)

    created = api(client, secret, "post", "/needs", json=NEW_NEED)
    body = created.get_json()
    submitted = api(client, secret, "post", f"/needs/{body['id']}/status", json={"to": "in_review"})
    with in_app(app):
        audit = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity == "need", AuditEvent.entity_id == body["id"])
        ).all()
        owner = org("large-corporate").id

    assert created.status_code == 201 and body["status"] == "draft" and body["owner_id"] == owner
    assert body["technology_tags"] == ["speech", "nlp"]
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "in_review"
    assert set(audit) >= {"need.create", "need.status"}


def test_broken_input_is_a_problem_with_a_message_per_field(app, client):
    secret = token_for(app, BANK_STAFF)

    wrong_types = api(
        client, secret, "post", "/needs", json={**NEW_NEED, "sector_tags": "sme_finance", "budget_min_cny": False}
    )
    broken = api(
        client, secret, "post", "/needs", json={**NEW_NEED, "title": "x", "sector_tags": ["astrology"], "colour": "red"}
    )
    stray = api(client, secret, "post", "/needs", data="{not json", content_type="application/json")

    assert wrong_types.status_code == 422 and wrong_types.mimetype == PROBLEM
    assert set(wrong_types.get_json()["errors"]) == {"sector_tags", "budget_min_cny"}
    assert broken.status_code == 422 and set(broken.get_json()["errors"]) == {"title", "sector_tags", "colour"}
    assert stray.status_code == 422 and stray.mimetype == PROBLEM


@pytest.mark.parametrize("path", ["/needs", "/startups"])
def test_deeply_nested_json_is_a_problem_not_a_crash(app, client, path):
    """Security review, finding 14: ~1,000 levels of nesting raised RecursionError (500) on every JSON route."""
    secret = token_for(app, ORGANISER)

    answer = api(client, secret, "post", path, data="[" * 5000 + "]" * 5000, content_type="application/json")
    nested_object = api(
        client, secret, "post", path, data='{"a":' * 3000 + "1" + "}" * 3000, content_type="application/json"
    )

    for response in (answer, nested_object):
        assert response.status_code == 400 and response.mimetype == PROBLEM
        assert "nested too deeply" in response.get_json()["detail"]


def test_incubators_cannot_post_needs_and_bank_staff_cannot_add_startups(app, client):
    incubator, staff = token_for(app, ZJ_MANAGER), token_for(app, BANK_STAFF)

    need = api(client, incubator, "post", "/needs", json=NEW_NEED)
    startup = api(client, staff, "post", "/startups", json={"name": "Shadow Fintech"})

    assert need.status_code == 403 and startup.status_code == 403


def test_contacts_and_crm_ids_stay_with_their_owners(app, client):
    theirs = startup_listed_by(app, "plug-and-play")
    zj, staff = token_for(app, ZJ_MANAGER, write=False), token_for(app, BANK_STAFF, write=False)
    with in_app(app):
        pnp = org("plug-and-play").id
        zj_id = org("zhangjiang-incubator").id

    startup_for_zj = api(client, zj, path=f"/startups/{theirs}").get_json()
    startup_for_staff = api(client, staff, path=f"/startups/{theirs}").get_json()
    others = api(client, zj, path=f"/listings?incubator_id={pnp}&per_page=100").get_json()["items"]
    own = api(client, zj, path=f"/listings?incubator_id={zj_id}&per_page=100").get_json()["items"]

    assert startup_for_zj["contact_email"] is None and startup_for_zj["incubator_ids"] == [pnp]
    assert startup_for_staff["contact_email"] is None
    assert others and all(item["external_id"] is None for item in others)
    assert any(item["external_id"] for item in own)


def test_the_banks_private_shortlist_is_not_in_the_incubators_api(app, client):
    health = need_id(app, "healthcare-ecosystem-it")
    startup = startup_listed_by(app, "zhangjiang-incubator")
    with in_app(app), unit_of_work():
        cid = act_on_match(actor=user(BANK_STAFF), need_id=health, startup_id=startup, to=CandidateStage.SHORTLISTED).id
    zj, staff = token_for(app, ZJ_MANAGER), token_for(app, BANK_STAFF)

    hidden = api(client, zj, path=f"/candidates/{cid}")
    listed = api(client, zj, path=f"/candidates?need_id={health}&per_page=100").get_json()["items"]
    probe = api(client, zj, "post", f"/candidates/{cid}/moves", json={"to": "withdrawn", "note": "probing"})
    invited = api(client, staff, "post", f"/candidates/{cid}/moves", json={"to": "invited", "version": 2})
    shown = api(client, zj, path=f"/candidates/{cid}").get_json()

    assert hidden.status_code == 404 and probe.status_code == 404 and cid not in {c["id"] for c in listed}
    assert invited.status_code == 200
    assert shown["stage"] == "invited" and set(shown["next_stages"]) >= {"applied"}


def test_a_stale_move_is_a_conflict_and_changes_nothing(app, client):
    health = need_id(app, "healthcare-ecosystem-it")
    startup = startup_listed_by(app, "zhangjiang-incubator")
    staff = token_for(app, BANK_STAFF)
    added = api(client, staff, "post", f"/needs/{health}/candidates", json={"startup_id": startup}).get_json()

    first = api(
        client, staff, "post", f"/candidates/{added['id']}/moves", json={"to": "invited", "version": added["version"]}
    )
    second = api(
        client,
        staff,
        "post",
        f"/candidates/{added['id']}/moves",
        json={"to": "declined", "note": "late", "version": added["version"]},
    )

    assert added["stage"] == "shortlisted" and first.status_code == 200
    assert second.status_code == 409 and second.mimetype == PROBLEM
    assert api(client, staff, path=f"/candidates/{added['id']}").get_json()["stage"] == "invited"


def test_candidates_listed_are_exactly_those_a_side_acts_on(app, ctx):
    """The list query and the per-object rule (sides + need visibility) agree for every seeded user."""

    candidates = list(db.session.scalars(sa.select(Candidate)))
    acting, kept_out = set(), set()
    for email in fixture_users():
        person = user(email)
        listed = set(db.session.scalars(sa.select(Candidate.id).where(visible_candidates_clause(person))))
        expected = set()
        for candidate in candidates:
            try:
                need_for_user(person, candidate.need_id)
            except NotFound:
                continue
            if sides(person, candidate):
                expected.add(candidate.id)
        assert listed == expected, email
        if listed:
            acting.add(email)
        if len(listed) < len(candidates):
            kept_out.add(email)

    assert acting and kept_out  # some act on candidates and some are kept from others: not two empty sets


def test_the_openapi_document_covers_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json")
    spec = document.get_json()
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule
            for converter in ("int:",):
                path = path.replace(converter, "")
            path = path.replace("<", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}

    assert document.status_code == 200 and spec["openapi"].startswith("3.")
    assert routed == documented
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "Problem" in spec["components"]["schemas"]
    assert client.get("/api/v1/swagger").status_code == 200


def _examples_in(schema) -> list:
    """Every example or non-empty default in a parameter schema, nested anyOf members included."""
    if isinstance(schema, dict):
        found = [schema[k] for k in ("example", "examples") if k in schema]
        found += [schema["default"]] if schema.get("default") not in (None, "") else []
        return found + [e for v in schema.values() for e in _examples_in(v)]
    if isinstance(schema, list):
        return [e for v in schema for e in _examples_in(v)]
    return []


def test_the_openapi_document_prefills_no_query_filter(client):
    """Swagger's try-out fills a parameter from its example: a pre-filled owner_id=1 made the first Execute
    of GET /needs answer an empty page. Paging may keep its defaults; filters start empty."""
    spec = client.get("/api/v1/openapi.json").get_json()
    prefilled = {
        (path, method, p["name"]): _examples_in(p)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] not in ("page", "per_page") and _examples_in(p)
    }
    filters = {
        (path, p["name"])
        for path, item in spec["paths"].items()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    }

    assert prefilled == {}
    assert ("/api/v1/needs", "owner_id") in filters
