"""HTTP security headers and the content-security policy (Flask-Talisman), then the rate limits.

Pages run only our own scripts: files under ``static/`` or a ``<script nonce="{{ csp_nonce() }}">``;
no inline ``style=""``/``on*=""`` attributes (use classes and ``static/behaviour.js``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, request
from flask_talisman import DENY, Talisman

from marketplace.web.health import PROBE_ENDPOINTS
from marketplace.web.rate_limits import init_rate_limits

# Every page: only this site's files, scripts also by the request's nonce, nothing framed or embedded.
CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",  # + 'nonce-…' per request (content_security_policy_nonce_in)
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
NONCE_IN = ["script-src"]

# The API docs page (Swagger UI) sets style="" attributes from its scripts, so it alone allows
# inline styles. Scripts stay 'self' + nonce: its start-up script must be a static file or carry
# nonce="{{ csp_nonce() }}" (flask-openapi3-swagger's stock page has a bare inline <script> and
# <style>; give SWAGGER_HTML_STRING a copy with the nonce added).
API_DOCS_CSP: dict[str, str] = {**CSP, "style-src": "'self' 'unsafe-inline'"}
# Endpoints that get API_DOCS_CSP when they exist (flask-openapi3-swagger's page, /api/v1/swagger).
API_DOCS_ENDPOINTS = ("swagger.swagger",)

PERMISSIONS_POLICY: dict[str, str] = {"camera": "()", "microphone": "()", "geolocation": "()", "browsing-topics": "()"}


def init_security(app: Flask) -> None:
    """Headers on every response and rate limits; call once the blueprints are registered."""
    force_https = bool(app.config["FORCE_HTTPS"])
    Talisman(
        app,
        force_https=force_https,
        strict_transport_security=force_https,
        content_security_policy=CSP,
        content_security_policy_nonce_in=NONCE_IN,
        frame_options=DENY,
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
        # The cookie settings stay config.py's (Talisman would otherwise force them).
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    # Load balancers probe /healthz and /readyz over plain HTTP inside the network.

    for endpoint in PROBE_ENDPOINTS:
        if endpoint in app.view_functions:
            _set_view_options(app, endpoint, force_https=False)
    for endpoint in API_DOCS_ENDPOINTS:
        if endpoint in app.view_functions:
            relax_csp_for_endpoint(app, endpoint)
    app.before_request(refuse_nul_characters)
    init_rate_limits(app)


def refuse_nul_characters():
    """A NUL character in a query or form value is never meant (PostgreSQL cannot even store it): such a
    request is a 400, before any view or service sees it. The API's models refuse or clean it themselves."""
    if request.path.startswith("/api/"):
        return None  # the API's models refuse NUL with a 422 problem naming the field
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values = request.form.values()
    else:
        values = iter(())
    if any("\x00" in v for v in request.args.values()) or any("\x00" in v for v in values):
        abort(400)
    return None


def relaxed_csp_for_api_docs(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: this view (the API docs page) answers with API_DOCS_CSP instead of CSP."""
    options = dict(getattr(view, "talisman_view_options", {}))
    options.update(content_security_policy=API_DOCS_CSP, content_security_policy_nonce_in=NONCE_IN)
    view.talisman_view_options = options  # type: ignore[attr-defined]
    return view


def relax_csp_for_endpoint(app: Flask, endpoint: str) -> None:
    """The same for a view a library registered (e.g. flask-openapi3's docs page), by endpoint name."""
    _set_view_options(app, endpoint, content_security_policy=API_DOCS_CSP, content_security_policy_nonce_in=NONCE_IN)


def _set_view_options(app: Flask, endpoint: str, **options: Any) -> None:
    view = app.view_functions[endpoint]

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    wrapper.talisman_view_options = {**getattr(view, "talisman_view_options", {}), **options}  # type: ignore[attr-defined]
    app.view_functions[endpoint] = wrapper
