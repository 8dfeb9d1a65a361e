"""HTTP error pages and the mapping from domain errors to status codes."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from marketplace.errors import NotFound, PermissionDenied


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _page(status: int):
    if _wants_json():
        return jsonify(status=status), status
    return render_template(f"errors/{status}.html"), status


def register(app: Flask) -> None:
    app.register_error_handler(PermissionDenied, lambda _e: _page(403))
    app.register_error_handler(NotFound, lambda _e: _page(404))
    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, lambda _e, s=status: _page(s))
