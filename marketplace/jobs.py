"""Queues, enqueue() and the worker command.

Jobs are plain functions taking keyword-only ids. With REDIS_URL they go to rq after the
surrounding unit of work commits; without it they run in this process right after commit,
so the demo needs no server. A job queued during a request carries the request's id in its meta,
and the worker logs the job's lines with it (RequestIdWorker).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker
from rq.job import Job

from marketplace.db import after_commit
from marketplace.extensions import redis_connection
from marketplace.request_ids import bound_request_id, current_request_id

log = logging.getLogger(__name__)

QUEUES = ("default", "matching", "email")
JOB_TIMEOUT = 30 * 60
# Every job is safe to run twice, so a job whose worker died (or that raised) runs again, at once.
# rq notices a dead worker's job once its heartbeat lapses (job_monitoring_interval + 60 s) and
# requeues it in the next worker's registry maintenance, every MAINTENANCE_SECONDS.
JOB_RETRIES = 3
MAINTENANCE_SECONDS = 60
REQUEST_ID_META = "request_id"


def enqueue(func: Callable[..., Any], *, queue: str = "default", **kwargs: Any) -> None:
    """Schedule ``func(**kwargs)`` for after the current unit of work commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    request_id = current_request_id()
    after_commit(lambda: _dispatch(func, queue, kwargs, request_id))


def enqueue_now(func: Callable[..., Any], *, queue: str = "default", **kwargs: Any) -> bool:
    """Queue ``func(**kwargs)`` at once, for work that waits on no uncommitted write (e.g. repairing an
    index a request found damaged). Returns False, logged, when Redis does not answer."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    try:
        _dispatch(func, queue, kwargs, current_request_id())
    except RedisError:
        log.warning("could not queue %s: Redis does not answer", getattr(func, "__name__", func), exc_info=True)
        return False
    return True


def _dispatch(func: Callable[..., Any], queue: str, kwargs: dict[str, Any], request_id: str | None) -> None:
    conn = redis_connection()
    if conn is None:
        _run_in_process(func, kwargs)
    else:
        Queue(queue, connection=conn).enqueue(
            func, kwargs=kwargs, job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600, retry=Retry(max=JOB_RETRIES),
            meta={REQUEST_ID_META: request_id} if request_id else None,
        )


def _run_in_process(func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    # The request that enqueued this has already committed; a failing job must not undo it.
    try:
        func(**kwargs)
    except Exception:
        log.exception("in-process job %s failed", getattr(func, "__name__", func))


class RequestIdWorker(Worker):
    """An rq worker whose work horse logs each job's lines with the id of the request that queued it."""

    def perform_job(self, job: Job, *args: Any, **kwargs: Any) -> bool:
        with bound_request_id((job.meta or {}).get(REQUEST_ID_META)):
            return super().perform_job(job, *args, **kwargs)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.argument("queues", nargs=-1)
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an rq worker with this app's configuration (all queues by default)."""
    conn = redis_connection()
    if conn is None:
        raise click.ClickException("REDIS_URL is not set; without it jobs run in-process.")
    names = queues or QUEUES
    unknown = sorted(set(names) - set(QUEUES))
    if unknown:
        raise click.ClickException(f"unknown queue(s): {', '.join(unknown)}")
    if "matching" in names:
        # Loaded once here, so forked work horses share it instead of each loading the model.
        from marketplace.matchmaking.engine import engine

        engine().embedder  # noqa: B018
    RequestIdWorker([Queue(n, connection=conn) for n in names], connection=conn,
                    maintenance_interval=MAINTENANCE_SECONDS).work(
        burst=burst, with_scheduler=False, logging_level=current_app.logger.level or "INFO"
    )
