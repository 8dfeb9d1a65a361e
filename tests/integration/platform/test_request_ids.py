"""Request ids: every log record made while a request runs carries the id sent back in X-Request-ID; a
sane incoming id is kept and any other replaced; the access line has the fields and no secrets; jobs
queued to rq carry the id in their meta."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import template_rendered

from marketplace.accounts.tokens import create_token
from marketplace.core.db import unit_of_work
from marketplace.core.logging_setup import JsonFormatter
from marketplace.core.request_ids import HEADER, REDACTED, bound_request_id
from marketplace.events.feeds import feed_token
from marketplace.jobs import queue as jobs
from tests.conftest import BANK_STAFF
from tests.helpers import user

pytestmark = pytest.mark.integration

NEW_ID = re.compile(r"[0-9a-f]{32}")


def _log_while_rendering(sender, template, context, **extra):
    logging.getLogger("tests.view").warning("rendering %s", template.name)


def request_logs(app, client, caplog, path: str, **kwargs):
    """The response and the records logged while it was made: one from inside the view (a template being
    rendered) and the access line."""
    caplog.clear()
    with caplog.at_level(logging.INFO), template_rendered.connected_to(_log_while_rendering, app):
        response = client.get(path, **kwargs)
    after = logging.getLogger("tests.view").makeRecord("tests.view", logging.INFO, __file__, 1, "after", (), None)
    return response, [r for r in caplog.records if r.name in ("tests.view", "marketplace.access")], after


def access_line(records) -> logging.LogRecord:
    (line,) = [r for r in records if r.name == "marketplace.access"]
    return line


def test_every_record_of_a_request_carries_the_id_sent_back(app, client, caplog):
    response, records, after = request_logs(app, client, caplog, "/login")

    request_id = response.headers[HEADER]
    assert NEW_ID.fullmatch(request_id)
    assert {r.name for r in records} == {"tests.view", "marketplace.access"}
    assert {r.request_id for r in records} == {request_id}
    assert after.request_id is None  # the id ends with its request
    assert client.get("/login").headers[HEADER] != request_id  # a new one per request


def test_a_sane_incoming_id_is_kept(app, client, caplog):
    response, records, _ = request_logs(app, client, caplog, "/login", headers={HEADER: "lb-7f3a.req_42"})

    assert response.headers[HEADER] == "lb-7f3a.req_42"
    assert {r.request_id for r in records} == {"lb-7f3a.req_42"}


@pytest.mark.parametrize("incoming", ["two words", "x" * 65, "id;rm -rf", "<script>"])
def test_an_insane_incoming_id_is_replaced(app, client, caplog, incoming):
    response, records, _ = request_logs(app, client, caplog, "/login", headers={HEADER: incoming})

    request_id = response.headers[HEADER]
    assert NEW_ID.fullmatch(request_id) and request_id != incoming
    assert {r.request_id for r in records} == {request_id}


def test_the_access_line_has_the_fields_and_no_query_string(app, client, auth, caplog):
    auth.login(BANK_STAFF)
    with app.app_context():
        staff_id = user(BANK_STAFF).id

    response, records, _ = request_logs(app, client, caplog, "/needs/?q=secret-search&token=abc")

    entry = json.loads(JsonFormatter().format(access_line(records)))
    assert response.status_code == 200
    assert (entry["method"], entry["path"], entry["status"], entry["user_id"]) == ("GET", "/needs/", 200, staff_id)
    assert entry["request_id"] == response.headers[HEADER] and entry["duration_ms"] >= 0
    assert entry["message"].startswith("GET /needs/ 200 ")
    assert "secret-search" not in json.dumps(entry) and "token=" not in json.dumps(entry)


def test_api_requests_log_the_token_owner_never_the_token(app, client, caplog):

    with app.app_context(), unit_of_work():
        staff = user(BANK_STAFF)
        secret = create_token(user=staff, name="log test", can_write=False)[1]
        staff_id = staff.id

    response, records, _ = request_logs(
        app, client, caplog, "/api/v1/needs", headers={"Authorization": f"Bearer {secret}"}
    )

    line = access_line(records)
    assert response.status_code == 200 and line.user_id == staff_id
    assert secret not in JsonFormatter().format(line)


def test_a_calendar_feed_token_in_the_path_is_redacted(app, client, caplog):

    with app.app_context():
        token = feed_token(user(BANK_STAFF))

    response, records, _ = request_logs(app, client, caplog, f"/events/feeds/{token}.ics")

    line = access_line(records)
    assert response.status_code == 200
    assert line.path == f"/events/feeds/{REDACTED}.ics" and line.user_id is None
    assert token not in JsonFormatter().format(line)


def test_probe_access_lines_are_debug(app, client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/healthz")

    assert access_line(caplog.records).levelno == logging.DEBUG


def test_jobs_queued_to_rq_carry_the_request_id(ctx, monkeypatch):

    queued = []

    class FakeQueue:
        def __init__(self, name, connection):
            self.name = name

        def enqueue(self, func, **options):
            queued.append((self.name, func, options))

    monkeypatch.setattr(jobs, "redis_connection", lambda: object())
    monkeypatch.setattr(jobs, "Queue", FakeQueue)

    with bound_request_id("req-5"), unit_of_work():
        jobs.enqueue("marketplace.notifications.jobs.deliver_email", queue="email", message_id=1)
    with unit_of_work():  # a CLI command or the clock: no request
        jobs.enqueue("marketplace.notifications.jobs.deliver_email", queue="default", message_id=2)

    (_, _, with_request), (_, _, without) = queued
    assert with_request["meta"] == {jobs.REQUEST_ID_META: "req-5"} and with_request["kwargs"] == {"message_id": 1}
    assert without["meta"] is None
