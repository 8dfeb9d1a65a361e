from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.accounts.queries import organisations_of_kind
from marketplace.accounts.rules import is_platform
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, NotFound
from marketplace.core.taxonomy import Sector
from marketplace.imports.forms import MappingForm, UploadForm
from marketplace.imports.mapping import FIELD_LABELS, FIELDS, template_xlsx
from marketplace.imports.models import ImportBatch
from marketplace.imports.reading import UnreadableFile, first_rows
from marketplace.imports.rules import can_import, can_import_for
from marketplace.imports.services import (
    confirm_mapping,
    likely_duplicates_of,
    rejected_rows_csv,
    rejection_reason,
    start_import,
)
from marketplace.startups.queries import startups_with_suggested_sectors
from marketplace.startups.services import confirm_sectors
from marketplace.web.forms import attempt
from marketplace.web.guards import allowed_if, loads

bp = Blueprint("imports", __name__, url_prefix="/imports")
# Untagged startups listed with their suggested sectors on an import's result page.
SUGGESTIONS_SHOWN = 200


def _batch(_user, batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    return batch


def _imports_for(user, batch: ImportBatch) -> bool:
    return can_import_for(user, batch.incubator_id)


# An import the user may not run is not there for them (404), like one that does not exist.
batch_of_url = loads("batch_id", _batch, check=_imports_for, hide=True)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed_if(can_import)
def upload():
    form = UploadForm()
    form.fill_choices(organisations_of_kind(OrganisationKind.INCUBATOR) if is_platform(current_user) else None)
    if form.validate_on_submit():
        incubator_id = form.incubator_id.data if "incubator_id" in form else current_user.organisation_id
        incubator = db.session.get(Organisation, incubator_id)
        started = attempt(lambda: _start(form, incubator), form=form, rest_on="file")
        if started:
            return redirect(url_for("imports.mapping", batch_id=started.value.id))
    status = 400 if request.method == "POST" else 200
    return render_template("imports/upload.html", form=form), status


def _start(form: UploadForm, incubator: Organisation | None) -> ImportBatch:
    if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
        raise InvalidInput({"incubator_id": [_("Choose an incubator.")]})
    return start_import(
        actor=current_user,
        incubator=incubator,
        filename=form.file.data.filename or "",
        data=form.file.data.read(),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    )


@bp.get("/template.xlsx")
@login_required
@allowed_if(can_import)
def template():
    language = str(get_locale() or "en")
    return Response(
        template_xlsx(language),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="innomatch-portfolio-template.xlsx"'},
    )


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
@login_required
@batch_of_url
def mapping(batch: ImportBatch):
    form = MappingForm()
    errors: list[str] = []
    chosen = dict(batch.mapping)
    if form.validate_on_submit():
        chosen = {h: request.form.get(f"col-{i}", "") for i, h in enumerate(batch.headers)}
        confirmed = attempt(lambda: confirm_mapping(actor=current_user, batch=batch, mapping=chosen), quiet=True)
        if confirmed:
            return redirect(url_for("imports.detail", batch_id=batch.id))
        errors = confirmed.messages
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
@batch_of_url
def detail(batch: ImportBatch):
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
@batch_of_url
def confirm_suggested_sectors(batch: ImportBatch):
    """Confirms (or corrects) the sectors suggested for the batch's untagged startups, one form for all."""
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
@batch_of_url
def status(batch: ImportBatch):
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
@batch_of_url
def rejected(batch: ImportBatch):
    body = "\ufeff" + rejected_rows_csv(batch)  # BOM: Excel opens UTF-8 with Chinese correctly
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="rejected-rows-{batch.id}.csv"'},
    )


@bp.post("/<int:batch_id>/retry")
@login_required
@batch_of_url
def retry(batch: ImportBatch):
    try:
        with unit_of_work():
            confirm_mapping(actor=current_user, batch=batch, mapping=batch.mapping)
    except (InvalidInput, InvalidTransition) as exc:
        flash(str(exc), "error")
    return redirect(url_for("imports.detail", batch_id=batch.id))
