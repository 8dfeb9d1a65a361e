"""Sign-in, dashboards per role, health, error pages and the two languages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from tests.conftest import ADMIN, BANK_STAFF, ORGANISER, ZJ_MANAGER, fixture_users
from tests.helpers import in_app

pytestmark = pytest.mark.integration


def test_healthz_reports_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("email", sorted(fixture_users()))
def test_every_demo_user_signs_in_and_sees_dashboard(client, auth, email):
    response = auth.login(email)
    page = client.get("/").get_data(as_text=True)

    assert response.status_code == 302
    assert fixture_users()[email]["name"] in page


def test_wrong_password_is_refused_with_message(client, auth):
    response = auth.login(BANK_STAFF, "wrong-password-123")

    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_email_gets_same_message(auth):
    response = auth.login("nobody@nowhere.example", "whatever-password")

    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_login_ignores_offsite_next(client):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": BANK_STAFF, "password": "demo-password-1", "next": "https://evil.example/"},
    )

    assert response.headers["Location"] == "/"


def test_bank_dashboard_shows_own_unit_needs(client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/").get_data(as_text=True)

    assert "Your unit's needs" in page
    assert "Post a need" in page


def test_incubator_dashboard_shows_portfolio(client, auth):
    auth.login(ZJ_MANAGER)

    page = client.get("/").get_data(as_text=True)

    assert "In your portfolio" in page
    assert "Post a need" not in page


@pytest.mark.parametrize("email", [ORGANISER, ADMIN])
def test_platform_dashboard_counts_every_status(app, client, auth, email):
    with in_app(app):
        expected = dict(db.session.execute(sa.select(Need.status, sa.func.count()).group_by(Need.status)).all())
    auth.login(email)

    page = client.get("/").get_data(as_text=True)

    stat = r'stat-number">(\d+)</span><span class="stat-label">([^<]+)<'
    stats = {label: int(n) for n, label in re.findall(stat, page)}
    per_status = {status.label: expected.get(status, 0) for status in NeedStatus}
    assert {label: stats.get(label) for label in per_status} == per_status
    assert sum(per_status.values()) > 0


def test_unknown_page_renders_404_template(client, auth):
    auth.login(BANK_STAFF)

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_language_switch_renders_chinese(client, auth):
    auth.login(BANK_STAFF)

    client.post("/language", data={"locale": "zh_Hans", "next": "/needs/"})
    page = client.get("/needs/").get_data(as_text=True)

    assert 'lang="zh-Hans"' in page
    assert "需求" in page
    assert "Needs</a>" not in page


def test_language_choice_survives_sign_in(client, auth):
    client.post("/language", data={"locale": "zh_Hans", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)

    auth.login(ZJ_MANAGER)

    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)


def test_accept_language_picks_chinese_for_anonymous(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)

    assert 'lang="zh-Hans"' in page


def test_chinese_speaking_user_gets_chinese_by_default(client, auth):
    auth.login("lin.yue@bank.example.com")

    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)
