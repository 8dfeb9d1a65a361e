"""Lookups tests share: rows of the seeded world by natural key; the environment of app subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress

import sqlalchemy as sa
from flask import current_app, has_app_context
from werkzeug.serving import make_server

from marketplace.accounts.models import Organisation, User
from marketplace.accounts.submissions import new_form_token
from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.startups.models import Listing, Startup


def in_app(app):
    """The app's context, unless the test already runs in it (a nested one would end its session)."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


def need_id(app, slug: str) -> int:
    with in_app(app):
        return db.session.scalar(sa.select(Need.id).where(Need.slug == slug))


def org(slug: str) -> Organisation:
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def startup_listed_by(app, incubator_slug: str, *, only: bool = True) -> int:
    """A startup listed by this incubator (and, with ``only``, by no other)."""
    with in_app(app):
        inc = org(incubator_slug)
        ids = db.session.scalars(
            sa.select(Listing.startup_id).where(Listing.incubator_id == inc.id).order_by(Listing.startup_id)
        )
        for startup_id in ids:
            count = db.session.scalar(sa.select(sa.func.count()).where(Listing.startup_id == startup_id))
            if not only or count == 1:
                return startup_id
    raise LookupError(incubator_slug)


def startup_by_slug(slug: str) -> Startup:
    return db.session.scalar(sa.select(Startup).where(Startup.slug == slug))


def form_token() -> str:
    """A one-time token as a create form carries it (accounts/submissions.py); a test posting a create form sends
    one, as our pages do."""

    return new_form_token()


def version_of(app, model, row_id: int) -> str:
    """A record's version as its edit form carries it (the hidden ``version``)."""
    with in_app(app):
        return str(db.session.scalar(sa.select(model.version).where(model.id == row_id)))


def flask_env(app, redis_url: str) -> dict[str, str]:
    """The environment of a `flask --app marketplace` subprocess (a worker, the clock) on this app's database,
    index folder and the given Redis."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "INDEX_DIR": app.config["INDEX_DIR"],
        "SECRET_KEY": "test-subprocess",
        "HF_HUB_OFFLINE": "1",
    }


def rq_worker(env: dict[str, str], *queues: str, burst: bool) -> subprocess.Popen:
    """A real `flask worker` process on the given environment (see ``flask_env``) and queues."""
    args = [sys.executable, "-m", "flask", "--app", "marketplace", "worker", *queues]
    return subprocess.Popen(
        args + (["--burst"] if burst else []),
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_worker_and_horse(process: subprocess.Popen) -> None:
    """SIGKILL the rq worker and the work horse it forked (rq puts the horse in its own session)."""
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    for pid in [*children, str(process.pid)]:
        with suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` on a live threaded server on a free local port (for a browser or parallel HTTP clients); yields its
    base URL and stops the server after."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
