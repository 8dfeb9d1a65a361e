"""Redis stopped and started again under a running app and worker: pages keep working, a change made during the
outage is saved and its background work waits in the outbox (and the person is told), work queued before the
outage survives it, and everything runs once Redis is back."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from rq import Queue, Worker, cron_scheduler_registry
from rq.job import Job

from marketplace.accounts.models import Organisation
from marketplace.core.db import db
from marketplace.jobs.outbox import PendingJob
from marketplace.jobs.queue import relay_pending_jobs
from marketplace.rankings.documents import startup_document
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.models import ProfileVector
from marketplace.rankings.services import _hash
from marketplace.startups.models import Listing, Startup
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, ZJ_MANAGER, fresh_postgres_database, seeded_app
from tests.helpers import flask_env, need_id
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.integration

WAITING = "is waiting because the job queue is not answering"


@pytest.fixture(scope="module")
def outage():
    with PrivateRedis() as redis:
        app = seeded_app(fresh_postgres_database("innomatch_test_redis_outage"), REDIS_URL=redis.url(0))
        redis.client().flushdb()  # what seeding queued; its indexes are already built
        with app.app_context():
            db.session.execute(sa.delete(PendingJob))
            db.session.commit()
        yield app, redis
        app.extensions["innomatch.db"].engine.dispose()


def flask_process(app, redis, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "marketplace", *args],
        env=flask_env(app, redis.url(0)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def worker(app, redis, *queues: str, burst: bool) -> subprocess.Popen:
    return flask_process(app, redis, "worker", *queues, *(["--burst"] if burst else []))


def cron_schedulers(redis) -> set[str]:
    return set(cron_scheduler_registry.get_keys(redis.client()))


def startups_listed_by(app, slug: str) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Listing.startup_id)
                .join(Organisation, Organisation.id == Listing.incubator_id)
                .where(Organisation.slug == slug)
                .order_by(Listing.startup_id)
            )
        )


def signed_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    return client


def edit_description(client, startup_id: int, text: str):
    with client.application.app_context():
        startup = db.session.get(Startup, startup_id)
        name, version = startup.name, startup.version
    return client.post(
        f"/startups/{startup_id}/edit",
        data={"name": name, "description": text, "stage": "seed", "version": str(version)},
        follow_redirects=True,
    )


def vector_is_current(app, startup_id: int) -> bool:
    with app.app_context():
        db.session.expire_all()
        startup = db.session.get(Startup, startup_id)
        row = db.session.scalar(
            sa.select(ProfileVector).where(
                ProfileVector.kind == ProfileKind.STARTUP, ProfileVector.entity_id == startup_id
            )
        )
        return row is not None and row.content_hash == _hash(engine().model_id, startup_document(startup))


def pending_jobs(app) -> list[PendingJob]:
    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(sa.select(PendingJob)))


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_work_survives_a_redis_outage_and_runs_when_it_is_back(outage):
    app, redis = outage
    first, second = startups_listed_by(app, "zhangjiang-incubator")[:2]
    mail_worker = worker(app, redis, "email", burst=False)  # stays up through the outage
    clock = flask_process(app, redis, "clock")  # so does the clock, which enqueues the periodic jobs
    assert wait_until(lambda: len(Worker.all(connection=redis.client())) == 1, 60), "the worker did not start"
    assert wait_until(lambda: len(cron_schedulers(redis)) == 1, 60), "the clock did not start"
    manager = signed_in(app, ZJ_MANAGER)
    staff = signed_in(app, BANK_STAFF)

    # Before the outage: a change whose indexing job waits in Redis (no matching worker is running).
    before = edit_description(manager, first, "Cold-chain sensors for pledged grain, before the outage.")
    assert before.status_code == 200 and WAITING not in before.get_data(as_text=True)
    queued_before = Queue("matching", connection=redis.client()).job_ids
    assert len(queued_before) == 1 and pending_jobs(app) == []

    redis.stop()

    # During the outage: pages answer, probes say what is wrong, and a change is saved with a clear message.
    for path in ("/needs/", "/startups/", f"/needs/{need_id(app, 'mpc-blockchain-cryptography')}"):
        assert staff.get(path).status_code == 200, path
    assert app.test_client().get("/healthz").status_code == 200
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["redis"] == "unreachable"
    assert signed_in(app, BANK_STAFF).get("/").status_code == 200  # sign-in's rate limits fall back to memory
    during = edit_description(manager, second, "Cold-chain sensors for pledged grain, during the outage.")
    assert during.status_code == 200
    assert WAITING in during.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Startup, second).description.endswith("during the outage.")
    waiting = pending_jobs(app)
    assert [(job.func, job.queue, job.kwargs) for job in waiting] == [
        ("marketplace.rankings.jobs.index_profiles", "matching", {"kind": "startup", "ids": [second]})
    ]
    late_worker = worker(app, redis, "email", burst=True)  # started during the outage: waits for Redis
    time.sleep(3)
    assert mail_worker.poll() is None, "a running worker must wait for Redis, not exit"
    assert late_worker.poll() is None, "a worker started during the outage must wait for Redis, not exit"
    assert clock.poll() is None, "the clock must wait for Redis, not exit"

    redis.start()

    # After: the job queued before the outage is still there; a worker relays the waiting one and runs both.
    assert queued_before[0] in Queue("matching", connection=redis.client()).job_ids
    late_output, _ = late_worker.communicate(timeout=120)
    assert late_worker.returncode == 0, late_output
    run = worker(app, redis, "matching", "default", burst=True)
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 0, output
    assert pending_jobs(app) == []
    assert vector_is_current(app, first) and vector_is_current(app, second)

    # The worker that lived through the outage takes new work again.
    with app.app_context():
        job = Queue("email", connection=redis.client()).enqueue("marketplace.jobs.queue.relay_pending_jobs")
    finished = wait_until(lambda: Job.fetch(job.id, connection=redis.client()).get_status() == "finished", 90)
    mail_worker.terminate()
    output, _ = mail_worker.communicate(timeout=30)
    assert finished, f"the worker that lived through the outage did not take new work within 90 s:\n{output}"
    # The clock is still there: its scheduler either slept through the outage or was started again.
    assert clock.poll() is None and cron_schedulers(redis), "the clock did not survive the outage"
    clock.terminate()
    clock.wait(timeout=30)


def test_the_outbox_is_relayed_once_even_when_asked_twice(outage):

    app, redis = outage
    redis.client().flushdb()
    with app.app_context():
        db.session.add_all(
            [PendingJob(func="marketplace.jobs.queue.relay_pending_jobs", queue="default", kwargs={}) for _ in range(3)]
        )
        db.session.commit()
        assert relay_pending_jobs() == 3
        assert relay_pending_jobs() == 0
    assert Queue("default", connection=redis.client()).count == 3
    assert pending_jobs(app) == []
