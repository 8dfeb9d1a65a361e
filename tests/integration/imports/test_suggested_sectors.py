"""Untagged imported profiles get sectors suggested from their text; the sector filter uses them; the
importing incubator confirms them on the import's result page."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.startups.models import Startup
from marketplace.startups.queries import startup_ids_where
from tests.conftest import PNP_MANAGER, ZJ_MANAGER

pytestmark = pytest.mark.integration

# Written for this test: one English and one Chinese profile without sectors or tags.
ROWS = [
    {
        "name": "WardFlow Clinics",
        "description": "Hospital bed management and electronic medical records for "
        "clinics; patients book appointments online and doctors follow up after discharge.",
    },
    {
        "name": "慧学课堂",
        "description": "面向中小学的智慧教育平台：教师布置作业、在线课堂和学情分析，学生在手机上完成练习。",
    },
    {
        "name": "PledgeTrack IoT",
        "description": "GPS trackers and warehouse sensors watch pledged vehicles and stock "
        "for lenders, with alerts when collateral moves.",
    },
]


def import_untagged(client) -> str:
    data = "\n".join(json.dumps(row, ensure_ascii=False) for row in ROWS).encode("utf-8")
    location = client.post(
        "/imports/new", data={"file": (io.BytesIO(data), "untagged.jsonl")}, content_type="multipart/form-data"
    ).headers["Location"]
    return client.post(location, data={"col-0": "name", "col-1": "description"}).headers["Location"]


def startup_named(name: str) -> Startup:
    return db.session.scalar(sa.select(Startup).where(Startup.name == name))


def test_untagged_profiles_get_sectors_from_their_text_in_either_language(app, client, auth):
    auth.login(ZJ_MANAGER)
    detail = import_untagged(client)

    page = client.get(detail).get_data(as_text=True)

    with app.app_context():
        english, chinese = startup_named("WardFlow Clinics"), startup_named("慧学课堂")
        assert english.sectors == [] and chinese.sectors == []
        assert english.suggested_sectors[0] == "healthcare"
        assert chinese.suggested_sectors[0] == "education"
        assert startup_named("PledgeTrack IoT").suggested_sectors[0] == "iot_logistics"
        assert english.id in startup_ids_where(sector="healthcare")
        assert chinese.id in startup_ids_where(sector="education")
        assert english.id not in startup_ids_where(sector="education")
    assert "Suggested sectors" in page and 'name="sectors-' in page


def test_confirming_makes_the_sectors_the_profiles_own(app, client, auth):
    auth.login(ZJ_MANAGER)
    detail = import_untagged(client)
    with app.app_context():
        english = startup_named("WardFlow Clinics")
        english_id = english.id

    response = client.post(detail + "/sectors", data={f"sectors-{english_id}": ["healthcare", "enterprise_software"]})

    assert response.status_code == 302
    with app.app_context():
        english = db.session.get(Startup, english_id)
        assert english.sectors == ["healthcare", "enterprise_software"]
        assert english.suggested_sectors == []
        assert startup_named("慧学课堂").suggested_sectors  # not in the form: left as suggested


def test_another_incubator_cannot_confirm_the_batchs_suggestions(app, client, auth):
    auth.login(ZJ_MANAGER)
    batch_id = int(import_untagged(client).rstrip("/").rsplit("/", 1)[-1])
    with app.app_context():
        english_id = startup_named("WardFlow Clinics").id
    auth.logout()
    auth.login(PNP_MANAGER)

    response = client.post(f"/imports/{batch_id}/sectors", data={f"sectors-{english_id}": ["education"]})

    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Startup, english_id).sectors == []


def test_a_startup_outside_the_batch_is_not_changed_through_it(app, client, auth):
    auth.login(ZJ_MANAGER)
    detail = import_untagged(client)
    with app.app_context():
        outsider = db.session.scalar(sa.select(Startup).where(Startup.sectors != sa.null()).order_by(Startup.id))
        outsider_id, before = outsider.id, list(outsider.sectors)

    client.post(detail + "/sectors", data={f"sectors-{outsider_id}": ["education"]})

    with app.app_context():
        assert db.session.get(Startup, outsider_id).sectors == before
