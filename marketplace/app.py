"""The app factory: settings, extensions, blueprints, the API, security headers and CLI commands on one app.

``marketplace.create_app`` (what ``flask --app marketplace`` and gunicorn call) imports this module only when it
builds an app, so importing any other module of the package never imports every blueprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_openapi3 import OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.accounts.views import bp as accounts_bp
from marketplace.accounts.views import load_user
from marketplace.api import candidates, events, imports, needs, startups  # noqa: F401  (operations)
from marketplace.api.blueprint import INFO, PREFIX, SECURITY_SCHEMES, validation_problem
from marketplace.api.blueprint import bp as api_bp
from marketplace.api.schemas import Problem
from marketplace.core.config import REPO_ROOT, Settings
from marketplace.core.db import Database
from marketplace.core.extensions import babel, csrf, login_manager, select_locale
from marketplace.core.logging_setup import configure_logging
from marketplace.core.request_ids import init_request_ids
from marketplace.dashboard.views import bp as dashboard_bp
from marketplace.events.views import bp as events_bp
from marketplace.imports.views import bp as imports_bp
from marketplace.needs.views import bp as needs_bp
from marketplace.notifications.views import bp as notifications_bp
from marketplace.ops.cli import register as register_cli
from marketplace.pipeline.views import bp as pipeline_bp
from marketplace.rankings.engine import init_engine
from marketplace.startups.views import bp as startups_bp
from marketplace.web import error_pages, health
from marketplace.web.security_headers import init_security
from marketplace.web.ui import register_template_helpers


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Builds the app from the environment; ``overrides`` (tests, tools) win over it."""
    settings = Settings.from_env().apply(overrides)
    # An OpenAPI app is a Flask app that also writes /api/v1/openapi.json from the API's models.
    app = OpenAPI(
        "marketplace",
        info=INFO,
        security_schemes=SECURITY_SCHEMES,
        doc_prefix=PREFIX,
        validation_error_status=422,
        validation_error_model=Problem,
        validation_error_callback=validation_problem,
        validate_response=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
        instance_path=str(REPO_ROOT / "instance"),
    )
    app.config.update(settings.finalise())
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    configure_logging(app.config["LOG_FORMAT"])
    init_request_ids(app)  # first, so every other request hook already logs with the request id

    _init_extensions(app)
    _register_blueprints(app)
    init_security(app)
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    Database(url).init_app(app)
    init_engine(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    for bp in (
        accounts_bp,
        dashboard_bp,
        needs_bp,
        startups_bp,
        imports_bp,
        pipeline_bp,
        notifications_bp,
        events_bp,
        health.bp,
    ):
        app.register_blueprint(bp)
    _register_api(app)
    error_pages.register(app)
    register_template_helpers(app)


def _register_api(app: OpenAPI) -> None:
    """Registers every API operation on ``app`` (an ``OpenAPI`` app, so the document includes them) and
    our own pages for /api/v1/ and /api/v1/swagger (the stock ones carry inline scripts our CSP refuses)."""
    app.register_api(api_bp)
    pages = REPO_ROOT / "templates" / "api"
    app.config.setdefault("SWAGGER_HTML_STRING", (pages / "swagger.html").read_text(encoding="utf-8"))
    app.config.setdefault("OPENAPI_HTML_STRING", (pages / "index.html").read_text(encoding="utf-8"))
