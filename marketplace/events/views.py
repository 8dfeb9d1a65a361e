from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.queries import organisations_of_kind
from marketplace.db import db, unit_of_work
from marketplace.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.events import lifecycle
from marketplace.events.enums import EventStatus
from marketplace.events.forms import EventForm
from marketplace.events.grid import clock, day_slots
from marketplace.events.queries import (event_for_user, events_for_user, incubator_ids_of, needs_of, pitches_of,
                                        rooms_of)
from marketplace.events.services import change_event_status, create_event, sync_pitches, update_event
from marketplace.form_helpers import show_errors
from marketplace.needs.enums import NeedStatus
from marketplace.needs.queries import needs_for_user

bp = Blueprint("events", __name__, url_prefix="/events")


def _require_platform() -> None:
    if not authz.is_platform(current_user):
        raise PermissionDenied()


def _form(event=None) -> EventForm:
    form = EventForm()
    published = needs_for_user(current_user, status=NeedStatus.PUBLISHED, per_page=500).items
    form.fill_choices(needs=published, incubators=organisations_of_kind(OrganisationKind.INCUBATOR))
    if event is not None and request.method == "GET":
        form.fill_from(event, rooms=[r.name for r in rooms_of(event.id)],
                       need_ids=[n.id for _en, n in needs_of(event.id)], incubator_ids=incubator_ids_of(event.id))
    return form


def _save(form: EventForm, action):
    data, errors = form.values()
    if errors:
        show_errors(form, InvalidInput(errors))
        return None
    try:
        with unit_of_work():
            return action(data=data, rooms=(form.rooms.data or "").splitlines(),
                          need_ids=form.needs.data or [], incubator_ids=form.incubators.data or [])
    except InvalidInput as exc:
        show_errors(form, exc)
    return None


@bp.get("/")
@login_required
def index():
    return render_template("events/index.html", events=events_for_user(current_user),
                           can_create=authz.is_platform(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _require_platform()
    form = _form()
    if form.validate_on_submit():
        event = _save(form, lambda **kw: create_event(actor=current_user, **kw))
        if event is not None:
            flash(_("Event created. Its needs' shortlisted candidates are its pitches."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    _require_platform()
    event = event_for_user(current_user, event_id)
    form = _form(event)
    if form.validate_on_submit():
        saved = _save(form, lambda **kw: update_event(actor=current_user, event=event, **kw))
        if saved is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
        db.session.refresh(event)
    status = 400 if request.method == "POST" else 200
    return render_template("events/form.html", form=form, event=event), status


@bp.get("/<int:event_id>")
@login_required
def detail(event_id: int):
    event = event_for_user(current_user, event_id)
    slots = day_slots(days=event.days, day_start=event.day_start, day_end=event.day_end,
                      slot_minutes=event.slot_minutes, breaks=event.breaks)
    return render_template(
        "events/detail.html", event=event, rooms=rooms_of(event.id), needs=needs_of(event.id),
        pitches=pitches_of(event.id), slots=slots, clock=clock,
        can_manage=authz.is_platform(current_user), status_targets=lifecycle.targets(event.status),
    )


@bp.post("/<int:event_id>/status")
@login_required
def status(event_id: int):
    _require_platform()
    event = event_for_user(current_user, event_id)
    target = request.form.get("to", "")
    if target not in EventStatus.__members__.values():
        flash(_("Choose what should happen to the event."), "error")
    else:
        try:
            with unit_of_work():
                change_event_status(actor=current_user, event=event, to=EventStatus(target))
        except InvalidTransition as exc:
            db.session.refresh(event)
            flash(str(exc), "error")
        else:
            flash(_("The event is now “%(status)s”.", status=event.status.label), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<int:event_id>/pitches/refresh")
@login_required
def refresh_pitches(event_id: int):
    _require_platform()
    event = event_for_user(current_user, event_id)
    with unit_of_work():
        counts = sync_pitches(event)
    flash(_("Pitches follow the shortlists: %(added)s added, %(cancelled)s cancelled, %(waiting)s shortlisted "
            "but not yet opted in.", **counts), "success")
    return redirect(url_for("events.detail", event_id=event.id) + "#pitches")
