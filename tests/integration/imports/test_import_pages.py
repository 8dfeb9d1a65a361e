"""The upload → map → progress → report flow through the web, and who may use it."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.imports.mapping import auto_map
from marketplace.imports.models import ImportBatch
from marketplace.imports.reading import read_table
from marketplace.startups.models import Startup
from tests.conftest import BANK_STAFF, PNP_MANAGER, ZJ_MANAGER
from tests.integration.imports.test_import_startups import gbk_csv, xlsx

pytestmark = pytest.mark.integration


def upload(client, data: bytes, name: str = "portfolio.xlsx"):
    return client.post("/imports/new", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_upload_map_and_run_an_import(app, client, auth):
    auth.login(ZJ_MANAGER)

    response = upload(client, xlsx())
    assert response.status_code == 302
    mapping_page = client.get(response.headers["Location"])
    page = mapping_page.get_data(as_text=True)
    assert "链融科技" in page  # preview
    assert 'value="name" selected' in page  # 公司名称 auto-mapped
    form = {
        f"col-{i}": f
        for i, f in enumerate(
            [
                "external_id",
                "name",
                "website",
                "description",
                "founded_year",
                "stage",
                "team_size",
                "sectors",
                "contact_email",
            ]
        )
    }
    started = client.post(response.headers["Location"], data=form)

    assert started.status_code == 302
    status = client.get(started.headers["Location"] + "/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100  # no Redis: ran in-process
    assert status["counts"] == {"imported": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch).order_by(ImportBatch.id.desc()))
        assert batch.data == b""  # the upload is not kept
        assert db.session.scalar(sa.select(sa.func.count()).where(Startup.name == "链融科技")) == 1


def test_rejected_rows_download_neutralises_formulas(app, client, auth):
    auth.login(ZJ_MANAGER)
    bad = [["ZJ-X", '=HYPERLINK("http://evil")', "evil.example", "x", "2099", "", "", "", ""]]
    location = upload(client, gbk_csv(bad), "bad.csv").headers["Location"]
    detail = client.post(
        location,
        data={f"col-{i}": f for i, f in enumerate(["external_id", "name", "website", "description", "founded_year"])},
    ).headers["Location"]

    csv_text = client.get(detail + "/rejected.csv").get_data(as_text=True)

    assert "'=HYPERLINK" in csv_text
    assert "The founding year cannot be in the future." in csv_text


def test_rejected_rows_download_neutralises_the_uploaded_headers_too(app, client, auth):
    """Security review, finding 12: a header cell came back raw."""
    auth.login(ZJ_MANAGER)
    headers = ["=2+5*cmd|' /C calc'!A0", "公司名称", "成立时间"]
    data = ("\n".join([",".join(f'"{h}"' for h in headers), '"x","Bad Year Co","2099"']) + "\n").encode("utf-8")
    location = upload(client, data, "headers.csv").headers["Location"]
    detail = client.post(location, data={"col-1": "name", "col-2": "founded_year"}).headers["Location"]

    first_line = client.get(detail + "/rejected.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()[0]

    assert first_line.startswith("'=2+5*cmd"), first_line


def test_unreadable_upload_is_refused_with_a_message(client, auth):
    auth.login(ZJ_MANAGER)

    response = upload(client, b"PK\x03\x04 broken", "sheet.xlsx")

    assert response.status_code == 400
    assert "not an Excel workbook" in response.get_data(as_text=True)


def test_mapping_without_name_is_refused(client, auth):
    auth.login(ZJ_MANAGER)
    location = upload(client, xlsx()).headers["Location"]

    response = client.post(location, data={"col-0": "external_id", "col-2": "website"})

    assert response.status_code == 400
    assert "Map one column to the startup&#39;s name." in response.get_data(as_text=True)


def test_too_large_upload_gets_413(app, client, auth):
    auth.login(ZJ_MANAGER)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = upload(client, b"x" * 4096, "big.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]

    assert response.status_code == 413


def test_bank_staff_cannot_import(client, auth):
    auth.login(BANK_STAFF)

    assert client.get("/imports/new").status_code == 403


def test_other_incubator_cannot_see_an_import(client, auth):
    auth.login(ZJ_MANAGER)
    location = upload(client, xlsx()).headers["Location"]
    auth.logout()

    auth.login(PNP_MANAGER)

    assert client.get(location).status_code == 404
    assert client.get(location.replace("/mapping", "/status")).status_code == 404


@pytest.mark.parametrize(("language", "first_header"), [("en", "CRM ID"), ("zh_Hans", "企业编号")])
def test_template_downloads_in_the_users_language_and_maps_itself(client, auth, language, first_header):

    auth.login(ZJ_MANAGER)
    client.post("/language", data={"locale": language, "next": "/"})

    table = read_table(client.get("/imports/template.xlsx").data)

    assert table.headers[0] == first_header
    assert len(auto_map(table.headers)) == len(table.headers)


def test_row_cap_is_enforced_with_a_message(app, client, auth):
    auth.login(ZJ_MANAGER)
    app.config["IMPORT_MAX_ROWS"] = 1
    try:
        response = upload(client, xlsx())
    finally:
        app.config["IMPORT_MAX_ROWS"] = 20_000

    assert response.status_code == 400
    assert "The file has more than 1 rows; the limit is 1." in response.get_data(as_text=True)


def test_failed_import_shows_why_and_can_be_retried(app, client, auth):
    auth.login(ZJ_MANAGER)
    location = upload(client, xlsx()).headers["Location"]
    batch_id = int(location.split("/")[2])
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        good = batch.data
        batch.data = b"\x00garbage"  # the stored upload went bad before the job read it
        db.session.commit()

    detail = client.post(location, data={"col-1": "name"}).headers["Location"]
    failed = client.get(detail).get_data(as_text=True)
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.data = good
        db.session.commit()
    retried = client.post(detail + "/retry")

    assert "The import stopped: UnreadableFile" in failed
    assert retried.status_code == 302
    assert client.get(detail + "/status").get_json()["status"] == "done"


def test_a_finished_import_says_done_and_links_its_result(app, client, auth):
    auth.login(ZJ_MANAGER)
    location = upload(client, xlsx()).headers["Location"]
    form = {
        f"col-{i}": f
        for i, f in enumerate(
            [
                "external_id",
                "name",
                "website",
                "description",
                "founded_year",
                "stage",
                "team_size",
                "sectors",
                "contact_email",
            ]
        )
    }
    detail = client.post(location, data=form).headers["Location"]

    page = client.get(detail).get_data(as_text=True)

    assert "The import is done." in page and 'href="#counts"' in page
    assert "the import goes on" not in page


def test_rejection_reasons_are_shown_in_the_readers_language(app, client, auth):
    """The reasons were stored in the uploader's language; now a code and its parameters."""
    auth.login(ZJ_MANAGER)
    client.post("/language", data={"locale": "zh_Hans"})
    bad = [["ZJ-Y", "Future Year Co", "future.example", "x", "2099", "", "", "", ""]]
    location = upload(client, gbk_csv(bad), "bad.csv").headers["Location"]
    detail = client.post(
        location,
        data={f"col-{i}": f for i, f in enumerate(["external_id", "name", "website", "description", "founded_year"])},
    ).headers["Location"]
    in_chinese = client.get(detail).get_data(as_text=True)

    client.post("/language", data={"locale": "en"})
    in_english = client.get(detail).get_data(as_text=True)
    csv_text = client.get(detail + "/rejected.csv").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).rejections

    assert "成立年份不能晚于今年。" in in_chinese
    assert "The founding year cannot be in the future." in in_english
    assert "The founding year cannot be in the future." in csv_text
    assert stored[0]["code"] == "founded_in_future"
