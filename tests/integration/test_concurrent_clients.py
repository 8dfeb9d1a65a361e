"""Parallel clients on the pages that write as they read, against a live server on SQLite (the embedded
default) and PostgreSQL: zero 500s (security review, finding 3).

Every API call stamps its token's last use, every need page records the visit; two managers accept the same
terms at once; two clients move the same candidate from the same version (one wins, the other gets 409).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import DEMO_PASSWORD, PNP_MANAGER, ZJ_MANAGER, database_url, seeded_app
from tests.helpers import served

pytestmark = pytest.mark.integration

USERS = 8
ROUNDS = 5
PEOPLE = [ZJ_MANAGER, PNP_MANAGER, "manager@xnode.example", "staff@bank.example.com", "trade@bank.example.com",
          "organiser@innomatch.example", "lab@bank.example.com", "admin@innomatch.example"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    url = database_url(request.param, Path(tmp_path_factory.mktemp("concurrency")), "innomatch_concurrency")
    app = seeded_app(url)
    with served(app) as base:
        yield base, app
    app.extensions["innomatch.db"].engine.dispose()


def tokens_for(app, emails) -> dict[str, str]:
    from marketplace.accounts.tokens import create_token
    from marketplace.db import unit_of_work
    from tests.helpers import user

    with app.app_context(), unit_of_work():
        return {email: create_token(user=user(email), name="parallel", can_write=True)[1] for email in emails}


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{base}/login", data={"email": email, "password": DEMO_PASSWORD}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return session


def need_ids(app) -> dict[str, int]:
    from marketplace.needs.models import Need

    with app.app_context():
        from marketplace.db import db

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
        accepted = list(pool.map(lambda b: b.post(f"{base}/needs/{confidential}/terms", allow_redirects=False,
                                                  timeout=60).status_code, browsers))
    assert accepted == [302] * 4, accepted

    from marketplace.workflow.models import Candidate

    with app.app_context():
        from marketplace.db import db

        candidate = db.session.scalar(sa.select(Candidate).where(
            Candidate.need_id == needs["mpc-blockchain-cryptography"]).order_by(Candidate.id).limit(1))
        candidate_id, version = candidate.id, candidate.version
    api = {"Authorization": f"Bearer {tokens['lab@bank.example.com']}"}
    move = {"to": "declined", "note": "parallel", "version": version}
    with ThreadPoolExecutor(4) as pool:
        moved = sorted(pool.map(lambda _i: requests.post(f"{base}/api/v1/candidates/{candidate_id}/moves", json=move,
                                                         headers=api, timeout=60).status_code, range(4)))
    assert moved[-1] < 500 and moved.count(409) >= 3 and moved[0] in (200, 201), moved


def test_a_sqlite_file_locked_by_another_process_answers_503_and_readyz_says_so(tmp_path):
    """Another process holds SQLite's write lock (a backup tool, a stuck script): reads still answer (the need
    page's visit is skipped), a write waits for the busy timeout and then answers 503 with Retry-After, and
    /readyz is 503 "locked" until the lock is free."""
    import sqlite3

    from marketplace.db import SQLITE_BUSY_TIMEOUT_MS

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
