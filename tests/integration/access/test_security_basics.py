"""CSRF on forms, cookie flags, and the 500 page leaking nothing."""

from __future__ import annotations

import pytest

from marketplace import create_app
from tests.conftest import BANK_STAFF

pytestmark = pytest.mark.integration


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()

    response = client.post("/login", data={"email": BANK_STAFF, "password": "demo-password-1"})

    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, auth):
    response = auth.login(BANK_STAFF)

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_server_error_page_hides_details(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}", "TESTING": True})
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/__boom", "boom", lambda: 1 / 0)

    response = app.test_client().get("/__boom")

    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)
