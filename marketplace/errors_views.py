"""HTTP error pages and the mapping from domain errors to status codes."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from marketplace.errors import NotFound, PermissionDenied


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def _page(status: int, exc: Exception | None = None):
    headers = {}
    if isinstance(exc, HTTPException) and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # a 405 says what is allowed
    if request.path.startswith("/api/"):
        from marketplace.api.blueprint import problem

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
        from marketplace.api.blueprint import problem

        return problem(429, "Too Many Requests",
                       f"Rate limit exceeded ({error.description}); retry after Retry-After seconds.")
    return _page(429, error)


def register(app: Flask) -> None:
    app.register_error_handler(PermissionDenied, lambda e: _page(403, e))
    app.register_error_handler(NotFound, lambda e: _page(404, e))
    app.register_error_handler(429, _too_many_requests)
    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, lambda e, s=status: _page(s, e))
