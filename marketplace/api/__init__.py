"""JSON API v1 under /api/v1: token authentication, problem+json errors, an OpenAPI 3 document
generated from the request and response models (flask-openapi3), Swagger UI at /api/v1/swagger."""

from __future__ import annotations


def register(app) -> None:
    """Registers every API operation on ``app`` (an ``OpenAPI`` app, so the document includes them) and
    our own pages for /api/v1/ and /api/v1/swagger (the stock ones carry inline scripts our CSP refuses)."""
    from marketplace.api import candidates, events, imports, needs, startups  # noqa: F401  (operations)
    from marketplace.api.blueprint import bp
    from marketplace.core.config import REPO_ROOT

    app.register_api(bp)
    pages = REPO_ROOT / "templates" / "api"
    app.config.setdefault("SWAGGER_HTML_STRING", (pages / "swagger.html").read_text(encoding="utf-8"))
    app.config.setdefault("OPENAPI_HTML_STRING", (pages / "index.html").read_text(encoding="utf-8"))
