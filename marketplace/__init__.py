"""innomatch: open-innovation matchmaking between bank units, incubators and startups."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_openapi3 import OpenAPI

from marketplace.core.config import REPO_ROOT, Settings


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Builds the app from the environment; ``overrides`` (tests, tools) win over it."""
    from marketplace.api.blueprint import INFO, PREFIX, SECURITY_SCHEMES, validation_problem
    from marketplace.api.schemas import Problem

    settings = Settings.from_env().apply(overrides)
    # An OpenAPI app is a Flask app that also writes /api/v1/openapi.json from the API's models.
    app = OpenAPI(
        __name__,
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
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    from marketplace.core.logging_setup import configure_logging
    from marketplace.core.request_ids import init_request_ids

    configure_logging(app.config["LOG_FORMAT"])
    init_request_ids(app)  # first, so every other request hook already logs with the request id

    _init_extensions(app)
    _register_blueprints(app)
    from marketplace.web.security_headers import init_security

    init_security(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from marketplace.core.db import Database
    from marketplace.core.extensions import babel, csrf, login_manager, select_locale

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    Database(url).init_app(app)
    from marketplace.rankings.engine import init_engine

    init_engine(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)

    from marketplace.accounts.views import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.dashboard.views import bp as dashboard_bp
    from marketplace.events.views import bp as events_bp
    from marketplace.imports.views import bp as imports_bp
    from marketplace.needs.views import bp as needs_bp
    from marketplace.notifications.views import bp as notifications_bp
    from marketplace.pipeline.views import bp as pipeline_bp
    from marketplace.startups.views import bp as startups_bp
    from marketplace.web import error_pages, health
    from marketplace.web.ui import register_template_helpers

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
    from marketplace import api

    api.register(app)
    error_pages.register(app)
    register_template_helpers(app)


def _register_cli(app: Flask) -> None:
    from marketplace.ops.cli import register

    register(app)
