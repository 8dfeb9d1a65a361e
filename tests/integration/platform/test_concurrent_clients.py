"""Parallel clients on the pages that write as they read, against a live server on SQLite (the embedded
default) and PostgreSQL: zero 500s (security review, finding 3).

Every API call stamps its token's last use, every need page records the visit; two managers accept the same
terms at once; two clients move the same candidate from the same version (one wins, the other gets 409).
Finding 17: parallel replacing edits of a need and a startup from one version (one saved, the rest 409), parallel
stale edit forms, and one new-need form sent three times at once (one draft).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from marketplace.accounts.tokens import create_token
from marketplace.core.db import SQLITE_BUSY_TIMEOUT_MS, db, unit_of_work
from marketplace.needs.forms import NEED_FIELDS
from marketplace.needs.models import Need
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Startup, StartupInput
from tests.conftest import DEMO_PASSWORD, PNP_MANAGER, ZJ_MANAGER, database_url, seeded_app
from tests.helpers import served, user

pytestmark = pytest.mark.integration

USERS = 8
ROUNDS = 5
PEOPLE = [
    ZJ_MANAGER,
    PNP_MANAGER,
    "manager@xnode.example",
    "staff@bank.example.com",
    "trade@bank.example.com",
    "organiser@innomatch.example",
    "lab@bank.example.com",
    "admin@innomatch.example",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    url = database_url(request.param, Path(tmp_path_factory.mktemp("concurrency")), "innomatch_concurrency")
    app = seeded_app(url)
    with served(app) as base:
        yield base, app
    app.extensions["innomatch.db"].engine.dispose()


def tokens_for(app, emails) -> dict[str, str]:

    with app.app_context(), unit_of_work():
        return {email: create_token(user=user(email), name="parallel", can_write=True)[1] for email in emails}


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{base}/login", data={"email": email, "password": DEMO_PASSWORD}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return session


def need_ids(app) -> dict[str, int]:

    with app.app_context():
        return dict(db.session.execute(sa.select(Need.slug, Need.id)).all())


def test_parallel_users_get_no_server_errors(live):
    base, app = live
    tokens = tokens_for(app, PEOPLE)
    needs = need_ids(app)
    pages = [f"/needs/{needs['healthcare-ecosystem-it']}", f"/needs/{needs['iot-collateral-monitoring']}"]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def user_rounds(email: str) -> None:
        browser = signed_in(base, email)
        api = {"Authorization": f"Bearer {tokens[email]}"}
        for round_ in range(ROUNDS):
            for path, answer in (
                ("/api/v1/needs", requests.get(f"{base}/api/v1/needs", headers=api, timeout=60)),
                (pages[round_ % 2], browser.get(f"{base}{pages[round_ % 2]}", timeout=60)),
            ):
                with lock:
                    statuses.append((path, answer.status_code))

    with ThreadPoolExecutor(USERS) as pool:
        list(pool.map(user_rounds, PEOPLE))

    errors = [(path, status) for path, status in statuses if status >= 500]
    assert not errors, errors
    assert len(statuses) == USERS * ROUNDS * 2 and {s for _p, s in statuses} == {200}


def test_double_submits_and_racing_moves_answer_cleanly(live):
    base, app = live
    needs = need_ids(app)
    confidential = needs["medical-insurance-fraud-detection"]
    tokens = tokens_for(app, ["lab@bank.example.com"])
    browsers = [signed_in(base, PNP_MANAGER) for _ in range(4)]

    with ThreadPoolExecutor(4) as pool:
        accepted = list(
            pool.map(
                lambda b: b.post(f"{base}/needs/{confidential}/terms", allow_redirects=False, timeout=60).status_code,
                browsers,
            )
        )
    assert accepted == [302] * 4, accepted

    with app.app_context():
        candidate = db.session.scalar(
            sa.select(Candidate)
            .where(Candidate.need_id == needs["mpc-blockchain-cryptography"])
            .order_by(Candidate.id)
            .limit(1)
        )
        candidate_id, version = candidate.id, candidate.version
    api = {"Authorization": f"Bearer {tokens['lab@bank.example.com']}"}
    move = {"to": "declined", "note": "parallel", "version": version}
    with ThreadPoolExecutor(4) as pool:
        moved = sorted(
            pool.map(
                lambda _i: (
                    requests.post(
                        f"{base}/api/v1/candidates/{candidate_id}/moves", json=move, headers=api, timeout=60
                    ).status_code
                ),
                range(4),
            )
        )
    assert moved[-1] < 500 and moved.count(409) >= 3 and moved[0] in (200, 201), moved


def _hidden(page: str, name: str) -> str:
    """A hidden form field's value ("" when the page has none: then the server decides what a form without it
    means)."""
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else ""


def _together(count: int, send) -> list:
    """``send(i)`` from ``count`` threads released at the same moment."""
    start = threading.Barrier(count)

    def one(i):
        start.wait(timeout=30)
        return send(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_parallel_puts_from_one_version_save_one_and_refuse_the_rest(live):
    """Lost updates (finding 17): four clients replace the same need, and the same startup, from the version they
    all read; one is saved, the others get a 409 naming what the winner changed."""
    base, app = live
    needs = need_ids(app)
    api = {"Authorization": f"Bearer {tokens_for(app, ['organiser@innomatch.example'])['organiser@innomatch.example']}"}
    need = requests.get(f"{base}/api/v1/needs/{needs['iot-collateral-monitoring']}", headers=api, timeout=60).json()
    body = {name: need[name] for name in NEED_FIELDS}
    with app.app_context():
        startup_id = db.session.scalar(sa.select(Startup.id).where(Startup.slug == "ruilian-data"))
    startup = requests.get(f"{base}/api/v1/startups/{startup_id}", headers=api, timeout=60).json()
    profile = {name: startup[name] for name in StartupInput.model_fields}

    def put_need(i):
        return requests.put(
            f"{base}/api/v1/needs/{need['id']}",
            headers=api,
            timeout=60,
            json={**body, "title": f"Collateral monitoring, edit {i}", "version": need["version"]},
        )

    def put_startup(i):
        return requests.put(
            f"{base}/api/v1/startups/{startup_id}",
            headers=api,
            timeout=60,
            json={**profile, "city": f"City {i}", "version": startup["version"]},
        )

    for put, url, field in (
        (put_need, f"/api/v1/needs/{need['id']}", "title"),
        (put_startup, f"/api/v1/startups/{startup_id}", "city"),
    ):
        answers = _together(4, put)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 409, 409, 409], statuses
        winner = next(a.json() for a in answers if a.status_code == 200)
        for refused in (a for a in answers if a.status_code == 409):
            assert refused.headers["Content-Type"].startswith("application/problem+json")
            assert refused.json()["changed"] == [field] and refused.json()["version"] == winner["version"]
        now = requests.get(f"{base}{url}", headers=api, timeout=60).json()
        assert now[field] == winner[field] and now["version"] == winner["version"]


def test_parallel_stale_form_edits_save_one_and_show_the_others_what_changed(live):
    """Two people's edit forms of one need, read at the same version, sent at once: one saved, one conflict page."""
    base, app = live
    needs = need_ids(app)
    need = needs["healthcare-ecosystem-it"]
    browsers = [signed_in(base, "organiser@innomatch.example"), signed_in(base, "admin@innomatch.example")]
    pages = [b.get(f"{base}/needs/{need}/edit", timeout=60).text for b in browsers]
    version = _hidden(pages[0], "version")
    with app.app_context():
        current = db.session.get(Need, need)
        form = {
            "title": current.title,
            "summary": current.summary,
            "description": current.description,
            "scenarios": "\n".join(current.scenarios),
            "sector_tags": current.sector_tags,
            "technology_tags": ", ".join(current.technology_tags),
            "pilot_horizon": current.pilot_horizon.value,
            "visibility": current.visibility.value,
            "contact_name": current.contact_name,
            "contact_email": current.contact_email,
            "version": version,
        }

    answers = _together(
        2,
        lambda i: browsers[i].post(
            f"{base}/needs/{need}/edit",
            allow_redirects=False,
            data={**form, "summary": f"Rewritten by person {i} at once."},
            timeout=60,
        ),
    )

    assert sorted(a.status_code for a in answers) == [302, 409], [a.status_code for a in answers]
    lost = next(a for a in answers if a.status_code == 409)
    assert "Someone else changed this need while you were editing it." in lost.text
    assert re.search(r"<dt>Summary</dt>\s*<dd[^>]*>Rewritten by person \d at once.</dd>", lost.text)


def test_a_new_need_form_sent_three_times_at_once_makes_one_draft(live):
    """Duplicate drafts (finding 17): the same new-need form (one token) sent three times in parallel, then once
    more: one draft, and every answer goes to it."""
    base, app = live
    browsers = [signed_in(base, "staff@bank.example.com") for _ in range(3)]
    token = _hidden(browsers[0].get(f"{base}/needs/new", timeout=60).text, "form_token")
    title = "Parallel double-submit of one form"
    form = {
        "title": title,
        "summary": "The same form, sent three times at once.",
        "pilot_horizon": "h1",
        "visibility": "public",
        "form_token": token,
    }

    answers = _together(
        3, lambda i: browsers[i].post(f"{base}/needs/new", data=form, allow_redirects=False, timeout=60)
    )
    answers.append(browsers[0].post(f"{base}/needs/new", data=form, allow_redirects=False, timeout=60))

    assert [a.status_code for a in answers] == [302] * 4, [(a.status_code, a.text[:200]) for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == title)) == 1


def test_a_sqlite_file_locked_by_another_process_answers_503_and_readyz_says_so(tmp_path):
    """Another process holds SQLite's write lock (a backup tool, a stuck script): reads still answer (the need
    page's visit is skipped), a write waits for the busy timeout and then answers 503 with Retry-After, and
    /readyz is 503 "locked" until the lock is free."""

    url = database_url("sqlite", tmp_path, "innomatch_locked")
    app = seeded_app(url)
    needs = need_ids(app)
    client = app.test_client()
    answer = client.post("/login", data={"email": PNP_MANAGER, "password": DEMO_PASSWORD})
    assert answer.status_code == 302
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["database"] == "locked"

        page = client.get(f"/needs/{needs['healthcare-ecosystem-it']}")
        assert page.status_code == 200

        write = client.post(f"/needs/{needs['medical-insurance-fraud-detection']}/terms")
        assert write.status_code == 503 and write.headers["Retry-After"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/readyz").status_code == 200
    assert client.post(f"/needs/{needs['medical-insurance-fraud-detection']}/terms").status_code == 302
    assert SQLITE_BUSY_TIMEOUT_MS <= 10_000  # a request waits at most this long for the lock
    app.extensions["innomatch.db"].engine.dispose()
