"""The `worker` command: an rq worker with this app's configuration, started once Redis answers, after relaying
the job outbox; a worker of the matching queue loads the embedding model once for its work horses."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.exc import SQLAlchemyError

from marketplace.core.extensions import redis_connection
from marketplace.jobs.queue import MAINTENANCE_SECONDS, QUEUES, RequestIdWorker, relay_pending_jobs, wait_for_redis
from marketplace.rankings.engine import engine

log = logging.getLogger(__name__)


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
    wait_for_redis(conn)
    try:
        relay_pending_jobs()  # jobs left waiting by a Redis outage go out before this worker starts
    except (RedisError, SQLAlchemyError):
        # Redis or the database went away meanwhile: the clock relays the outbox every minute anyway, and a
        # worker that exited here would take every other process down with it under honcho.
        log.warning("could not relay the job outbox now; the clock will", exc_info=True)
    if "matching" in names:
        # Loaded once here, so forked work horses share it instead of each loading the model.
        engine().embedder  # noqa: B018
    RequestIdWorker(
        [Queue(n, connection=conn) for n in names], connection=conn, maintenance_interval=MAINTENANCE_SECONDS
    ).work(burst=burst, with_scheduler=False, logging_level=current_app.logger.level or "INFO")
