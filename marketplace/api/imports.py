"""/api/v1/imports: an incubator's system uploads its portfolio; the import runs as a background job."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_openapi3 import Tag

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.api.blueprint import NOT_FOUND, api_user, bp
from marketplace.api.schemas import BatchPath, ImportOut, ImportQuery
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, NotFound, PermissionDenied
from marketplace.imports.models import ImportBatch
from marketplace.imports.rules import can_import_for
from marketplace.imports.services import confirm_mapping, rejection_reason, start_import

TAG = [
    Tag(name="imports", description="Portfolio uploads (CSV, XLSX, JSON, JSONL), mapped and indexed in the background.")
]
UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "maxItems": 10000, "items": {"type": "object", "additionalProperties": True}},
            "example": [
                {
                    "name": "Acme Robotics",
                    "website": "https://acme.example",
                    "sectors": "iot",
                    "description": "Sensors for collateral.",
                }
            ],
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}


def batch_json(batch: ImportBatch) -> dict:
    return ImportOut(
        id=batch.id,
        status=batch.status.value,
        stage=batch.stage.value,
        percent=batch.percent,
        processed_rows=batch.processed_rows,
        total_rows=batch.total_rows,
        counts=batch.counts,
        rejections=[
            {**{k: v for k, v in r.items() if k != "values"}, "reason": rejection_reason(r)} for r in batch.rejections
        ],
        error=batch.error or None,
        url=url_for("api.import_status", batch_id=batch.id, _external=True),
    ).model_dump(mode="json")


@bp.post(
    "/imports", tags=TAG, responses={201: ImportOut, 202: ImportOut}, openapi_extensions={"requestBody": UPLOAD_BODY}
)
def create_import(query: ImportQuery):
    """Upload a portfolio: a file (multipart field `file`) or a JSON list of records. Columns are mapped
    automatically (English or Chinese headers). 202 while it runs; follow `url` for progress."""
    user = api_user()
    incubator = db.session.get(Organisation, query.incubator_id or user.organisation_id)
    if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
        raise InvalidInput({"incubator_id": [_("Name an incubator (organisers must pass incubator_id).")]})
    if not can_import_for(user, incubator.id):
        raise PermissionDenied()
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data()
    filename = (upload.filename if upload else "") or "api.json"
    with unit_of_work():
        batch = start_import(
            actor=user,
            incubator=incubator,
            filename=filename,
            data=data,
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
        )
    with unit_of_work():
        confirm_mapping(actor=user, batch=batch, mapping=dict(batch.mapping))
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch.id)
    status = 202 if batch.status.value != "done" else 201
    return batch_json(batch), status, {"Location": url_for("api.import_status", batch_id=batch.id)}


@bp.get("/imports/<int:batch_id>", tags=TAG, responses={200: ImportOut, **NOT_FOUND})
def import_status(path: BatchPath):
    """An import's progress, counts and rejected rows (with reasons)."""
    batch = db.session.get(ImportBatch, path.batch_id)
    if batch is None or not can_import_for(api_user(), batch.incubator_id):
        raise NotFound()
    return batch_json(batch)
