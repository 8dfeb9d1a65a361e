from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind, UserRole
from marketplace.accounts.models import Organisation
from marketplace.accounts.queries import organisations_of_kind
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from marketplace.core.taxonomy import Sector
from marketplace.imports.forms import MappingForm, UploadForm
from marketplace.imports.mapping import FIELD_LABELS, FIELDS, template_xlsx
from marketplace.imports.models import ImportBatch
from marketplace.imports.reading import UnreadableFile, first_rows
from marketplace.imports.services import (
    confirm_mapping,
    likely_duplicates_of,
    rejected_rows_csv,
    rejection_reason,
    start_import,
)
from marketplace.startups.queries import startups_with_suggested_sectors
from marketplace.startups.services import confirm_sectors

bp = Blueprint("imports", __name__, url_prefix="/imports")
# Untagged startups listed with their suggested sectors on an import's result page.
SUGGESTIONS_SHOWN = 200


def _batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or not authz.can_import_for(current_user, batch.incubator_id):
        raise NotFound()
    return batch


def _require_importer() -> None:
    if not (current_user.role == UserRole.INCUBATOR_MANAGER or authz.is_platform(current_user)):
        raise PermissionDenied()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def upload():
    _require_importer()
    form = UploadForm()
    form.fill_choices(organisations_of_kind(OrganisationKind.INCUBATOR) if authz.is_platform(current_user) else None)
    if form.validate_on_submit():
        incubator_id = form.incubator_id.data if "incubator_id" in form else current_user.organisation_id
        incubator = db.session.get(Organisation, incubator_id)
        try:
            if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
                raise InvalidInput({"incubator_id": [_("Choose an incubator.")]})
            with unit_of_work():
                batch = start_import(
                    actor=current_user,
                    incubator=incubator,
                    filename=form.file.data.filename or "",
                    data=form.file.data.read(),
                    max_rows=current_app.config["IMPORT_MAX_ROWS"],
                )
        except InvalidInput as exc:
            for name, messages in exc.errors.items():
                getattr(form, name, form.file).errors = list(messages)
        else:
            return redirect(url_for("imports.mapping", batch_id=batch.id))
    status = 400 if request.method == "POST" else 200
    return render_template("imports/upload.html", form=form), status


@bp.get("/template.xlsx")
@login_required
def template():
    _require_importer()
    language = str(get_locale() or "en")
    return Response(
        template_xlsx(language),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="innomatch-portfolio-template.xlsx"'},
    )


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
@login_required
def mapping(batch_id: int):
    batch = _batch(batch_id)
    form = MappingForm()
    errors: list[str] = []
    chosen = dict(batch.mapping)
    if form.validate_on_submit():
        chosen = {h: request.form.get(f"col-{i}", "") for i, h in enumerate(batch.headers)}
        try:
            with unit_of_work():
                confirm_mapping(actor=current_user, batch=batch, mapping=chosen)
        except InvalidInput as exc:
            errors = [m for messages in exc.errors.values() for m in messages]
        except InvalidTransition as exc:
            errors = [str(exc)]
        else:
            return redirect(url_for("imports.detail", batch_id=batch.id))
    preview = _preview(batch)
    status = 400 if errors else 200
    return render_template(
        "imports/mapping.html",
        batch=batch,
        form=form,
        fields=FIELDS,
        labels=FIELD_LABELS,
        chosen=chosen,
        preview=preview,
        errors=errors,
    ), status


def _preview(batch: ImportBatch) -> list[dict[str, str]]:
    """The upload's first rows, read no further (the whole file was read once, at upload)."""
    try:
        return first_rows(batch.data, 5) if batch.data else []
    except UnreadableFile:  # the job says why it stopped
        return []


@bp.get("/<int:batch_id>")
@login_required
def detail(batch_id: int):
    batch = _batch(batch_id)
    return render_template(
        "imports/detail.html",
        batch=batch,
        sectors=list(Sector),
        suggested=startups_with_suggested_sectors(batch.touched_ids, limit=SUGGESTIONS_SHOWN),
        duplicates=likely_duplicates_of(batch),
        rejection_reason=rejection_reason,
    )


@bp.post("/<int:batch_id>/sectors")
@login_required
def confirm_suggested_sectors(batch_id: int):
    """Confirms (or corrects) the sectors suggested for the batch's untagged startups, one form for all."""
    batch = _batch(batch_id)
    chosen = {
        int(key.removeprefix("sectors-")): request.form.getlist(key)
        for key in request.form
        if key.startswith("sectors-") and key.removeprefix("sectors-").isdigit()
    }
    touched = set(batch.touched_ids)
    confirmed = 0
    try:
        with unit_of_work():
            for startup in startups_with_suggested_sectors([i for i in chosen if i in touched]):
                if chosen[startup.id]:
                    confirm_sectors(actor=current_user, startup=startup, sectors=chosen[startup.id])
                    confirmed += 1
    except InvalidInput as exc:
        flash(str(exc), "error")
    else:
        flash(
            ngettext("Sectors confirmed for %(num)d startup.", "Sectors confirmed for %(num)d startups.", confirmed),
            "success",
        )
    return redirect(url_for("imports.detail", batch_id=batch.id))


@bp.get("/<int:batch_id>/status")
@login_required
def status(batch_id: int):
    batch = _batch(batch_id)
    return jsonify(
        status=batch.status.value,
        stage=batch.stage.value,
        percent=batch.percent,
        processed=batch.processed_rows,
        total=batch.total_rows,
        counts=batch.counts,
        error=batch.error,
    )


@bp.get("/<int:batch_id>/rejected.csv")
@login_required
def rejected(batch_id: int):
    batch = _batch(batch_id)
    body = "\ufeff" + rejected_rows_csv(batch)  # BOM: Excel opens UTF-8 with Chinese correctly
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="rejected-rows-{batch.id}.csv"'},
    )


@bp.post("/<int:batch_id>/retry")
@login_required
def retry(batch_id: int):
    batch = _batch(batch_id)
    try:
        with unit_of_work():
            confirm_mapping(actor=current_user, batch=batch, mapping=batch.mapping)
    except (InvalidInput, InvalidTransition) as exc:
        flash(str(exc), "error")
    return redirect(url_for("imports.detail", batch_id=batch.id))
