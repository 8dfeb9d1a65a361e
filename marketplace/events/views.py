from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import User
from marketplace.accounts.queries import organisations_of_kind
from marketplace.accounts.rules import is_incubator, is_platform
from marketplace.accounts.services import reset_feed_address
from marketplace.accounts.views import safe_next
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, NotFound, PermissionDenied
from marketplace.events.agenda import agenda_scope, personal_entries, to_ics
from marketplace.events.agenda import entries as agenda_entries
from marketplace.events.enums import EventStatus
from marketplace.events.feeds import feed_token, user_id_for
from marketplace.events.forms import EventForm
from marketplace.events.grid import block_slots, clock, event_slots, half_of, halves_of
from marketplace.events.models import Event, Pitch
from marketplace.events.pages import detail_page
from marketplace.events.queries import (
    event_for_user,
    events_for_user,
    incubator_ids_of,
    latest_run,
    my_scores,
    my_startups_pitching,
    needs_of,
    pitches_of,
    rooms_of,
    schedule_result_for,
    unavailable_slots,
)
from marketplace.events.results_export import results_csv, results_xlsx
from marketplace.events.rules import judged_need_ids, judges_at, may_judge, reads_results
from marketplace.events.scoring import leniency, mark_winner, submit_score, weighted
from marketplace.events.scoring import results as scoring_results
from marketplace.events.services import (
    cancel_pitch,
    change_event_status,
    check_availability_access,
    create_event,
    move_pitch,
    request_schedule,
    set_unavailability,
    sync_pitches,
    update_event,
)
from marketplace.needs.enums import NeedStatus
from marketplace.needs.queries import needs_for_user
from marketplace.web.forms import attempt, show_errors
from marketplace.web.guards import loads, platform_only

bp = Blueprint("events", __name__, url_prefix="/events")


def _form(event=None) -> EventForm:
    form = EventForm()
    published = needs_for_user(current_user, status=NeedStatus.PUBLISHED, per_page=500).items
    form.fill_choices(needs=published, incubators=organisations_of_kind(OrganisationKind.INCUBATOR))
    if event is not None and request.method == "GET":
        form.fill_from(
            event,
            rooms=[r.name for r in rooms_of(event.id)],
            need_ids=[n.id for _en, n in needs_of(event.id)],
            incubator_ids=incubator_ids_of(event.id),
        )
    return form


def _save(form: EventForm, action, done: str, *, refresh: Event | None = None):
    """The event form's values handed to ``action`` (create or update); what came of it, or None when the form's own
    parsing refused them (the errors on the form either way)."""
    data, errors = form.values()
    if errors:
        show_errors(form, InvalidInput(errors))
        return None
    return attempt(
        lambda: action(
            data=data,
            rooms=(form.rooms.data or "").splitlines(),
            need_ids=form.needs.data or [],
            incubator_ids=form.incubators.data or [],
        ),
        done,
        form=form,
        refresh=refresh,
    )


@bp.get("/")
@login_required
def index():
    return render_template(
        "events/index.html", events=events_for_user(current_user), can_create=is_platform(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@platform_only
def create():
    form = _form()
    if form.validate_on_submit():
        made = _save(
            form,
            lambda **kw: create_event(actor=current_user, **kw),
            _("Event created. Its needs' shortlisted candidates are its pitches."),
        )
        if made:
            return redirect(url_for("events.detail", event_id=made.value.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
@platform_only
@loads("event_id", event_for_user)
def edit(event: Event):
    form = _form(event)
    if form.validate_on_submit() and _save(
        form, lambda **kw: update_event(actor=current_user, event=event, **kw), _("Changes saved."), refresh=event
    ):
        return redirect(url_for("events.detail", event_id=event.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/form.html", form=form, event=event), status


@bp.get("/<int:event_id>")
@login_required
@loads("event_id", event_for_user)
def detail(event: Event):
    return render_template(
        "events/detail.html", **detail_page(current_user, event, moving_id=request.args.get("move", type=int))
    )


def _pitch_of(event: Event, pitch_id: int) -> Pitch:
    """One of the event's pitches, for the organiser's pitch actions."""
    pitch = db.session.get(Pitch, pitch_id)
    if pitch is None or pitch.event_id != event.id:
        raise NotFound()
    return pitch


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/move")
@login_required
@platform_only
@loads("event_id", event_for_user)
def move(event: Event, pitch_id: int):
    pitch = _pitch_of(event, pitch_id)
    form = request.form
    moved = attempt(
        lambda: move_pitch(
            actor=current_user,
            pitch=pitch,
            room_id=form.get("room", type=int) or 0,
            start_slot=form.get("slot", type=int, default=-1),
            expected_version=form.get("version", type=int),
        )
    )
    if moved:
        flash(
            _("The two pitches swapped places; both are pinned there now.")
            if moved.value.swapped_with is not None
            else _("Pitch moved and pinned there."),
            "success",
        )
    return redirect(url_for("events.detail", event_id=event.id) + "#schedule")


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/cancel")
@login_required
@platform_only
@loads("event_id", event_for_user)
def cancel(event: Event, pitch_id: int):
    pitch = _pitch_of(event, pitch_id)
    attempt(
        lambda: cancel_pitch(actor=current_user, pitch=pitch),
        _("Pitch cancelled. Run the scheduler again to close the gap; it moves as few pitches as it can."),
    )
    return redirect(url_for("events.detail", event_id=event.id) + "#pitches")


@bp.post("/<int:event_id>/schedule")
@login_required
@platform_only
@loads("event_id", event_for_user)
def schedule(event: Event):
    attempt(
        lambda: request_schedule(actor=current_user, event=event),
        _("The scheduler is at work; this page shows its progress."),
    )
    return redirect(url_for("events.detail", event_id=event.id) + "#schedule")


@bp.get("/<int:event_id>/schedule/status")
@login_required
@loads("event_id", event_for_user)
def schedule_status(event: Event):
    run = latest_run(event.id)
    if run is None:
        return jsonify({"status": "none"})
    return jsonify(
        {
            "status": run.status,
            "progress": run.progress,
            "result": schedule_result_for(current_user, event.id, run.result),
        }
    )


@bp.post("/<int:event_id>/status")
@login_required
@platform_only
@loads("event_id", event_for_user)
def status(event: Event):
    target = request.form.get("to", "")
    if target not in EventStatus.__members__.values():
        flash(_("Choose what should happen to the event."), "error")
    else:
        if attempt(lambda: change_event_status(actor=current_user, event=event, to=EventStatus(target)), refresh=event):
            flash(_("The event is now “%(status)s”.", status=event.status.label), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.post("/<int:event_id>/pitches/refresh")
@login_required
@platform_only
@loads("event_id", event_for_user)
def refresh_pitches(event: Event):
    with unit_of_work():
        counts = sync_pitches(event)
    flash(
        _(
            "Pitches follow the shortlists: %(added)s added, %(cancelled)s cancelled, %(waiting)s shortlisted "
            "but not yet opted in.",
            **counts,
        ),
        "success",
    )
    return redirect(url_for("events.detail", event_id=event.id) + "#pitches")


@bp.route("/<int:event_id>/availability", methods=["GET", "POST"])
@login_required
@loads("event_id", event_for_user)
def availability(event: Event):
    """The slots a panel member, or one of an incubator's pitching startups, cannot make."""
    startups = my_startups_pitching(event.id, current_user.organisation_id) if is_incubator(current_user) else []
    startup_id = request.values.get("startup", type=int)
    if is_incubator(current_user) and startup_id is None and startups:
        startup_id = startups[0].id
    party = {"startup_id": startup_id} if startup_id else {"user_id": current_user.id}
    slots = event_slots(event)
    if request.method == "POST":
        marked = set(request.form.getlist("slot", type=int)) | block_slots(slots, request.form.getlist("block"))
        saved = attempt(lambda: set_unavailability(actor=current_user, event=event, slots=marked, **party))
        if saved:
            flash(_availability_saved(saved.value.clashes), "warning" if saved.value.clashes else "success")
        return redirect(
            url_for("events.availability", event_id=event.id, **({"startup": startup_id} if startup_id else {}))
        )
    check_availability_access(current_user, event, **party)
    return render_template(
        "events/availability.html",
        event=event,
        slots=slots,
        clock=clock,
        startups=startups,
        startup_id=startup_id,
        away=unavailable_slots(event.id, **party),
        half_of=half_of,
        halves_of=halves_of,
        day_date=lambda day: event.starts_on + timedelta(days=day),
    )


def _availability_saved(clashes: int) -> str:
    """What happens next, said to whoever saved their availability."""
    if not clashes:
        return _("Saved. The scheduler keeps these slots free.")
    return ngettext(
        "Saved. %(num)d pitch is already placed at a time you cannot make: the organisers are told and "
        "will re-solve the schedule or move it.",
        "Saved. %(num)d pitches are already placed at times you cannot make: the organisers are told "
        "and will re-solve the schedule or move them.",
        clashes,
    )


def _agenda(event):
    need_id = request.args.get("need", type=int)
    startup_id = request.args.get("startup", type=int)
    needs, startups = agenda_scope(current_user, event, need_id=need_id, startup_id=startup_id)
    return agenda_entries(
        event, tz=current_app.config["EVENT_TIMEZONE"], need_ids=needs, startup_ids=startups, viewer=current_user
    )


@bp.get("/<int:event_id>/agenda")
@login_required
@loads("event_id", event_for_user)
def agenda(event: Event):
    """A printable agenda: the user's own part by default, or one need's or one startup's."""
    items = _agenda(event)
    return render_template(
        "events/agenda.html",
        event=event,
        items=items,
        feed_url=url_for("events.feed", token=feed_token(current_user), _external=True),
    )


@bp.get("/<int:event_id>/agenda.ics")
@login_required
@loads("event_id", event_for_user)
def agenda_ics(event: Event):
    body = to_ics(_agenda(event), name=event.name)
    return Response(
        body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'}
    )


@bp.get("/feeds/<token>.ics")
def feed(token: str):
    """A person's subscription feed: every published pitch they take part in (no sign-in; the token
    is the key)."""
    user_id = user_id_for(token)  # None for a forged token and for one from before the person's last reset
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise NotFound()
    body = to_ics(personal_entries(user, tz=current_app.config["EVENT_TIMEZONE"]), name="innomatch")
    return Response(body, mimetype="text/calendar")


@bp.post("/feeds/reset")
@login_required
def reset_feed():
    """The signed-in person's own feed gets a new address; the old one stops working (for a URL shared by
    mistake). Back to the page the button was on."""
    with unit_of_work():
        reset_feed_address(current_user)
    flash(
        _("Your calendar feed has a new address. The old address no longer works: subscribe again with the new one."),
        "success",
    )
    return redirect(safe_next(request.form.get("next")))


@bp.get("/<int:event_id>/score")
@login_required
@loads("event_id", event_for_user, check=judges_at)
def score_list(event: Event):
    """A judge's pitches to score, in time order."""
    mine = judged_need_ids(current_user, event.id)
    rows = sorted(
        (r for r in pitches_of(event.id) if r.need.id in mine),
        key=lambda r: (r.pitch.start_slot is None, r.pitch.start_slot or 0),
    )
    scored = my_scores(event.id, current_user.id)
    return render_template(
        "events/score_list.html",
        event=event,
        rows=rows,
        scored=scored,
        total=lambda marks: weighted(event.rubric, marks),
        slots=event_slots(event),
        clock=clock,
        room_names={r.id: r.name for r in rooms_of(event.id)},
    )


@bp.route("/<int:event_id>/pitches/<int:pitch_id>/score", methods=["GET", "POST"])
@login_required
@loads("event_id", event_for_user)
def score(event: Event, pitch_id: int):
    row = next((r for r in pitches_of(event.id) if r.pitch.id == pitch_id), None)
    if row is None:
        raise NotFound()
    existing = my_scores(event.id, current_user.id).get(pitch_id)
    marks = dict(existing.marks) if existing else {}
    comment = existing.comment if existing else ""
    errors: list[str] = []
    if request.method == "POST":
        marks = {c["key"]: request.form.get(c["key"], "") for c in event.rubric}
        comment = request.form.get("comment", "")
        scored = attempt(
            lambda: submit_score(actor=current_user, pitch=row.pitch, marks=marks, comment=comment),
            _("Scores saved for %(startup)s.", startup=row.startup.name),
            quiet=True,
        )
        if scored:
            return redirect(url_for("events.score_list", event_id=event.id))
        errors = scored.messages
    elif not may_judge(current_user, row.need):
        raise PermissionDenied()
    status = 400 if errors else 200
    return render_template(
        "events/score.html", event=event, row=row, marks=marks, comment=comment, errors=errors
    ), status


def _results_for_reader(event: Event):
    """The event's results as the reader may see them (``rules.reads_results``): the platform every need, a
    judge their panels'."""
    platform = is_platform(current_user)
    need_ids = None if platform else judged_need_ids(current_user, event.id)
    return scoring_results(event, need_ids=need_ids), platform


@bp.get("/<int:event_id>/results")
@login_required
@loads("event_id", event_for_user, check=reads_results)
def results_page(event: Event):
    found, platform = _results_for_reader(event)
    needs = {n.id: n for _en, n in needs_of(event.id)}
    return render_template(
        "events/results.html",
        event=event,
        results=found,
        needs=needs,
        leniency=leniency(event) if platform else [],
        can_manage=platform,
    )


@bp.get("/<int:event_id>/results.csv", defaults={"extension": "csv"})
@bp.get("/<int:event_id>/results.xlsx", defaults={"extension": "xlsx"})
@login_required
@loads("event_id", event_for_user, check=reads_results)
def results_export(event: Event, extension: str):
    """The results page's content as a spreadsheet, for the same readers."""
    found, _platform = _results_for_reader(event)
    name = f"innomatch-results-event-{event.id}.{extension}"
    body, mimetype = (
        (results_csv(event, found), "text/csv")
        if extension == "csv"
        else (results_xlsx(event, found), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/winner")
@login_required
@platform_only
@loads("event_id", event_for_user)
def winner(event: Event, pitch_id: int):
    pitch = _pitch_of(event, pitch_id)
    attempt(
        lambda: mark_winner(actor=current_user, pitch=pitch),
        _("Selected for a pilot; the pipeline and the startup's side have been told."),
    )
    return redirect(url_for("events.results_page", event_id=event.id))
