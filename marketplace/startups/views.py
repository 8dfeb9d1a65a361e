from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.queries import organisations_of_kind
from marketplace.accounts.submissions import FormTokenRefused, new_form_token, submit_once
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, PermissionDenied
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.core.versioning import StaleEdit
from marketplace.pipeline.queries import opted_in_units
from marketplace.rankings.services import rank_needs_for_startup, search_startup_page
from marketplace.startups.duplicates import likely_duplicates
from marketplace.startups.forms import STARTUP_FIELDS, StartupFilterForm, StartupForm
from marketplace.startups.models import Startup
from marketplace.startups.queries import (
    incubator_ids_for_startup,
    listings_for_startup,
    startup_by_id,
    startup_directory,
    startup_ids_where,
)
from marketplace.startups.services import create_startup, merge_startups, update_startup
from marketplace.web.forms import conflict, form_values, missing_version, read_version, show_errors

bp = Blueprint("startups", __name__, url_prefix="/startups")


@bp.get("/")
@login_required
def index():
    filters = StartupFilterForm(request.args)
    filters.fill_choices()
    stage = filters.stage.data if filters.stage.data in StartupStage.__members__.values() else None
    mine = request.args.get("mine") == "1" and current_user.role == "incubator_manager"
    stage_value = StartupStage(stage) if stage else None
    incubator_id = current_user.organisation_id if mine else None
    page_number = request.args.get("page", 1, type=int) or 1
    per_page = current_app.config["PAGE_SIZE"]
    text = (filters.q.data or "").strip()
    if text:
        allowed = startup_ids_where(sector=filters.sector.data or None, stage=stage_value, incubator_id=incubator_id)
        page = search_startup_page(text, allowed_ids=allowed, page=page_number, per_page=per_page)
    else:
        page = startup_directory(
            sector=filters.sector.data or None,
            stage=stage_value,
            incubator_id=incubator_id,
            page=page_number,
            per_page=per_page,
        )
    return render_template(
        "startups/index.html", page=page, filters=filters, mine=mine, can_create=authz.can_create_startup(current_user)
    )


@bp.get("/<int:startup_id>")
@login_required
def detail(startup_id: int):
    startup = startup_by_id(startup_id)
    listings = listings_for_startup(startup.id)
    listed_by = {org.id for _listing, org in listings}
    # Needs ranked for this startup: for the incubators that list it, and for the platform.
    needs = rank_needs_for_startup(current_user, startup) if authz.can_edit_startup(current_user, listed_by) else None
    return render_template(
        "startups/detail.html",
        startup=startup,
        listings=listings,
        can_edit=authz.can_edit_startup(current_user, listed_by),
        show_contact=authz.can_view_startup_contact(current_user, listed_by, opted_in_units(startup.id)),
        show_listing_id=lambda org_id: authz.can_view_listing_ids(current_user, org_id),
        needs=needs,
    )


def _startup_form(obj=None, *, creating: bool) -> StartupForm:
    data = None
    if obj is not None and request.method == "GET":
        data = {name: getattr(obj, name) for name in STARTUP_FIELDS}
        data["tags"] = ", ".join(obj.tags)
        data["stage"] = obj.stage.value if obj.stage else ""
        for name in ("founded_year", "team_size", "funding_raised_usd"):
            data[name] = "" if data[name] is None else str(data[name])
        data["version"] = str(obj.version)
    form = StartupForm(data=data) if data else StartupForm()
    if creating and request.method == "GET":
        form.form_token.data = new_form_token()
    incubators = (
        organisations_of_kind(OrganisationKind.INCUBATOR) if creating and authz.is_platform(current_user) else None
    )
    form.fill_choices(incubators=incubators, creating=creating)
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not authz.can_create_startup(current_user):
        raise PermissionDenied()
    form = _startup_form(creating=True)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                startup, target = submit_once(
                    actor=current_user,
                    token=form.form_token.data,
                    create=lambda: create_startup(
                        actor=current_user,
                        data=form_values(form, STARTUP_FIELDS),
                        incubator_id=form.incubator_id.data if "incubator_id" in form else None,
                        external_id=form.external_id.data,
                    ),
                    target_url=lambda made: url_for("startups.detail", startup_id=made.id),
                )
        except InvalidInput as exc:
            if isinstance(exc, FormTokenRefused):
                form.form_token.data = new_form_token()
            show_errors(form, exc)
        else:
            if startup is None:
                flash(_("This form was already submitted; here is what it made."), "info")
                return redirect(target or url_for("startups.index"))
            flash(_("Startup added."), "success")
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render_template("startups/form.html", form=form, startup=None), status


@bp.route("/<int:startup_id>/edit", methods=["GET", "POST"])
@login_required
def edit(startup_id: int):
    startup = startup_by_id(startup_id)
    if not authz.can_edit_startup(current_user, incubator_ids_for_startup(startup.id)):
        raise PermissionDenied()
    form = _startup_form(startup, creating=False)
    stale = None
    if form.validate_on_submit():
        read = read_version(form)
        try:
            if read is None:
                missing_version(form, startup.version)
            else:
                with unit_of_work():
                    update_startup(
                        actor=current_user,
                        startup=startup,
                        data=form_values(form, STARTUP_FIELDS),
                        expected_version=read,
                    )
        except StaleEdit as exc:
            db.session.refresh(startup)
            stale = conflict(
                form,
                startup,
                exc,
                heading=_("Someone else changed this startup profile while you were editing it."),
                link=url_for("startups.detail", startup_id=startup.id),
                values={
                    "sectors": lambda s: [Sector(v).label if v in Sector.__members__.values() else v for v in s.sectors]
                },
            )
        except InvalidInput as exc:
            db.session.refresh(startup)
            show_errors(form, exc)
        else:
            if read is not None:
                flash(_("Changes saved."), "success")
                return redirect(url_for("startups.detail", startup_id=startup.id))
    status = 409 if stale is not None else 400 if request.method == "POST" else 200
    return render_template("startups/form.html", form=form, startup=startup, conflict=stale), status


@bp.get("/duplicates")
@login_required
def duplicates():
    if not authz.is_platform(current_user):
        raise PermissionDenied()
    pairs = likely_duplicates()
    ids = {i for p in pairs for i in (p.first_id, p.second_id)}
    startups = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_(ids)))} if ids else {}
    return render_template("startups/duplicates.html", pairs=pairs, startups=startups)


@bp.post("/merge")
@login_required
def merge():
    keep = startup_by_id(request.form.get("keep", type=int) or 0)
    drop = startup_by_id(request.form.get("drop", type=int) or 0)
    try:
        with unit_of_work():
            merge_startups(actor=current_user, keep=keep, drop=drop)
    except InvalidInput as exc:
        flash(exc.messages, "error")
        return redirect(url_for("startups.duplicates"))
    flash(_("Merged into %(name)s; its listings, candidates and history were kept.", name=keep.name), "success")
    return redirect(url_for("startups.detail", startup_id=keep.id))
