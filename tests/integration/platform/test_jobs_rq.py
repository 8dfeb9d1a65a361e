"""Jobs through real Redis and a real rq worker process (burst mode) against real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.cron import CronScheduler

from marketplace.accounts.enums import DigestPreference
from marketplace.core.db import db, unit_of_work
from marketplace.needs.enums import NeedStatus
from marketplace.needs.services import change_need_status, create_need
from marketplace.notifications.jobs import deliver_email
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.services import notify
from marketplace.ops.clock import SCHEDULE
from tests.conftest import BANK_STAFF, ORGANISER, fresh_postgres_database, seeded_app
from tests.helpers import user

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NEED = {
    "title": "Queue-backed need",
    "summary": "A need whose review mail goes through rq.",
    "sector_tags": ["sme_finance"],
}


@pytest.fixture(scope="module")
def jobs_app():
    url = fresh_postgres_database("innomatch_test_jobs")
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    app = seeded_app(url, REDIS_URL=REDIS_URL)
    yield app
    redis.flushdb()
    app.extensions["innomatch.db"].engine.dispose()


def run_worker(app) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-worker-secret",
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "marketplace", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_committed_work_reaches_worker_and_is_delivered(jobs_app):
    with jobs_app.app_context():
        staff = user(BANK_STAFF)
        with unit_of_work():
            need = create_need(actor=staff, data=NEED)
        with unit_of_work():
            change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)
        message_id = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.recipient == ORGANISER))
        queued = Queue("email", connection=Redis.from_url(REDIS_URL))
        assert queued.count == 1
        assert db.session.get(OutboxMessage, message_id).sent_at is None

    result = run_worker(jobs_app)

    assert result.returncode == 0, result.stderr
    with jobs_app.app_context():
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message_id)
        assert message.sent_at is not None
        assert message.attempts == 1
        assert queued.count == 0


def test_rolled_back_work_enqueues_nothing(jobs_app):
    queue = Queue("email", connection=Redis.from_url(REDIS_URL))
    with jobs_app.app_context():
        staff = user(BANK_STAFF)
        with pytest.raises(RuntimeError), unit_of_work():
            need = create_need(actor=staff, data={**NEED, "title": "Rolled back need"})
            change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)
            raise RuntimeError("abort")

    assert queue.count == 0


def test_deliver_email_twice_sends_once(jobs_app):
    with jobs_app.app_context():
        with unit_of_work():
            message = OutboxMessage(recipient="x@bank.example.com", subject="s", body="b")
            db.session.add(message)
        deliver_email(message_id=message.id)
        deliver_email(message_id=message.id)
        deliver_email(message_id=10**9)  # gone: returns quietly

        db.session.expire_all()
        assert db.session.get(OutboxMessage, message.id).attempts == 1


def test_the_clock_schedule_runs_on_a_real_worker(jobs_app):
    """What the `clock` process enqueues (rq's cron scheduler) is importable by the worker and does
    its work: here the daily digest of a person who asked for one."""

    conn = Redis.from_url(REDIS_URL)
    with jobs_app.app_context():
        staff = user(BANK_STAFF)
        with unit_of_work():
            staff.digest = DigestPreference.DAILY
            notify([staff], kind="invitation", params={"startup": "Tuition Ledger", "title": "Campus payments"})
    scheduler = CronScheduler(connection=conn)
    for func, queue, cron in SCHEDULE:
        scheduler.register(func, queue_name=queue, cron=cron)
    for cron_job in scheduler.get_jobs():
        cron_job.enqueue(conn)  # as the scheduler does when the time comes

    result = run_worker(jobs_app)

    assert result.returncode == 0, result.stderr
    assert all(Queue(name, connection=conn).count == 0 for _f, name, _c in SCHEDULE)
    assert Queue("default", connection=conn).failed_job_registry.count == 0
    with jobs_app.app_context():
        digest = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.recipient == BANK_STAFF, OutboxMessage.subject.like("%digest%")
            )
        )
        assert digest is not None and "Tuition Ledger" in digest.body and digest.sent_at is not None
