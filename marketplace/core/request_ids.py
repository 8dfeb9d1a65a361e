"""Request ids and the access line.

Every request gets an id: a sane incoming ``X-Request-ID`` (a proxy's or a client's), otherwise a new
uuid4 hex. It is sent back in ``X-Request-ID``, held in a context variable while the request runs (so
every log record made meanwhile carries it: see logging_setup.py) and put in the meta of the rq jobs the
request queues, whose work horse binds it again (jobs.RequestIdWorker).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
# Short and inert: nothing a log reader or a shell could trip over.
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_current: ContextVar[str | None] = ContextVar("innomatch_request_id", default=None)
_TOKEN = "_innomatch_request_id_token"
_STARTED = "_innomatch_request_started"
# Probes answer every few seconds: their access lines are DEBUG so they do not drown the log.
QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz"})
# Path arguments that are secrets (a calendar feed's signed token): never written to the log.
SECRET_ARGS = frozenset({"token"})
REDACTED = "[redacted]"

access_log = logging.getLogger("marketplace.access")


def current_request_id() -> str | None:
    """The id of the request (or job) this code runs for, None outside one."""
    return _current.get()


def is_sane(value: str | None) -> bool:
    return bool(value) and _SANE.fullmatch(value) is not None


def choose_request_id(incoming: str | None) -> str:
    """The incoming id when it is sane, otherwise a new one."""
    return incoming if incoming is not None and is_sane(incoming) else uuid.uuid4().hex


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Log records made inside carry ``request_id`` (a job run for a request, a test)."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def init_request_ids(app: Flask) -> None:
    """Call before anything else registers request hooks: ours then run first (and finish last)."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)


def _begin() -> None:
    request_id = choose_request_id(request.headers.get(HEADER))
    setattr(g, _TOKEN, _current.set(request_id))
    setattr(g, _STARTED, time.perf_counter())


def _finish(response: Response) -> Response:
    request_id = current_request_id()
    if request_id is None:  # a before_request hook registered ahead of ours answered
        return response
    response.headers[HEADER] = request_id
    started = g.get(_STARTED)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    fields = {
        "method": request.method,
        "path": logged_path(),
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": _user_id(),
    }
    level = logging.DEBUG if request.endpoint in QUIET_ENDPOINTS else logging.INFO
    access_log.log(
        level,
        "%s %s %s %sms%s",
        fields["method"],
        fields["path"],
        fields["status"],
        duration_ms,
        f" user {fields['user_id']}" if fields["user_id"] is not None else "",
        extra=fields,
    )
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop(_TOKEN, None)
    g.pop(_STARTED, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (should not happen); just forget it
            _current.set(None)


def logged_path() -> str:
    """The path without the query string, with secret path arguments redacted."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ARGS and value:
            path = path.replace(str(value), REDACTED)
    return path


def _user_id() -> int | None:
    """The signed-in person when the request loaded one (API token or session); never an extra query."""
    user = g.get("api_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)
