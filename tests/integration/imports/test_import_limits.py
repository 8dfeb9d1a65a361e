"""Security review, finding 10: an upload is read no further than the row limit, and a workbook that
unpacks to too much is refused before it is unpacked; the upload page and the API say why, in the
uploader's language, and keep nothing.

The review's two files are built here: a CSV of 8 million two-byte rows just under the upload limit
(it took 38 s and 2 GB), and a workbook of 3 million rows in a few hundred KB (169 s). The bar is
memory: tracemalloc's peak of Python allocations during the whole request, the test client's own
included, against the review's 100 MB. Timings live in bench/upload_limits.py.
"""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.imports.models import ImportBatch
from tests.conftest import ZJ_MANAGER
from tests.integration.imports.test_import_api import bearer, token_for
from tests.upload_files import MB, huge_csv, zip_bomb

pytestmark = pytest.mark.integration

REQUEST_MEMORY = 100 * MB  # the review's bar for extra memory
BOMB_MESSAGE = (
    "The workbook is too large once unpacked: xl/worksheets/sheet1.xml holds more than 64 MB. "
    "Split it into smaller files."
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def batches(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))


def measured(send):
    """The response and the peak of Python allocations while the request ran."""
    tracemalloc.start()
    try:
        response = send()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def upload_file(client, path, name: str, headers: dict | None = None, url: str = "/imports/new"):
    with path.open("rb") as fh:
        return client.post(url, data={"file": (fh, name)}, headers=headers or {}, content_type="multipart/form-data")


def test_a_csv_of_millions_of_rows_is_refused_at_the_row_limit_in_bounded_memory(app, client, auth, tmp_path):
    auth.login(ZJ_MANAGER)
    path = huge_csv(tmp_path / "rows.csv")
    limit = app.config["IMPORT_MAX_ROWS"]
    assert path.stat().st_size < app.config["MAX_UPLOAD_BYTES"]
    before = batches(app)

    response, peak = measured(lambda: upload_file(client, path, "rows.csv"))

    assert peak < REQUEST_MEMORY, f"{peak / MB:.0f} MB"
    assert response.status_code == 400
    assert f"The file has more than {limit} rows; the limit is {limit}." in response.get_data(as_text=True)
    assert batches(app) == before


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(app, client, auth, bomb):
    auth.login(ZJ_MANAGER)
    before = batches(app)

    response, peak = measured(lambda: upload_file(client, bomb, "portfolio.xlsx"))

    assert peak < REQUEST_MEMORY, f"{peak / MB:.0f} MB"
    assert response.status_code == 400
    assert BOMB_MESSAGE in response.get_data(as_text=True)
    assert batches(app) == before


def test_the_upload_page_says_so_in_chinese(app, client, auth, bomb):
    auth.login(ZJ_MANAGER)
    client.post("/language", data={"locale": "zh_Hans", "next": "/"})
    app.config["IMPORT_MAX_ROWS"] = 2
    try:
        too_long = client.post(
            "/imports/new", data={"file": (io.BytesIO(b"name\na\nb\nc\n"), "p.csv")}, content_type="multipart/form-data"
        )
    finally:
        app.config["IMPORT_MAX_ROWS"] = 20_000
    refused = upload_file(client, bomb, "portfolio.xlsx")

    assert too_long.status_code == refused.status_code == 400
    assert "文件超过 2 行，上限为 2 行。请拆分成几个较小的文件。" in too_long.get_data(as_text=True)
    assert "工作簿解压后过大：xl/worksheets/sheet1.xml 超过 64 MB。" in refused.get_data(as_text=True)


def test_the_api_refuses_both_with_a_problem_naming_the_limit(app, client, bomb):
    secret = token_for(app, ZJ_MANAGER)
    before = batches(app)

    refused, peak = measured(lambda: upload_file(client, bomb, "p.xlsx", bearer(secret), url="/api/v1/imports"))
    app.config["IMPORT_MAX_ROWS"] = 2
    try:
        too_long = client.post(
            "/api/v1/imports",
            data=json.dumps([{"name": n} for n in "abc"]),
            headers={**bearer(secret), "Accept-Language": "zh-CN"},
            content_type="application/json",
        )
    finally:
        app.config["IMPORT_MAX_ROWS"] = 20_000

    assert refused.status_code == too_long.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"]["file"] == [BOMB_MESSAGE]
    assert too_long.get_json()["errors"]["file"] == ["文件超过 2 行，上限为 2 行。请拆分成几个较小的文件。"]
    assert peak < REQUEST_MEMORY, f"{peak / MB:.0f} MB"
    assert batches(app) == before


def test_the_job_reads_the_upload_a_chunk_at_a_time_and_keeps_each_rejected_row(app, client, auth):
    """Three chunks (250 rows each) read from one stream: the rows of the last one line up with their
    numbers in the file."""
    auth.login(ZJ_MANAGER)
    named = {0: "Chunk One Co", 260: "Chunk Two Co", 520: "Chunk Three Co"}
    lines = ["name,website"] + [f"{named.get(i, '')},row-{i}.example" for i in range(521)]
    location = client.post(
        "/imports/new",
        data={"file": (io.BytesIO("\n".join(lines).encode()), "chunks.csv")},
        content_type="multipart/form-data",
    ).headers["Location"]

    detail = client.post(location, data={"col-0": "name", "col-1": "website"}).headers["Location"]

    status = client.get(detail + "/status").get_json()
    assert status["status"] == "done" and status["total"] == 521
    assert status["counts"]["imported"] == 3 and status["counts"]["rejected"] == 518
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch).order_by(ImportBatch.id.desc()))
        by_row = {r["row"]: r["values"] for r in batch.rejections}
    assert by_row[2 + 519] == {"name": "", "website": "row-519.example"}  # file row 521: the last chunk
    assert by_row[2 + 250] == {"name": "", "website": "row-250.example"}
