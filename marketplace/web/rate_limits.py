"""Rate limits (Flask-Limiter): sign-in throttling per address and per email, password-reset requests per address
and per email, API quotas per token.

Each app gets its own Limiter (``app.extensions["innomatch.limiter"]``), so apps built with
different settings in one process (the tests) do not share counters or switches. Counters live
in RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set); when Redis is down they fall back to
this process's memory rather than refusing requests.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit

from marketplace.accounts.views import throttled_forgot_page, throttled_login_page
from marketplace.web.health import PROBE_ENDPOINTS

LOGIN_ENDPOINT = "accounts.login"
FORGOT_PASSWORD_ENDPOINT = "accounts.forgot_password"
API_BLUEPRINT = "api"
_EXTENSION = "innomatch.limiter"


def _digest(value: str) -> str:
    """Keys carry no emails or token secrets in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_address() -> str:
    return "ip:" + (request.remote_addr or "unknown")


def submitted_email() -> str:
    return "email:" + _digest(request.form.get("email", "").strip().lower())


def api_client() -> str:
    """The bearer token (hashed) when one is sent, otherwise the client's address."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip() if scheme.lower() == "bearer" else ""
    return "token:" + _digest(secret) if secret else client_address()


def _is_probe() -> bool:
    return request.endpoint in PROBE_ENDPOINTS


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def _throttled_sign_in(limit: RequestLimit) -> Response:
    return throttled_login_page(limit.reset_at)


def _throttled_reset_request(limit: RequestLimit) -> Response:
    return throttled_forgot_page(limit.reset_at)


def init_rate_limits(app: Flask) -> Limiter:
    """Builds this app's limiter and puts the limits on sign-in and on the ``api`` blueprint."""
    config = app.config
    limiter = Limiter(
        client_address,
        storage_uri=config["RATELIMIT_STORAGE_URI"],
        key_prefix=config["RATELIMIT_KEY_PREFIX"],
        strategy="moving-window",
        in_memory_fallback_enabled=True,
        enabled=config["RATELIMIT_ENABLED"],
    )
    limiter.init_app(app)
    app.extensions[_EXTENSION] = limiter
    # Probes are never limited, and never wait on the counters' storage (Redis may be what is down).
    limiter.request_filter(_is_probe)
    if not limiter.enabled:
        return limiter

    # Only failed sign-ins count (deduct_when), so an office behind one address is not locked
    # out by its own colleagues; once an email is over its limit, even the right password waits.
    login = app.view_functions[LOGIN_ENDPOINT]
    for limit, key_func, scope in (
        (config["LOGIN_IP_RATE_LIMIT"], client_address, "ip"),
        (config["LOGIN_RATE_LIMIT"], submitted_email, "email"),
    ):
        login = limiter.limit(
            limit,
            key_func=key_func,
            scope=scope,
            methods=["post"],
            deduct_when=_failed_sign_in,
            on_breach=_throttled_sign_in,
        )(login)
    app.view_functions[LOGIN_ENDPOINT] = login

    # Every reset request counts (the answer is the same whether the email is anyone's): no mailbox is flooded.
    forgot = app.view_functions[FORGOT_PASSWORD_ENDPOINT]
    for limit, key_func, scope in (
        (config["PASSWORD_RESET_IP_RATE_LIMIT"], client_address, "reset-ip"),
        (config["PASSWORD_RESET_RATE_LIMIT"], submitted_email, "reset-email"),
    ):
        forgot = limiter.limit(
            limit, key_func=key_func, scope=scope, methods=["post"], on_breach=_throttled_reset_request
        )(forgot)
    app.view_functions[FORGOT_PASSWORD_ENDPOINT] = forgot

    api = app.blueprints.get(API_BLUEPRINT)
    if api is not None:
        # One budget per client across the whole API (shared scope), not one per endpoint.
        limiter.shared_limit(config["API_RATE_LIMIT"], scope="api", key_func=api_client)(api)

    @app.after_request
    def _retry_after(response: Response) -> Response:
        """A 429 says when to come back (the limiter's own headers would say it on every answer)."""
        breached = limiter.current_limit
        if response.status_code == 429 and breached is not None and breached.breached:
            response.headers["Retry-After"] = str(max(1, math.ceil(breached.reset_at - time.time())))
        return response

    return limiter


def limiter_of(app: Flask) -> Limiter:
    return app.extensions[_EXTENSION]
