"""Incubators' own systems import through the JSON API with per-user tokens."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import ApiToken
from marketplace.accounts.tokens import create_token, revoke_token
from marketplace.core.db import db, unit_of_work
from marketplace.startups.models import Startup
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, org, user
from tests.integration.imports.test_import_startups import xlsx

pytestmark = pytest.mark.integration

RECORDS = [
    {
        "name": "Api Robotics",
        "website": "api-robotics.example",
        "description": "Warehouse robots.",
        "founded": 2020,
        "id": "API-1",
    }
]


def token_for(app, email: str, *, write: bool = True) -> str:
    with in_app(app), unit_of_work():
        _token, secret = create_token(user=user(email), name="crm sync", can_write=write)
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_import_json_records_with_a_write_token(app, client):
    secret = token_for(app, ZJ_MANAGER)

    response = client.post(
        "/api/v1/imports", data=json.dumps(RECORDS), headers=bearer(secret), content_type="application/json"
    )

    body = response.get_json()
    assert response.status_code == 201  # no Redis: finished before answering
    assert body["counts"] == {"imported": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    status = client.get(response.headers["Location"], headers=bearer(secret)).get_json()
    assert status["status"] == "done"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Startup.name == "Api Robotics")) == 1


def test_import_xlsx_file_as_multipart(app, client):
    secret = token_for(app, ZJ_MANAGER)

    response = client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(xlsx()), "p.xlsx")},
        headers=bearer(secret),
        content_type="multipart/form-data",
    )

    assert response.get_json()["counts"]["imported"] == 2


def test_missing_wrong_or_revoked_token_is_401(app, client):
    secret = token_for(app, ZJ_MANAGER)
    with app.app_context(), unit_of_work():
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == secret[:12]))
        revoke_token(user=user(ZJ_MANAGER), token=token)

    for headers in ({}, bearer("imt_not-a-real-token"), bearer(secret)):
        response = client.post("/api/v1/imports", data="[]", headers=headers, content_type="application/json")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"


def test_read_only_token_cannot_import(app, client):
    secret = token_for(app, ZJ_MANAGER, write=False)

    response = client.post(
        "/api/v1/imports", data=json.dumps(RECORDS), headers=bearer(secret), content_type="application/json"
    )

    assert response.status_code == 403


def test_bank_staff_token_cannot_import(app, client):
    secret = token_for(app, BANK_STAFF)

    response = client.post(
        "/api/v1/imports", data=json.dumps(RECORDS), headers=bearer(secret), content_type="application/json"
    )

    assert response.status_code == 422  # a bank unit is not an incubator


def test_incubator_cannot_import_for_another_or_read_its_imports(app, client):
    zj = token_for(app, ZJ_MANAGER)
    pnp = token_for(app, PNP_MANAGER)
    with app.app_context():
        pnp_id = org("plug-and-play").id
    created = client.post(
        "/api/v1/imports", data=json.dumps(RECORDS), headers=bearer(zj), content_type="application/json"
    )

    assert (
        client.post(
            f"/api/v1/imports?incubator_id={pnp_id}",
            data=json.dumps(RECORDS),
            headers=bearer(zj),
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.get(created.headers["Location"], headers=bearer(pnp)).status_code == 404


def test_organiser_imports_for_a_named_incubator(app, client):
    secret = token_for(app, ORGANISER)
    with app.app_context():
        zj_id = org("zhangjiang-incubator").id

    response = client.post(
        f"/api/v1/imports?incubator_id={zj_id}",
        data=json.dumps(RECORDS),
        headers=bearer(secret),
        content_type="application/json",
    )

    assert response.status_code == 201


def test_unreadable_body_is_a_422_problem(app, client):
    secret = token_for(app, ZJ_MANAGER)

    response = client.post("/api/v1/imports", data="{broken", headers=bearer(secret), content_type="application/json")

    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]


def test_tokens_page_shows_a_new_secret_once(client, auth):
    auth.login(ZJ_MANAGER)

    created = client.post("/account/tokens", data={"name": "crm", "can_write": "y"}).get_data(as_text=True)
    later = client.get("/account/tokens").get_data(as_text=True)

    assert 'id="new-token">imt_' in created
    assert "new-token" not in later and "crm" in later
