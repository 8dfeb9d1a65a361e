from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.accounts.names import org_name
from marketplace.accounts.queries import organisations_by_id, organisations_of_kind
from marketplace.accounts.rules import is_platform
from marketplace.accounts.submissions import FormTokenRefused, new_form_token, submit_once
from marketplace.audit.versioning import StaleEdit
from marketplace.core.db import best_effort, db, unit_of_work
from marketplace.core.taxonomy import Sector
from marketplace.needs.enums import NeedStatus
from marketplace.needs.forms import NEED_FIELDS, NeedFilterForm, NeedForm
from marketplace.needs.models import Need
from marketplace.needs.pages import detail_page
from marketplace.needs.queries import OPEN, audience_ids_for_need, need_for_user, needs_for_user
from marketplace.needs.rules import can_create_need, can_edit_need
from marketplace.needs.services import (
    accept_terms,
    change_need_status,
    clone_need,
    create_need,
    update_need,
)
from marketplace.pipeline.services import record_visit
from marketplace.rankings.forms import MatchFilterForm
from marketplace.startups.queries import countries
from marketplace.web.forms import attempt, conflict, create_once, form_values, save_edit
from marketplace.web.guards import allowed_if, loads

bp = Blueprint("needs", __name__, url_prefix="/needs")


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/")
@login_required
def index():
    filters = NeedFilterForm(request.args)
    filters.fill_choices()
    status = filters.status.data
    page = needs_for_user(
        current_user,
        sector=filters.sector.data or None,
        status=OPEN if status == OPEN else NeedStatus(status) if status in NeedStatus.__members__.values() else None,
        text=filters.q.data or "",
        page=_page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
    )
    owners = organisations_by_id({n.owner_id for n in page.items})
    return render_template(
        "needs/index.html", page=page, filters=filters, owners=owners, can_create=can_create_need(current_user)
    )


@bp.get("/<int:need_id>")
@login_required
@loads("need_id", need_for_user)
def detail(need: Need):
    filters = MatchFilterForm(request.args)
    filters.fill_choices(countries(), organisations_of_kind(OrganisationKind.INCUBATOR))
    last_visit = best_effort(lambda: record_visit(actor=current_user, need_id=need.id), "a need visit")
    return render_template("needs/detail.html", **detail_page(current_user, need, filters, last_visit=last_visit))


@bp.post("/<int:need_id>/terms")
@login_required
@loads("need_id", need_for_user)
def accept(need: Need):
    attempt(
        lambda: accept_terms(actor=current_user, need=need),
        _("Terms accepted for your incubator. The whole need is open to you."),
    )
    return redirect(url_for("needs.detail", need_id=need.id))


def _need_form(obj=None) -> NeedForm:
    data = None
    if obj is not None and request.method == "GET":
        data = {
            **{name: getattr(obj, name) for name in NEED_FIELDS},
            "scenarios": "\n".join(obj.scenarios),
            "technology_tags": ", ".join(obj.technology_tags),
            "deadline": obj.deadline.isoformat() if obj.deadline else "",
            "desired_stage": obj.desired_stage.value if obj.desired_stage else "",
            "invited_incubators": sorted(audience_ids_for_need(obj.id)),
            "owner_id": obj.owner_id,
            "version": str(obj.version),
        }
    form = NeedForm(data=data) if data else NeedForm()
    if obj is None and request.method == "GET":
        form.form_token.data = new_form_token()
    bank_units = organisations_of_kind(OrganisationKind.BANK_UNIT) if is_platform(current_user) else None
    form.fill_choices(incubators=organisations_of_kind(OrganisationKind.INCUBATOR), bank_units=bank_units)
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed_if(can_create_need)
def create():
    form = _need_form()
    if form.validate_on_submit():
        saved = create_once(
            form,
            create=lambda: create_need(
                actor=current_user,
                data=form_values(form, NEED_FIELDS),
                owner_id=form.owner_id.data if "owner_id" in form else None,
                invited_incubator_ids=form.invited_incubators.data or [],
            ),
            target_url=lambda made: url_for("needs.detail", need_id=made.id),
            fallback=url_for("needs.index"),
            done=_("Need saved as a draft."),
        )
        if saved is not None:
            return saved
    status = 400 if request.method == "POST" else 200
    return render_template("needs/form.html", form=form, need=None), status


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
@loads("need_id", need_for_user, check=can_edit_need)
def edit(need: Need):
    form = _need_form(need)
    stale = None
    if form.validate_on_submit():
        saved, stale = save_edit(
            form,
            need,
            lambda version: update_need(
                actor=current_user,
                need=need,
                data=form_values(form, NEED_FIELDS),
                invited_incubator_ids=form.invited_incubators.data or [],
                expected_version=version,
            ),
            on_stale=lambda exc: _need_conflict(form, need, exc),
        )
        if saved:
            return redirect(url_for("needs.detail", need_id=need.id))
    status = 409 if stale is not None else 400 if request.method == "POST" else 200
    return render_template("needs/form.html", form=form, need=need, conflict=stale), status


def _need_conflict(form: NeedForm, need, exc: StaleEdit):
    """The edit page's notice: the need changed under the edit (who changed which field, and its value now)."""

    def audience(n):
        return [org_name(org) for org in organisations_by_id(audience_ids_for_need(n.id)).values()]

    def owner(n):
        found = db.session.get(Organisation, n.owner_id)
        return org_name(found) if found is not None else n.owner_id

    def sectors(n):
        return [Sector(value).label if value in Sector.__members__.values() else value for value in n.sector_tags]

    return conflict(
        form,
        need,
        exc,
        heading=_("Someone else changed this need while you were editing it."),
        link=url_for("needs.detail", need_id=need.id),
        labels={
            "status": _("Status"),
            "owner_id": _("Owning bank unit"),
            "invited_incubator_ids": str(form.invited_incubators.label.text),
        },
        values={"invited_incubator_ids": audience, "owner_id": owner, "sector_tags": sectors},
    )


@bp.post("/<int:need_id>/status")
@login_required
@loads("need_id", need_for_user)
def status(need: Need):
    target = request.form.get("to", "")
    if target not in NeedStatus.__members__.values():
        flash(_("Choose what should happen to the need."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    attempt(
        lambda: change_need_status(
            actor=current_user, need=need, to=NeedStatus(target), comment=request.form.get("comment", "")
        ),
        STATUS_DONE_MESSAGES[NeedStatus(target)](),
        refresh=need,
    )
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.post("/<int:need_id>/clone")
@login_required
@loads("need_id", need_for_user, check=lambda user, _need: can_create_need(user))
def clone(need: Need):
    try:
        with unit_of_work():
            copy, target = submit_once(
                actor=current_user,
                token=request.form.get("form_token"),
                create=lambda: clone_need(actor=current_user, need=need),
                target_url=lambda made: url_for("needs.edit", need_id=made.id),
            )
    except FormTokenRefused as exc:
        flash(exc.messages, "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    if copy is None:
        flash(_("This form was already submitted; here is what it made."), "info")
        return redirect(target or url_for("needs.detail", need_id=need.id))
    flash(_("A draft copy was made; edit it before submitting."), "success")
    return redirect(target)


STATUS_DONE_MESSAGES = {
    NeedStatus.IN_REVIEW: lambda: _("Submitted for review. The organisers have been notified."),
    NeedStatus.PUBLISHED: lambda: _("Published. The incubators it is open to have been notified."),
    NeedStatus.DRAFT: lambda: _("Sent back for changes; the author has been told why."),
    NeedStatus.CLOSED: lambda: _("Closed."),
    NeedStatus.WITHDRAWN: lambda: _("Withdrawn."),
}
