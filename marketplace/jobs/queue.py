"""Queues, enqueue() and the worker command.

Jobs are plain functions taking keyword-only ids, queued by their dotted path
("marketplace.imports.jobs.run_import"), so the service that queues one never imports its jobs module (which
imports the service). With REDIS_URL a job is a row of the outbox (jobs.outbox.PendingJob) written in the
caller's transaction and sent to rq after it commits; when Redis does not answer the row waits for
`relay_pending_jobs` and the person is told. Without REDIS_URL jobs run in this process right after commit, so
the demo needs no server. A job queued during a request carries the request's id in its meta, and the worker
logs the job's lines with it (RequestIdWorker).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import flash, g, has_request_context, request
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.job import Job
from sqlalchemy.exc import SQLAlchemyError

from marketplace.core.db import after_commit, db
from marketplace.core.extensions import redis_connection
from marketplace.core.request_ids import bound_request_id, current_request_id
from marketplace.jobs.outbox import RELAY_BATCH, PendingJob, send_pending

log = logging.getLogger(__name__)

QUEUES = ("default", "matching", "email")
JOB_TIMEOUT = 30 * 60
# Every job is safe to run twice, so a job whose worker died (or that raised) runs again, at once.
# rq notices a dead worker's job once its heartbeat lapses (job_monitoring_interval + 60 s) and
# requeues it in the next worker's registry maintenance, every MAINTENANCE_SECONDS.
JOB_RETRIES = 3
MAINTENANCE_SECONDS = 60
# How long a job waits for an unreachable database before it runs anyway (and fails, and is retried).
DATABASE_WAIT_SECONDS = 120.0
REQUEST_ID_META = "request_id"
_TOLD = "innomatch_told_jobs_wait"


def job_function(job: str) -> Callable[..., Any]:
    """The function a job's dotted name ("marketplace.imports.jobs.run_import") names; a misspelt name raises
    (ModuleNotFoundError, or ValueError for a missing function), at the call that queues it."""
    module_name, _, name = job.rpartition(".")
    if not module_name.startswith("marketplace."):
        raise ValueError(f"a job is a function of ours named by its dotted path, not {job!r}")
    func = getattr(importlib.import_module(module_name), name, None)
    if not callable(func):
        raise ValueError(f"{module_name} has no job {name!r}")
    return func


def enqueue(job: str, *, queue: str = "default", **kwargs: Any) -> None:
    """Schedule the job named ``job`` (its dotted path) with ``**kwargs`` for after the current unit of work
    commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    func = job_function(job)
    request_id = current_request_id()
    if redis_connection() is None:
        after_commit(lambda: _run_in_process(func, kwargs))
        return
    row = PendingJob(func=job, queue=queue, kwargs=kwargs, request_id=request_id)
    db.session.add(row)
    after_commit(lambda: _send_after_commit(row.id))


def _send_after_commit(row_id: int) -> None:
    """Hands a just-committed job to rq; when Redis does not answer, it waits in the outbox."""
    try:
        send_pending([row_id], _push)
    except RedisError:
        log.warning("Redis does not answer; job %s waits in the outbox", row_id, exc_info=True)
        _tell_the_user_work_waits()


def _tell_the_user_work_waits() -> None:
    if has_request_context() and not request.path.startswith("/api/") and not getattr(g, _TOLD, False):
        setattr(g, _TOLD, True)
        flash(
            _(
                "Saved. Background work (search indexing, emails, imports, scheduling) is waiting because the job "
                "queue is not answering; it will start by itself when the queue is back."
            ),
            "warning",
        )


def relay_pending_jobs() -> int:
    """Sends the outbox's waiting jobs to rq (after a Redis outage); returns how many. Run by the clock and by
    every worker as it starts."""
    total = 0
    while True:
        sent = send_pending(None, _push)
        total += sent
        if sent < RELAY_BATCH:
            break
    if total:
        log.info("relayed %d waiting job(s) from the outbox to rq", total)
    return total


def _push(row: PendingJob) -> None:
    _to_rq(row.queue, row.func, row.kwargs, row.request_id)


def _to_rq(queue: str, job: str, kwargs: dict[str, Any], request_id: str | None) -> Job:
    return Queue(queue, connection=redis_connection()).enqueue(
        job,
        kwargs=kwargs,
        job_timeout=JOB_TIMEOUT,
        result_ttl=24 * 3600,
        retry=Retry(max=JOB_RETRIES),
        meta={REQUEST_ID_META: request_id} if request_id else None,
    )


def enqueue_now(job: str, *, queue: str = "default", **kwargs: Any) -> str | None:
    """Queue the job named ``job`` with ``**kwargs`` at once, for work that waits on no uncommitted write (e.g.
    repairing an index a request found damaged). Returns the rq job's id; None without Redis (the function has run in
    this process) and, logged, when Redis does not answer."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    func = job_function(job)
    if redis_connection() is None:
        _run_in_process(func, kwargs)
        return None
    try:
        return _to_rq(queue, job, kwargs, current_request_id()).id
    except RedisError:
        log.warning("could not queue %s: Redis does not answer", job, exc_info=True)
        return None


def _run_in_process(func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    # The request that enqueued this has already committed; a failing job must not undo it.
    try:
        func(**kwargs)
    except Exception:
        log.exception("in-process job %s failed", getattr(func, "__name__", func))


class RequestIdWorker(Worker):
    """An rq worker whose work horse logs each job's lines with the id of the request that queued it, and waits
    for the database before each job."""

    def perform_job(self, job: Job, *args: Any, **kwargs: Any) -> bool:
        with bound_request_id((job.meta or {}).get(REQUEST_ID_META)):
            wait_for_database()
            return super().perform_job(job, *args, **kwargs)


def wait_for_database(max_seconds: float = DATABASE_WAIT_SECONDS) -> bool:
    """Blocks until the database answers (at most ``max_seconds``); returns whether it did.

    Retries run at once (our workers run no rq scheduler for retry intervals), so without this a job that
    failed during a PostgreSQL restart would spend its three retries in the same second and be lost; with it
    the retry, like every job, starts only when the database is back.
    """

    def select_one() -> None:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    if _until_it_answers(
        select_one,
        SQLAlchemyError,
        waiting="the database does not answer; the job waits for it",
        first_delay=0.5,
        max_delay=10.0,
        max_seconds=max_seconds,
    ):
        return True
    log.warning("the database did not answer for %.0f s; running the job anyway", max_seconds)
    return False


def wait_for_redis(conn) -> None:
    """Blocks until Redis answers: a worker or clock started during an outage waits instead of exiting (under
    honcho, one process exiting stops every other, the web included)."""
    _until_it_answers(
        conn.ping, RedisError, waiting="Redis does not answer; waiting for it", first_delay=1.0, max_delay=30.0
    )


def _until_it_answers(
    probe: Callable[[], Any],
    errors: type[Exception] | tuple,
    *,
    waiting: str,
    first_delay: float,
    max_delay: float,
    max_seconds: float | None = None,
) -> bool:
    """Calls ``probe`` until it stops raising ``errors``, doubling the pause up to ``max_delay``; returns False
    instead of pausing past ``max_seconds`` (None: wait for as long as it takes)."""
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    delay = first_delay
    while True:
        try:
            probe()
            return True
        except errors:
            if deadline is not None and time.monotonic() + delay > deadline:
                return False
            log.warning("%s (next try in %.1f s)", waiting, delay)
            time.sleep(delay)
            delay = min(delay * 2, max_delay)
