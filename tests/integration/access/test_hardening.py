"""Hardening: security headers and CSP, sign-in throttling and API quotas, the password
policy through the CLI, and audit rows for privileged actions.

Rate limits are off in the test suite; the ``limited`` fixture builds a second app on the seeded
database with them on, counting in the real Redis (db 12) under a key prefix of its own, and
joins the test's rolled-back connection.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import request

from marketplace import create_app
from marketplace.accounts.models import ApiToken
from marketplace.accounts.tokens import create_token
from marketplace.audit.models import AuditEvent
from marketplace.audit.queries import history_for
from marketplace.core.db import db, unit_of_work
from marketplace.startups.services import create_startup, merge_startups
from marketplace.web.rate_limits import limiter_of
from marketplace.web.security_headers import relaxed_csp_for_api_docs
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, user

pytestmark = pytest.mark.integration


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as directive → sources."""
    parts = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in parts}


def production_app(tmp_path, **overrides):
    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "SECRET_KEY": "k" * 40,
            "REDIS_URL": None,
            **overrides,
        }
    )


# --- headers and the content-security policy ---------------------------------------------------


def test_pages_send_security_headers_and_a_nonce_only_script_policy(client):
    response = client.get("/login")

    csp = policy(response)
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", csp["script-src"]).group(1)
    assert csp == {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)  # base.html's behaviour.js
    assert nonce not in policy(client.get("/login"))["script-src"]  # a fresh nonce per request
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    assert all(f"{feature}=()" in permissions for feature in ("camera", "microphone", "geolocation"))
    assert "Strict-Transport-Security" not in response.headers  # tests run over plain HTTP


def test_signed_in_pages_render_bars_without_inline_styles(client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/needs/").get_data(as_text=True)
    response = client.get("/")

    assert response.status_code == 200 and "Content-Security-Policy" in response.headers
    for html in (page, response.get_data(as_text=True)):
        assert " style=" not in html and "onchange=" not in html and "onclick=" not in html
    assert "data-autosubmit" in page  # the language switcher, wired by static/behaviour.js


def test_production_redirects_to_https_and_sends_hsts(tmp_path):
    client = production_app(tmp_path).test_client()

    plain = client.get("/login")
    proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})

    assert plain.status_code == 302 and plain.headers["Location"] == "https://localhost/login"
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
    assert client.get("/healthz").status_code != 302  # probes inside the network stay on HTTP


def test_client_addresses_come_from_forwarded_headers_only_behind_trusted_proxies(tmp_path):
    direct = production_app(tmp_path, FORCE_HTTPS=False)
    proxied = production_app(tmp_path, FORCE_HTTPS=False, PROXY_HOPS=1)
    for app in (direct, proxied):
        app.add_url_rule("/client-address", "client_address", lambda: request.remote_addr)
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}

    assert direct.test_client().get("/client-address", headers=headers).get_data(as_text=True) == "127.0.0.1"
    # One trusted hop: the address that proxy saw, not whatever the client wrote before it.
    assert proxied.test_client().get("/client-address", headers=headers).get_data(as_text=True) == "203.0.113.9"


def test_demo_mode_serves_plain_http_without_hsts(tmp_path):
    client = production_app(tmp_path, DEMO=True).test_client()

    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})

    assert client.get("/login").status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_api_docs_alone_allow_inline_styles_but_never_inline_scripts(client, tmp_path):
    docs = policy(client.get("/api/v1/swagger"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'docs.sqlite3'}", "TESTING": True})
    app.add_url_rule("/__docs", "docs", relaxed_csp_for_api_docs(lambda: "docs"))
    decorated = policy(app.test_client().get("/__docs"))

    for csp in (docs, decorated):
        assert csp["style-src"] == "'self' 'unsafe-inline'"
        assert "unsafe" not in csp["script-src"] and csp["script-src"].startswith("'self' 'nonce-")
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert policy(client.get("/login"))["style-src"] == "'self'"


# --- sign-in throttling and API quotas ----------------------------------------------------------


def test_the_sixth_wrong_password_locks_the_email_even_against_the_right_one(limited):
    client = limited().test_client()

    tries = [
        client.post("/login", data={"email": email, "password": "not-the-password-1"}).status_code
        for email in (BANK_STAFF, BANK_STAFF.upper(), BANK_STAFF, BANK_STAFF.title(), BANK_STAFF)
    ]
    locked = client.post(
        "/login?next=/needs/", data={"email": BANK_STAFF, "password": DEMO_PASSWORD, "next": "/needs/"}
    )
    other = client.post("/login", data={"email": ORGANISER, "password": DEMO_PASSWORD})

    assert tries == [401] * 5
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert re.search(r"Too many failed sign-ins\. Try again in 1[56] minutes\.", page)
    assert f'value="{BANK_STAFF}"' in page and 'value="/needs/"' in page  # what was typed stays
    assert DEMO_PASSWORD not in page
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60 + 1
    assert other.status_code == 302  # other emails sign in from the same address
    assert any(b"/email:" in key for key in limited.redis_keys())  # the counters are in Redis


def test_one_address_gets_ten_failed_sign_ins_a_minute(limited):
    client = limited().test_client()

    tries = [
        client.post("/login", data={"email": f"nobody{i}@nowhere.example", "password": "whatever-it-is"}).status_code
        for i in range(10)
    ]
    blocked = client.post("/login", data={"email": ORGANISER, "password": DEMO_PASSWORD})
    elsewhere = client.post(
        "/login", data={"email": ORGANISER, "password": DEMO_PASSWORD}, environ_base={"REMOTE_ADDR": "10.20.30.40"}
    )

    assert tries == [401] * 10
    assert blocked.status_code == 429
    assert elsewhere.status_code == 302


def test_successful_sign_ins_do_not_count(limited):
    client = limited(LOGIN_RATE_LIMIT="2/minute").test_client()

    answers = []
    for _ in range(4):
        answers.append(client.post("/login", data={"email": BANK_STAFF, "password": DEMO_PASSWORD}).status_code)
        client.post("/logout")

    assert answers == [302] * 4


def test_the_api_quota_answers_problem_json_with_retry_after(app, limited):
    with app.app_context(), unit_of_work():
        _token, secret = create_token(user=user(BANK_STAFF), name="quota", can_write=False)
        _token, other_secret = create_token(user=user(BANK_STAFF), name="other", can_write=False)
    client = limited(API_RATE_LIMIT="2/minute").test_client()
    bearer = {"Authorization": f"Bearer {secret}"}

    first = [client.get("/api/v1/needs", headers=bearer).status_code for _ in range(2)]
    over = client.get("/api/v1/needs", headers=bearer)
    other_endpoint = client.get("/api/v1/startups", headers=bearer)
    other_token = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {other_secret}"})

    assert first == [200, 200]
    assert over.status_code == 429
    assert over.mimetype == "application/problem+json"
    body = over.get_json()
    assert {k: body[k] for k in ("type", "title", "status")} == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
    }
    assert "2 per 1 minute" in body["detail"]
    assert 1 <= int(over.headers["Retry-After"]) <= 61
    assert other_endpoint.status_code == 429  # one budget across the API
    assert other_token.status_code == 200


def test_without_a_token_the_api_quota_is_per_address(limited):
    client = limited(API_RATE_LIMIT="1/minute").test_client()

    assert client.get("/api/v1/needs").status_code == 401
    assert client.get("/api/v1/needs").status_code == 429
    assert client.get("/api/v1/needs", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 401


def test_html_pages_get_the_429_page(limited):
    app = limited()
    app.add_url_rule("/__busy", "busy", limiter_of(app).limit("1/minute")(lambda: "ok"))
    client = app.test_client()

    client.get("/__busy")
    response = client.get("/__busy")

    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1


# --- the password policy through the command line ------------------------------------------------


def test_users_create_enforces_the_password_policy_and_audits_the_new_user(app):
    runner = app.test_cli_runner()
    base = [
        "users",
        "create",
        "--email",
        "ops.lead@zj.example",
        "--name",
        "Ops Lead",
        "--role",
        "incubator_manager",
        "--organisation",
        "zhangjiang-incubator",
        "--password",
    ]

    digits = runner.invoke(args=[*base, "204867193520"])
    own_name = runner.invoke(args=[*base, "Ops.Lead-harbour-7"])
    short = runner.invoke(args=[*base, "harbour-7"])
    good = runner.invoke(args=[*base, "gentle-harbour-route-7"])

    assert digits.exit_code != 0 and "not only digits" in digits.output
    assert own_name.exit_code != 0 and "email address" in own_name.output
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert good.exit_code == 0, good.output
    with in_app(app):
        new = user("ops.lead@zj.example")
        rows = history_for("user", new.id)
    assert [(event.action, event.actor_id) for event, _who in rows] == [("user.create", None)]
    assert rows[0][0].after == {
        "email": "ops.lead@zj.example",
        "name": "Ops Lead",
        "role": "incubator_manager",
        "organisation_id": new.organisation_id,
    }


# --- audit rows for privileged actions -------------------------------------------------------------


def test_sign_ins_are_audited_and_failures_never_keep_the_password(app, auth):
    with in_app(app):
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0

    auth.login(BANK_STAFF, "Wrong-Secret-Value-9")
    auth.login(BANK_STAFF)
    auth.logout()
    auth.login("nobody@nowhere.example", "Another-Secret-Value-9")

    with in_app(app):
        staff = user(BANK_STAFF)
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)))
    assert [(r.action, r.entity, r.entity_id, r.actor_id) for r in rows] == [
        ("user.sign_in_failed", "user", staff.id, None),
        ("user.sign_in", "user", staff.id, staff.id),
        ("user.sign_in_failed", "user", 0, None),
    ]
    assert rows[0].after == {"email": BANK_STAFF, "ip": "127.0.0.1", "reason": "wrong_password"}
    assert rows[2].after["reason"] == "unknown_email" and rows[2].after["email"] == "nobody@nowhere.example"
    stored = json.dumps([(r.before, r.after) for r in rows])
    assert "Secret-Value" not in stored and DEMO_PASSWORD not in stored


def test_creating_and_revoking_an_api_token_is_audited(app, client, auth):
    auth.login(ZJ_MANAGER)

    client.post("/account/tokens", data={"name": "CRM export", "can_write": "y"})
    with in_app(app):
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "CRM export"))
    client.post(f"/account/tokens/{token.id}/revoke")
    client.post(f"/account/tokens/{token.id}/revoke")  # again: nothing more to record

    with in_app(app):
        manager = user(ZJ_MANAGER)
        rows = history_for("api_token", token.id)
    assert [(event.action, event.actor_id) for event, _who in rows] == [
        ("api_token.create", manager.id),
        ("api_token.revoke", manager.id),
    ]
    assert rows[0][0].after == {"name": "CRM export", "prefix": token.prefix, "can_write": True}
    assert token.token_hash not in json.dumps([event.after for event, _who in rows])


def test_a_startup_merge_is_audited_with_who_merged(ctx):
    keep = create_startup(actor=user(ZJ_MANAGER), data={"name": "Harbour Sensing"})
    drop = create_startup(actor=user(PNP_MANAGER), data={"name": "Harbour Sensing Co."})
    drop_id = drop.id

    merge_startups(actor=user(ORGANISER), keep=keep, drop=drop)

    rows = history_for("startup", keep.id, action="startup.merge")
    assert [(event.actor_id, event.after["merged"]) for event, _who in rows] == [
        (user(ORGANISER).id, {"id": drop_id, "name": "Harbour Sensing Co.", "website": ""})
    ]


def test_nul_characters_in_forms_and_queries_are_a_clear_400(app, client, auth):
    """PostgreSQL cannot store NUL; a form or query holding one is refused before any service runs."""
    auth.login("staff@bank.example.com")

    form = client.post("/needs/new", data={"title": "Voice\x00 analytics", "summary": "x" * 20})
    query = client.get("/needs/?q=a%00b")
    fine = client.get("/needs/?q=ab")

    assert form.status_code == 400 and query.status_code == 400 and fine.status_code == 200
