from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind, UserRole
from marketplace.accounts.models import Organisation
from marketplace.accounts.names import org_name
from marketplace.accounts.queries import organisations_by_id, organisations_of_kind
from marketplace.accounts.submissions import FormTokenRefused, new_form_token, submit_once
from marketplace.audit.queries import history_for
from marketplace.core.db import best_effort, db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.core.versioning import StaleEdit
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.needs.forms import NEED_FIELDS, NeedFilterForm, NeedForm
from marketplace.needs.queries import OPEN, audience_ids_for_need, need_for_user, needs_for_user, terms_acceptance
from marketplace.needs.services import (
    accept_terms,
    capacities,
    change_need_status,
    clone_need,
    create_need,
    update_need,
)
from marketplace.pipeline import transitions
from marketplace.pipeline.queries import board_for_need, opted_in_orgs, pitch_decks_for, vote_counts, votes_of
from marketplace.pipeline.services import can_vote, record_visit
from marketplace.pipeline.transitions import card_moves, next_stages
from marketplace.rankings.forms import MatchFilterForm
from marketplace.rankings.services import can_see_matches, rank_startups_for_need
from marketplace.startups.queries import countries, startup_ids_where
from marketplace.web.forms import conflict, form_values, missing_version, read_version, show_errors

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
        "needs/index.html", page=page, filters=filters, owners=owners, can_create=authz.can_create_need(current_user)
    )


@bp.get("/<int:need_id>")
@login_required
def detail(need_id: int):
    need = need_for_user(current_user, need_id)
    audience = organisations_by_id(audience_ids_for_need(need.id)) if authz.can_edit_need(current_user, need) else {}
    acceptance = terms_acceptance(need.id, current_user.organisation_id) if need.confidential else None
    readable = authz.can_read_full_need(current_user, need, accepted_terms=acceptance is not None)
    filters = MatchFilterForm(request.args)
    filters.fill_choices(countries(), organisations_of_kind(OrganisationKind.INCUBATOR))
    stage = filters.stage.data if filters.stage.data in StartupStage.__members__.values() else None
    allowed = startup_ids_where(
        sector=filters.sector.data or None,
        stage=StartupStage(stage) if stage else None,
        country=filters.country.data or None,
        founded_from=filters.founded_year(),
        incubator_id=filters.incubator_id(),
    )
    matches = None
    if readable and can_see_matches(current_user, need):
        matches = rank_startups_for_need(current_user, need, allowed_ids=allowed)
    last_visit = best_effort(lambda: record_visit(actor=current_user, need_id=need.id), "a need visit")
    held = capacities(current_user, need)
    board = board_for_need(need.id) if held else None
    board_sides = {transitions.BANK} if lifecycle.OWNER in held else set()
    if lifecycle.PLATFORM in held:
        board_sides.add(transitions.PLATFORM)
    is_incubator = current_user.role == UserRole.INCUBATOR_MANAGER
    return render_template(
        "needs/detail.html",
        need=need,
        readable=readable,
        acceptance=acceptance,
        show_contact=authz.can_view_need_contact(current_user, need, opted_in_orgs(need.id)),
        owner=db.session.get(Organisation, need.owner_id),
        audience=list(audience.values()),
        can_edit=authz.can_edit_need(current_user, need),
        can_clone=authz.can_create_need(current_user),
        clone_token=new_form_token() if authz.can_create_need(current_user) else None,
        status_targets=lifecycle.targets(need.status, held),
        board=board,
        board_sides=board_sides,
        decks=pitch_decks_for([c.id for items in board.values() for c, _s in items]) if board else {},
        votes=vote_counts(need.id) if authz.can_see_bank_judgement(current_user) else {},
        my_votes=votes_of(need.id, current_user.id),
        can_vote=can_vote(current_user),
        can_nominate=is_incubator and lifecycle.is_open(need.status, need.deadline) and readable,
        last_visit=last_visit,
        next_stages=next_stages,
        card_moves=card_moves,
        ranked_candidates={c.startup_id: c for items in board.values() for c, _s in items} if board else {},
        history=history_for("need", need.id, action="need.status")
        if authz.can_view_need_review(current_user, need)
        else [],
        matches=matches,
        match_filters=filters,
        own_portfolio_only=is_incubator,
    )


@bp.post("/<int:need_id>/terms")
@login_required
def accept(need_id: int):
    need = need_for_user(current_user, need_id)
    try:
        with unit_of_work():
            accept_terms(actor=current_user, need=need)
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(_("Terms accepted for your incubator. The whole need is open to you."), "success")
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
    bank_units = organisations_of_kind(OrganisationKind.BANK_UNIT) if authz.is_platform(current_user) else None
    form.fill_choices(incubators=organisations_of_kind(OrganisationKind.INCUBATOR), bank_units=bank_units)
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not authz.can_create_need(current_user):
        raise PermissionDenied()
    form = _need_form()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                need, target = submit_once(
                    actor=current_user,
                    token=form.form_token.data,
                    create=lambda: create_need(
                        actor=current_user,
                        data=form_values(form, NEED_FIELDS),
                        owner_id=form.owner_id.data if "owner_id" in form else None,
                        invited_incubator_ids=form.invited_incubators.data or [],
                    ),
                    target_url=lambda made: url_for("needs.detail", need_id=made.id),
                )
        except InvalidInput as exc:
            if isinstance(exc, FormTokenRefused):
                form.form_token.data = new_form_token()
            show_errors(form, exc)
        else:
            if need is None:
                flash(_("This form was already submitted; here is what it made."), "info")
                return redirect(target or url_for("needs.index"))
            flash(_("Need saved as a draft."), "success")
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render_template("needs/form.html", form=form, need=None), status


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = need_for_user(current_user, need_id)
    if not authz.can_edit_need(current_user, need):
        raise PermissionDenied()
    form = _need_form(need)
    stale = None
    if form.validate_on_submit():
        read = read_version(form)
        try:
            if read is None:
                missing_version(form, need.version)
            else:
                with unit_of_work():
                    update_need(
                        actor=current_user,
                        need=need,
                        data=form_values(form, NEED_FIELDS),
                        invited_incubator_ids=form.invited_incubators.data or [],
                        expected_version=read,
                    )
        except StaleEdit as exc:
            db.session.refresh(need)
            stale = _need_conflict(form, need, exc)
        except InvalidInput as exc:
            db.session.refresh(need)
            show_errors(form, exc)
        else:
            if read is not None:
                flash(_("Changes saved."), "success")
                return redirect(url_for("needs.detail", need_id=need.id))
    status = 400 if request.method == "POST" else 200
    if stale is not None:
        status = 409
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
def status(need_id: int):
    need = need_for_user(current_user, need_id)
    target = request.form.get("to", "")
    if target not in NeedStatus.__members__.values():
        flash(_("Choose what should happen to the need."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    try:
        with unit_of_work():
            change_need_status(
                actor=current_user, need=need, to=NeedStatus(target), comment=request.form.get("comment", "")
            )
    except (InvalidTransition, InvalidInput) as exc:
        db.session.refresh(need)
        flash(str(exc) if isinstance(exc, InvalidTransition) else exc.messages, "error")
    else:
        flash(STATUS_DONE_MESSAGES[NeedStatus(target)](), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.post("/<int:need_id>/clone")
@login_required
def clone(need_id: int):
    need = need_for_user(current_user, need_id)
    if not authz.can_create_need(current_user):
        raise PermissionDenied()
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
