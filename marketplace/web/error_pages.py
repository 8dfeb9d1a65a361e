"""HTTP error pages and the mapping from domain errors to status codes.

When the database cannot be reached (stopped, restarting, the connection cut mid-request, the pool exhausted,
SQLite's write lock held by another writer past the busy timeout)
the answer is a 503 with Retry-After instead of a 500: nothing was saved, and the same request will work once
the database is back. The pool (``pool_pre_ping`` in db.py) replaces the dead connections by itself, so the
app recovers without a restart; this module only makes the outage answer cleanly.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, make_response, render_template, request, session
from flask_babel import force_locale
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import HTTPException

from marketplace.api.blueprint import problem
from marketplace.core.db import database_busy
from marketplace.core.errors import NotFound, PermissionDenied
from marketplace.core.extensions import LOCALE_SESSION_KEY, login_manager, select_locale

log = logging.getLogger(__name__)

# How long a client should wait before trying again: about what a PostgreSQL restart takes.
RETRY_AFTER_SECONDS = 5
# Errors that may mean an outage; database_unavailable() decides, anything else is re-raised as before.
DATABASE_ERRORS = (sa.exc.DBAPIError, sa.exc.DisconnectionError, sa.exc.TimeoutError)
# PostgreSQL's own outage codes: connection exceptions (class 08), the server shutting down or starting
# (57P01-57P03) and no connection slot left (53300). Deadlocks, serialization failures and cancelled
# statements are OperationalErrors too, but they are not outages.
_OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03", "53300")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def _page(status: int, exc: Exception | None = None):
    headers = {}
    if isinstance(exc, HTTPException) and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # a 405 says what is allowed
    if request.path.startswith("/api/"):
        response = problem(status, HTTPStatus(status).phrase)
        response.headers.update(headers)
        return response
    if _wants_json():
        return jsonify(status=status), status, headers
    return render_template(f"errors/{status}.html"), status, headers


def _too_many_requests(error: HTTPException):
    """A rate limit answered (see rate_limits.py, which adds Retry-After on the way out)."""
    if error.response is not None:
        return error.response  # the limit's own answer, e.g. the sign-in page again
    if request.path.startswith("/api/"):
        return problem(
            429, "Too Many Requests", f"Rate limit exceeded ({error.description}); retry after Retry-After seconds."
        )
    return _page(429, error)


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached right now, so a retry later may succeed."""
    if isinstance(exc, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True  # the pool gave up on a connection, or waited too long for a free one
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if database_busy(exc):
        return True  # SQLite: another writer held the lock past the busy timeout
    if exc.connection_invalidated:
        return True  # the connection broke while in use (SQLAlchemy has invalidated it and the pooled ones)
    orig = exc.orig
    if isinstance(orig, psycopg.OperationalError):
        # No SQLSTATE: psycopg's own report that it could not connect or lost the connection.
        return orig.sqlstate is None or orig.sqlstate.startswith("08") or orig.sqlstate in _OUTAGE_SQLSTATES
    return False


def _database_error(error: Exception):
    if not database_unavailable(error):
        raise error  # a real bug or rule break: the 500 path (logged with its traceback) as before
    return _database_unavailable_page(error)


def _database_unavailable_page(error: BaseException):
    """The 503 answer, built without touching the database (which would only fail again)."""
    orig = getattr(error, "orig", None) or error
    log.warning(
        "database unavailable, answering 503: %s: %s", type(orig).__name__, (str(orig).strip().splitlines() or [""])[0]
    )
    _release_session()
    _pin_identities()
    if request.path.startswith("/api/"):
        response = problem(
            503,
            "Service Unavailable",
            "The database is not answering. Nothing was saved; retry after Retry-After seconds.",
        )
    elif _wants_json():
        response = jsonify(status="error", database="unreachable")
        response.status_code = 503
    else:
        with force_locale(_locale_without_database()):
            # A relative link (the Host header is the client's to choose); a form post is retried by resending it.
            retry_url = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
            response = make_response(render_template("errors/503.html", retry_url=retry_url), 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _release_session() -> None:
    """Roll back and drop this request's session now, so nothing after us reuses its broken connection."""
    current_app.extensions["innomatch.db"].remove_session()


def _pin_identities() -> None:
    """Keep ``.id`` readable on the request's user objects without a query.

    After the rollback they are expired and detached; the access line (request_ids.py) still reads their id,
    which would otherwise mean another trip to the database that is not there. A user who could not even
    be loaded counts as anonymous for the rest of this request (no second attempt to load them).
    """
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    for user in (g.get("_login_user"), g.get("api_user")):
        state = sa.inspect(user, raiseerr=False) if user is not None else None
        if state is not None and state.key is not None and "id" not in state.dict:
            set_committed_value(user, "id", state.identity[0])


def _locale_without_database() -> str:
    """select_locale()'s answer without a query: the user's saved language only if it is already loaded."""
    languages = current_app.config["LANGUAGES"]
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    saved = state.dict.get("locale") if state is not None else None
    if session.get(LOCALE_SESSION_KEY) not in languages and saved in languages:
        return saved
    g._login_user = login_manager.anonymous_user()  # so select_locale skips the user: the session, then the browser
    try:
        return select_locale()
    finally:
        g._login_user = user


def _server_error(error: HTTPException):
    """A 500, unless what broke was the database going away (e.g. in an after-request hook): then a 503."""
    original = getattr(error, "original_exception", None)
    if original is not None and database_unavailable(original):
        return _database_unavailable_page(original)
    return _page(500, error)


def register(app: Flask) -> None:
    app.register_error_handler(PermissionDenied, lambda e: _page(403, e))
    app.register_error_handler(NotFound, lambda e: _page(404, e))
    app.register_error_handler(429, _too_many_requests)
    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda e, s=status: _page(s, e))
    app.register_error_handler(500, _server_error)
    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, _database_error)
