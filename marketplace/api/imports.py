"""JSON API v1 (token authentication). Errors are application/problem+json."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.accounts.tokens import user_for_secret
from marketplace.db import db, unit_of_work
from marketplace.errors import InvalidInput, NotFound, PermissionDenied
from marketplace.extensions import csrf
from marketplace.imports.models import ImportBatch
from marketplace.imports.services import confirm_mapping, start_import

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def problem(status: int, title: str, detail: str = "", **extra):
    body = {"type": "about:blank", "title": title, "status": status, **({"detail": detail} if detail else {}), **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def token_required(write: bool = False):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            found = user_for_secret(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
            if found is None:
                response = problem(401, "Unauthorized", "Send a valid API token: Authorization: Bearer <token>.")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            g.api_user, token = found
            if write and not token.can_write:
                return problem(403, "Forbidden", "This token is read-only.")
            return view(*args, **kwargs)

        return wrapper

    return decorate


@bp.errorhandler(PermissionDenied)
def _forbidden(_exc):
    return problem(403, "Forbidden")


@bp.errorhandler(NotFound)
def _not_found(_exc):
    return problem(404, "Not Found")


@bp.errorhandler(InvalidInput)
def _invalid(exc):
    return problem(422, "Unprocessable Content", "Some input is not valid.", errors=exc.errors)


def _batch_json(batch: ImportBatch) -> dict:
    return {
        "id": batch.id, "status": batch.status.value, "stage": batch.stage.value, "percent": batch.percent,
        "processed_rows": batch.processed_rows, "total_rows": batch.total_rows, "counts": batch.counts,
        "rejections": [{k: v for k, v in r.items() if k != "values"} for r in batch.rejections],
        "error": batch.error, "url": url_for("api.import_status", batch_id=batch.id, _external=True),
    }


@bp.post("/imports")
@token_required(write=True)
def create_import():
    """Upload a portfolio (multipart field ``file``, or a JSON list of records); runs with the automatic mapping."""
    user = g.api_user
    incubator_id = request.args.get("incubator_id", type=int) or user.organisation_id
    incubator = db.session.get(Organisation, incubator_id)
    if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
        raise InvalidInput({"incubator_id": ["Name an incubator (organisers must pass incubator_id)."]})
    if not authz.can_import_for(user, incubator.id):
        raise PermissionDenied()
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data()
    filename = upload.filename if upload else "api.json"
    with unit_of_work():
        batch = start_import(actor=user, incubator=incubator, filename=filename or "", data=data,
                             max_rows=current_app.config["IMPORT_MAX_ROWS"])
    with unit_of_work():
        confirm_mapping(actor=user, batch=batch, mapping=dict(batch.mapping))
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    response = jsonify(_batch_json(batch))
    response.status_code = 202 if batch.status.value != "done" else 201
    response.headers["Location"] = url_for("api.import_status", batch_id=batch.id)
    return response


@bp.get("/imports/<int:batch_id>")
@token_required()
def import_status(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or not authz.can_import_for(g.api_user, batch.incubator_id):
        raise NotFound()
    return jsonify(_batch_json(batch))
