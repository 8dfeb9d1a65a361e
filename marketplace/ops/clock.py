"""Periodic jobs: the `clock` process enqueues them on rq's cron scheduler; workers run them.

Without Redis (the demo), run them by hand: `flask --app marketplace notifications tick`.
"""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq.cron import CronScheduler

from marketplace.core.extensions import redis_connection
from marketplace.jobs.queue import relay_pending_jobs, wait_for_redis
from marketplace.needs.jobs import send_deadline_reminders
from marketplace.notifications.jobs import send_digests

log = logging.getLogger(__name__)

# (function, queue, cron expression in UTC)
SCHEDULE = [
    (send_digests, "email", "0 7 * * *"),  # the daily digest, 07:00 UTC (15:00 in Shanghai)
    (send_deadline_reminders, "default", "15 * * * *"),  # hourly; reminders are sent once each
    (relay_pending_jobs, "default", "* * * * *"),  # jobs left in the outbox by a Redis outage
]


@click.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run the cron scheduler that enqueues the periodic jobs (one such process per deployment).

    When Redis goes away the scheduler stops with a connection error; the clock waits for Redis and starts
    a new one instead of exiting (under honcho, one process exiting stops all of them, the web included).
    """
    conn = redis_connection()
    if conn is None:
        raise click.ClickException("REDIS_URL is not set; run `flask notifications tick` from cron instead.")
    while True:
        wait_for_redis(conn)
        scheduler = CronScheduler(connection=conn)
        for func, queue, cron in SCHEDULE:
            scheduler.register(func, queue_name=queue, cron=cron)
        try:
            scheduler.start()
            return  # stopped by a signal
        except RedisError:
            log.warning("Redis went away; the clock restarts its scheduler when it answers", exc_info=True)


@click.group("notifications")
def notifications_group() -> None:
    """Notification jobs."""


@notifications_group.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run every periodic job once, now, in this process."""
    for func, _queue, _cron in SCHEDULE:
        click.echo(f"{func.__name__}: {func()}")
