from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.queries import organisations_of_kind
from marketplace.accounts.rules import is_incubator, is_platform
from marketplace.accounts.submissions import new_form_token
from marketplace.core.db import db
from marketplace.core.taxonomy import Sector, StartupStage
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
from marketplace.startups.rules import (
    can_create_startup,
    can_edit_startup,
    can_view_listing_ids,
    can_view_startup_contact,
)
from marketplace.startups.services import create_startup, merge_startups, update_startup
from marketplace.web.forms import attempt, conflict, create_once, form_values, save_edit
from marketplace.web.guards import allowed_if, loads, platform_only

bp = Blueprint("startups", __name__, url_prefix="/startups")


def _startup(_user, startup_id: int) -> Startup:
    """Every profile is there for everyone signed in; what of it they see is the startups rules'."""
    return startup_by_id(startup_id)


def _may_edit(user, startup: Startup) -> bool:
    return can_edit_startup(user, incubator_ids_for_startup(startup.id))


@bp.get("/")
@login_required
def index():
    filters = StartupFilterForm(request.args)
    filters.fill_choices()
    stage = filters.stage.data if filters.stage.data in StartupStage.__members__.values() else None
    mine = request.args.get("mine") == "1" and is_incubator(current_user)
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
        "startups/index.html", page=page, filters=filters, mine=mine, can_create=can_create_startup(current_user)
    )


@bp.get("/<int:startup_id>")
@login_required
@loads("startup_id", _startup)
def detail(startup: Startup):
    listings = listings_for_startup(startup.id)
    listed_by = {org.id for _listing, org in listings}
    # Needs ranked for this startup: for the incubators that list it, and for the platform.
    needs = rank_needs_for_startup(current_user, startup) if can_edit_startup(current_user, listed_by) else None
    return render_template(
        "startups/detail.html",
        startup=startup,
        listings=listings,
        can_edit=can_edit_startup(current_user, listed_by),
        show_contact=can_view_startup_contact(current_user, listed_by, opted_in_units(startup.id)),
        show_listing_id=lambda org_id: can_view_listing_ids(current_user, org_id),
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
    incubators = organisations_of_kind(OrganisationKind.INCUBATOR) if creating and is_platform(current_user) else None
    form.fill_choices(incubators=incubators, creating=creating)
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@allowed_if(can_create_startup)
def create():
    form = _startup_form(creating=True)
    if form.validate_on_submit():
        saved = create_once(
            form,
            create=lambda: create_startup(
                actor=current_user,
                data=form_values(form, STARTUP_FIELDS),
                incubator_id=form.incubator_id.data if "incubator_id" in form else None,
                external_id=form.external_id.data,
            ),
            target_url=lambda made: url_for("startups.detail", startup_id=made.id),
            fallback=url_for("startups.index"),
            done=_("Startup added."),
        )
        if saved is not None:
            return saved
    status = 400 if request.method == "POST" else 200
    return render_template("startups/form.html", form=form, startup=None), status


@bp.route("/<int:startup_id>/edit", methods=["GET", "POST"])
@login_required
@loads("startup_id", _startup, check=_may_edit)
def edit(startup: Startup):
    form = _startup_form(startup, creating=False)
    stale = None
    if form.validate_on_submit():
        saved, stale = save_edit(
            form,
            startup,
            lambda version: update_startup(
                actor=current_user, startup=startup, data=form_values(form, STARTUP_FIELDS), expected_version=version
            ),
            on_stale=lambda exc: conflict(
                form,
                startup,
                exc,
                heading=_("Someone else changed this startup profile while you were editing it."),
                link=url_for("startups.detail", startup_id=startup.id),
                values={
                    "sectors": lambda s: [Sector(v).label if v in Sector.__members__.values() else v for v in s.sectors]
                },
            ),
        )
        if saved:
            return redirect(url_for("startups.detail", startup_id=startup.id))
    status = 409 if stale is not None else 400 if request.method == "POST" else 200
    return render_template("startups/form.html", form=form, startup=startup, conflict=stale), status


@bp.get("/duplicates")
@login_required
@platform_only
def duplicates():
    pairs = likely_duplicates()
    ids = {i for p in pairs for i in (p.first_id, p.second_id)}
    startups = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_(ids)))} if ids else {}
    return render_template("startups/duplicates.html", pairs=pairs, startups=startups)


@bp.post("/merge")
@login_required
def merge():
    keep = startup_by_id(request.form.get("keep", type=int) or 0)
    drop = startup_by_id(request.form.get("drop", type=int) or 0)
    merged = attempt(
        lambda: merge_startups(actor=current_user, keep=keep, drop=drop),
        _("Merged into %(name)s; its listings, candidates and history were kept.", name=keep.name),
    )
    if not merged:
        return redirect(url_for("startups.duplicates"))
    return redirect(url_for("startups.detail", startup_id=keep.id))
