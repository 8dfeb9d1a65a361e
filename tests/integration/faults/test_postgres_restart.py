"""PostgreSQL restarted or stopped under traffic: requests fail cleanly (a 503 that says so, never a 500 or a
hung request), nothing is half-written, and the same app object recovers by itself once the database is back
(pool pre-ping), without a restart.

A private cluster (tests/private_postgres.py) so that stopping it disturbs nobody else; the app is served by a
real threaded server and signed-in clients keep requesting pages from several threads while we cut the database.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
import pytest
import requests
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from rq import Queue
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from werkzeug.serving import make_server

from marketplace.core.db import db, unit_of_work
from tests.conftest import BANK_STAFF, DB_PREFIX, DEMO_PASSWORD, seeded_app
from tests.helpers import flask_env, form_token
from tests.integration.imports.test_import_api import bearer, token_for
from tests.private_postgres import PrivatePostgres
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.integration

MESSAGE = "The database is not answering. Nothing was saved; try again in a moment."
REQUEST_BOUND_SECONDS = 12.0  # no request may take longer: connect timeout (5 s) plus a loaded machine's slack
RECOVERY_BOUND_SECONDS = 10.0  # from "the database accepts connections" to every page answering 200 again
OUTAGE_SECONDS = 2.0
CLONED_SLUG = "education-ecosystem-it"  # published, owned by the bank staff member's unit
SLOW_PATH = "/__fault/slow-write"
PAUSE_SECONDS = 0.01  # between one client's requests: continuous traffic that leaves the 2 cores some air


@dataclass
class Outcome:
    path: str
    started: float
    seconds: float
    status: int | None
    problem: str = ""  # why this answer is not clean; empty when it is


@dataclass
class Served:
    app: object
    base: str
    cluster: PrivatePostgres
    need_id: int
    api_secret: str
    cookies: dict = field(default_factory=dict)

    @property
    def engine(self) -> sa.Engine:
        return self.app.extensions["innomatch.db"].engine

    def dsn(self) -> str:
        return self.cluster.dsn(self.app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1])

    def client(self) -> requests.Session:
        client = requests.Session()
        client.cookies.update(self.cookies)
        return client


def _slow_write(need_id: int):
    """Changes a row, then waits inside the same transaction for the database to go away under it."""
    with unit_of_work() as session:
        session.execute(sa.text("UPDATE need SET title = title || ' (half-written)' WHERE id = :id"), {"id": need_id})
        session.execute(sa.text("SELECT pg_sleep(30)"))
    return "committed"


@pytest.fixture(scope="module")
def served():
    with PrivatePostgres() as cluster:
        app = seeded_app(cluster.create_database(DB_PREFIX + "innomatch_faults"))
        with app.app_context():
            need_id = db.session.scalar(sa.text("SELECT id FROM need WHERE slug = :s"), {"s": CLONED_SLUG})
        app.add_url_rule(f"{SLOW_PATH}/<int:need_id>", "fault_slow_write", _slow_write, methods=["POST"])
        secret = token_for(app, BANK_STAFF, write=False)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        result = Served(app, f"http://127.0.0.1:{server.server_port}", cluster, need_id, secret)
        login = requests.post(
            f"{result.base}/login",
            data={"email": BANK_STAFF, "password": DEMO_PASSWORD},
            allow_redirects=False,
            timeout=30,
        )
        assert login.status_code == 302, login.text[:500]
        result.cookies = login.cookies.get_dict()
        try:
            yield result
        finally:
            server.shutdown()
            thread.join(timeout=10)
            result.engine.dispose()


def targets(served: Served) -> list[tuple[str, dict]]:
    """Pages that each need the database, the liveness probe, and one API read."""
    return [
        ("/needs/", {}),
        ("/startups/", {}),
        (f"/needs/{served.need_id}", {}),
        ("/healthz", {}),
        ("/api/v1/needs", bearer(served.api_secret)),
    ]


def judge(path: str, response: requests.Response) -> str:
    """Empty when the answer is clean: a 200, or the right kind of 503 for this path."""
    status, kind = response.status_code, response.headers.get("Content-Type", "")
    if status == 200:
        return ""
    if status != 503:
        return f"status {status}: {response.text[:300]!r}"
    if path == "/healthz":
        return "" if response.json().get("database") == "unreachable" else f"healthz body {response.text!r}"
    if response.headers.get("Retry-After") != "5":
        return f"503 without Retry-After: {dict(response.headers)}"
    if path.startswith("/api/"):
        body = response.json()
        return "" if kind.startswith("application/problem+json") and body.get("status") == 503 else f"API {body}"
    if not kind.startswith("text/html") or MESSAGE not in response.text or "Traceback" in response.text:
        return f"503 page without the message: {response.text[:300]!r}"
    return ""


class Traffic:
    """Signed-in clients requesting every target in turn, from several threads, until stopped."""

    def __init__(self, served: Served, threads: int = 3) -> None:
        self.served = served
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_BOUND_SECONDS + 5)
        assert not any(t.is_alive() for t in self._threads), "a traffic thread is stuck in a request"

    def _run(self, offset: int) -> None:
        client = self.served.client()
        plan = targets(self.served)
        turn = offset
        while not self._stop.is_set():
            path, headers = plan[turn % len(plan)]
            turn += 1
            started = time.monotonic()
            try:
                response = client.get(
                    self.served.base + path, headers=headers, allow_redirects=False, timeout=REQUEST_BOUND_SECONDS + 5
                )
            except requests.RequestException as exc:
                outcome = Outcome(path, started, time.monotonic() - started, None, f"no answer: {exc!r}")
            else:
                outcome = Outcome(
                    path, started, time.monotonic() - started, response.status_code, judge(path, response)
                )
            with self._lock:
                self.outcomes.append(outcome)
            self._stop.wait(PAUSE_SECONDS)

    def since(self, moment: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.started >= moment]

    def everything_answered_200_since(self, moment: float) -> bool:
        done = {o.path for o in self.since(moment) if o.status == 200}
        return done >= {path for path, _headers in targets(self.served)}


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.05)
    pytest.fail(f"waited {seconds:.0f} s for {what}")


def assert_clean(traffic: Traffic) -> None:
    bad = [o for o in traffic.outcomes if o.problem]
    slow = [o for o in traffic.outcomes if o.seconds > REQUEST_BOUND_SECONDS]
    assert not bad, f"{len(bad)} unclean answers, e.g. {bad[:3]}"
    assert not slow, f"requests took longer than {REQUEST_BOUND_SECONDS} s: {slow[:3]}"


def scalar(served: Served, sql: str, params: dict | None = None):
    """One value, read over a connection of our own (not the app's pool, which is what is under test)."""
    with psycopg.connect(served.dsn()) as conn:
        return conn.execute(sql, params).fetchone()[0]


def need_title(served: Served) -> str:
    return scalar(served, "SELECT title FROM need WHERE id = %(id)s", {"id": served.need_id})


def test_a_restart_under_traffic_cuts_a_write_cleanly_and_the_same_app_recovers(served):
    engine, pool = served.engine, served.engine.pool
    title = need_title(served)
    started = time.monotonic()
    with Traffic(served) as traffic:
        wait_for(lambda: traffic.everything_answered_200_since(started), 30, "every page to answer before the restart")
        cut: dict = {}
        writer = threading.Thread(
            target=lambda: cut.update(
                response=served.client().post(
                    f"{served.base}{SLOW_PATH}/{served.need_id}", timeout=REQUEST_BOUND_SECONDS + 5
                )
            ),
            daemon=True,
        )
        writer.start()
        wait_for(
            lambda: scalar(served, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") > 0,
            15,
            "the slow write to wait inside its transaction",
        )
        served.cluster.restart()
        back = time.monotonic()
        writer.join(timeout=REQUEST_BOUND_SECONDS + 5)
        recovered = wait_for(
            lambda: traffic.everything_answered_200_since(back),
            RECOVERY_BOUND_SECONDS,
            "every page to answer 200 again after the restart",
        )

    response = cut.get("response")
    assert response is not None, "the write cut by the restart got no answer"
    assert response.status_code == 503 and MESSAGE in response.text, response.text[:500]
    assert response.headers["Retry-After"] == "5"
    assert need_title(served) == title  # the half-done transaction was rolled back by the server
    assert_clean(traffic)
    assert served.engine is engine and served.engine.pool is pool  # nobody rebuilt or disposed anything
    print(
        f"restart: {len(traffic.outcomes)} requests, {sum(o.status == 503 for o in traffic.outcomes)} answered"
        f" 503, every page 200 again {recovered - back:.2f} s after the restart"
    )


def test_a_stopped_database_answers_503_then_the_same_app_recovers_and_a_retried_write_succeeds(served):
    engine, pool = served.engine, served.engine.pool
    copies = "SELECT count(*) FROM need WHERE title = %(title)s"
    copy_title = {"title": f"Copy of {need_title(served)}"[:200]}
    creations = "SELECT count(*) FROM audit_event WHERE action = 'need.create'"
    before = (scalar(served, copies, copy_title), scalar(served, creations))
    clone_url = f"{served.base}/needs/{served.need_id}/clone"
    clone_form = {"form_token": form_token()}  # one form: the submit the outage cut, then its retry
    started = time.monotonic()
    with Traffic(served) as traffic:
        wait_for(lambda: traffic.everything_answered_200_since(started), 30, "every page to answer before the stop")
        down = time.monotonic()  # from the moment the stop begins: pg_ctl returns once the server is gone
        served.cluster.stop()
        failed_write = served.client().post(
            clone_url, data=clone_form, allow_redirects=False, timeout=REQUEST_BOUND_SECONDS + 5
        )
        chinese = served.client().get(
            f"{served.base}/needs/", headers={"Accept-Language": "zh-CN"}, timeout=REQUEST_BOUND_SECONDS + 5
        )
        wait_for(
            lambda: {o.path for o in traffic.since(down) if o.status == 503} >= {p for p, _h in targets(served)},
            15,
            "every page and the probe to answer 503 while the database is stopped",
        )
        time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
        served.cluster.start()
        back = time.monotonic()
        recovered = wait_for(
            lambda: traffic.everything_answered_200_since(back),
            RECOVERY_BOUND_SECONDS,
            "every page to answer 200 again after the start",
        )

    assert_clean(traffic)
    assert failed_write.status_code == 503 and MESSAGE in failed_write.text, failed_write.text[:500]
    assert failed_write.headers["Retry-After"] == "5"
    assert chinese.status_code == 503 and 'lang="zh-Hans"' in chinese.text and "返回工作台" in chinese.text
    with served.app.test_request_context(), force_locale("zh_Hans"):
        assert gettext(MESSAGE) in chinese.text
    probes = [o for o in sorted(traffic.outcomes, key=lambda o: o.started) if o.path == "/healthz"]
    assert all(o.status == 200 for o in probes if o.started + o.seconds < down)
    assert any(o.status == 503 for o in probes if down <= o.started < back)
    assert probes[-1].status == 200
    assert (scalar(served, copies, copy_title), scalar(served, creations)) == before  # the failed write left nothing

    retried = served.client().post(clone_url, data=clone_form, allow_redirects=False, timeout=REQUEST_BOUND_SECONDS + 5)

    assert retried.status_code == 302 and retried.headers["Location"].endswith("/edit"), retried.text[:500]
    assert (scalar(served, copies, copy_title), scalar(served, creations)) == (before[0] + 1, before[1] + 1)
    assert served.engine is engine and served.engine.pool is pool
    print(
        f"stop: {len(traffic.outcomes)} requests, {sum(o.status == 503 for o in traffic.outcomes)} answered 503,"
        f" every page 200 again {recovered - back:.2f} s after the start"
    )


def test_a_session_whose_connection_was_killed_is_discarded_without_an_error(served):
    """The teardown's close rolls back on a dead connection; that must neither raise (the answer is already
    made) nor leave the broken session behind for the thread's next request."""
    database = served.app.extensions["innomatch.db"]
    with served.app.app_context():
        for _ in range(6):  # psycopg prepares a statement after 5 runs; the rollback then has to deallocate it
            database.session().execute(sa.text("SELECT 1"))
        backend = database.session().execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(served.dsn(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%(pid)s, 5000)", {"pid": backend})

        database.remove_session()

        assert not database.session.registry.has()
        assert database.session().execute(sa.text("SELECT pg_backend_pid()")).scalar() != backend


def test_a_job_that_meets_a_stopped_database_waits_for_it_instead_of_failing(served):
    """Retries run at once, so a job must not spend them while PostgreSQL restarts: the worker waits for the
    database before each job (marketplace.jobs.queue.wait_for_database)."""

    with PrivateRedis() as redis:
        job = Queue("default", connection=redis.client()).enqueue("marketplace.jobs.queue.relay_pending_jobs")
        env = flask_env(served.app, redis.url(0))
        served.cluster.stop()
        try:
            worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "marketplace", "worker", "--burst", "default"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            # The worker is up and its job is waiting for the database (a busy machine takes seconds to start it).
            deadline = time.monotonic() + 60
            while job.id not in StartedJobRegistry("default", connection=redis.client()).get_job_ids():
                assert worker.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
            time.sleep(2)
        finally:
            served.cluster.start()
        output, _ = worker.communicate(timeout=120)

        assert worker.returncode == 0, output
        assert "the job waits for it" in output
        assert FinishedJobRegistry("default", connection=redis.client()).get_job_ids() == [job.id], output
        assert FailedJobRegistry("default", connection=redis.client()).get_job_ids() == []
