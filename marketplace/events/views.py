from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import OrganisationKind, UserRole
from marketplace.accounts.names import org_name
from marketplace.accounts.queries import organisations_by_id, organisations_of_kind
from marketplace.accounts.services import reset_feed_address
from marketplace.accounts.views import safe_next
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from marketplace.events import lifecycle
from marketplace.events.agenda import agenda_scope, judged_need_ids, personal_entries, to_ics
from marketplace.events.agenda import entries as agenda_entries
from marketplace.events.conflicts import conflicts, target_warnings
from marketplace.events.enums import EventStatus
from marketplace.events.feeds import feed_token, user_id_for
from marketplace.events.forms import EventForm
from marketplace.events.grid import block_slots, clock, day_slots, half_of, halves_of
from marketplace.events.models import Pitch
from marketplace.events.queries import (
    event_for_user,
    events_for_user,
    grid_cells,
    incubator_ids_of,
    latest_run,
    my_scores,
    my_startups_pitching,
    needs_of,
    pitches_of,
    rooms_of,
    schedule_result_for,
    unavailable_slots,
    visible_pitches,
)
from marketplace.events.reasons import reason_text
from marketplace.events.scheduling_input import build_problem
from marketplace.events.scoring import leniency, mark_winner, may_judge, submit_score, weighted
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
from marketplace.needs.queries import needs_for_user, visible_need_ids
from marketplace.web.forms import attempt, show_errors
from scheduling.model import Placement

bp = Blueprint("events", __name__, url_prefix="/events")


def _require_platform() -> None:
    if not authz.is_platform(current_user):
        raise PermissionDenied()


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


def _save(form: EventForm, action):
    data, errors = form.values()
    if errors:
        show_errors(form, InvalidInput(errors))
        return None
    try:
        with unit_of_work():
            return action(
                data=data,
                rooms=(form.rooms.data or "").splitlines(),
                need_ids=form.needs.data or [],
                incubator_ids=form.incubators.data or [],
            )
    except InvalidInput as exc:
        show_errors(form, exc)
    return None


@bp.get("/")
@login_required
def index():
    return render_template(
        "events/index.html", events=events_for_user(current_user), can_create=authz.is_platform(current_user)
    )


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
    slots = day_slots(
        days=event.days,
        day_start=event.day_start,
        day_end=event.day_end,
        slot_minutes=event.slot_minutes,
        breaks=event.breaks,
    )
    needs = needs_of(event.id)
    pitches = pitches_of(event.id)
    if not authz.is_platform(current_user):
        # Only the needs this person may see: an incubator invited to the day must not read the titles of
        # internal or uninvited needs here either; and only the pitches they may know about (the API's
        # events show the same).
        visible = visible_need_ids(current_user, {n.id for _en, n in needs})
        needs = [(en, n) for en, n in needs if n.id in visible]
        pitches = visible_pitches(current_user, pitches)
    problem = build_problem(event, keep_current=False)
    placed = [
        Placement(r.pitch.id, problem.room_ids.index(r.pitch.room_id), r.pitch.start_slot)
        for r in pitches
        if r.pitch.room_id in problem.room_ids and r.pitch.start_slot is not None
    ]
    moving = next((r for r in pitches if r.pitch.id == request.args.get("move", type=int)), None)
    run = latest_run(event.id)
    rooms = rooms_of(event.id)
    platform = authz.is_platform(current_user)
    return render_template(
        "events/detail.html",
        event=event,
        rooms=rooms,
        room_names={r.id: r.name for r in rooms},
        needs=needs,
        pitches=pitches,
        slots=slots,
        invited=sorted(organisations_by_id(incubator_ids_of(event.id)).values(), key=org_name) if platform else [],
        clock=clock,
        cells=grid_cells(pitches, {n.id: en.pitch_slots for en, n in needs}),
        run=run,
        result=schedule_result_for(current_user, event.id, run.result if run else None),
        reason_text=reason_text,
        is_judge=bool(judged_need_ids(current_user, event.id)),
        moving=moving,
        warnings=conflicts(problem.instance, placed),
        target_warnings={
            (problem.room_ids[room], slot): found
            for (room, slot), found in target_warnings(problem.instance, placed, moving.pitch.id).items()
        }
        if moving
        else {},
        can_manage=platform,
        status_targets=lifecycle.targets(event.status),
    )


def _pitch_of(event_id: int, pitch_id: int):
    """The event and one of its pitches, for the organiser's pitch actions."""
    _require_platform()
    event = event_for_user(current_user, event_id)
    pitch = db.session.get(Pitch, pitch_id)
    if pitch is None or pitch.event_id != event.id:
        raise NotFound()
    return event, pitch


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/move")
@login_required
def move(event_id: int, pitch_id: int):
    event, pitch = _pitch_of(event_id, pitch_id)
    form = request.form
    try:
        with unit_of_work():
            done = move_pitch(
                actor=current_user,
                pitch=pitch,
                room_id=form.get("room", type=int) or 0,
                start_slot=form.get("slot", type=int, default=-1),
                expected_version=form.get("version", type=int),
            )
    except InvalidInput as exc:
        flash(exc.messages, "error")
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(
            _("The two pitches swapped places; both are pinned there now.")
            if done.swapped_with is not None
            else _("Pitch moved and pinned there."),
            "success",
        )
    return redirect(url_for("events.detail", event_id=event.id) + "#schedule")


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/cancel")
@login_required
def cancel(event_id: int, pitch_id: int):
    event, pitch = _pitch_of(event_id, pitch_id)
    attempt(
        lambda: cancel_pitch(actor=current_user, pitch=pitch),
        _("Pitch cancelled. Run the scheduler again to close the gap; it moves as few pitches as it can."),
    )
    return redirect(url_for("events.detail", event_id=event.id) + "#pitches")


@bp.post("/<int:event_id>/schedule")
@login_required
def schedule(event_id: int):
    _require_platform()
    event = event_for_user(current_user, event_id)
    attempt(
        lambda: request_schedule(actor=current_user, event=event),
        _("The scheduler is at work; this page shows its progress."),
    )
    return redirect(url_for("events.detail", event_id=event.id) + "#schedule")


@bp.get("/<int:event_id>/schedule/status")
@login_required
def schedule_status(event_id: int):
    event = event_for_user(current_user, event_id)
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
def availability(event_id: int):
    """The slots a panel member, or one of an incubator's pitching startups, cannot make."""
    event = event_for_user(current_user, event_id)
    startups = (
        my_startups_pitching(event.id, current_user.organisation_id)
        if current_user.role == UserRole.INCUBATOR_MANAGER
        else []
    )
    startup_id = request.values.get("startup", type=int)
    if current_user.role == UserRole.INCUBATOR_MANAGER and startup_id is None and startups:
        startup_id = startups[0].id
    party = {"startup_id": startup_id} if startup_id else {"user_id": current_user.id}
    slots = day_slots(
        days=event.days,
        day_start=event.day_start,
        day_end=event.day_end,
        slot_minutes=event.slot_minutes,
        breaks=event.breaks,
    )
    if request.method == "POST":
        marked = set(request.form.getlist("slot", type=int)) | block_slots(slots, request.form.getlist("block"))
        try:
            with unit_of_work():
                saved = set_unavailability(actor=current_user, event=event, slots=marked, **party)
        except InvalidInput as exc:
            flash(exc.messages, "error")
        else:
            flash(_availability_saved(saved.clashes), "warning" if saved.clashes else "success")
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
def agenda(event_id: int):
    """A printable agenda: the user's own part by default, or one need's or one startup's."""
    event = event_for_user(current_user, event_id)
    items = _agenda(event)
    return render_template(
        "events/agenda.html",
        event=event,
        items=items,
        feed_url=url_for("events.feed", token=feed_token(current_user), _external=True),
    )


@bp.get("/<int:event_id>/agenda.ics")
@login_required
def agenda_ics(event_id: int):
    event = event_for_user(current_user, event_id)
    body = to_ics(_agenda(event), name=event.name)
    return Response(
        body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'}
    )


@bp.get("/feeds/<token>.ics")
def feed(token: str):
    """A person's subscription feed: every published pitch they take part in (no sign-in; the token
    is the key)."""
    from marketplace.accounts.models import User

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
def score_list(event_id: int):
    """A judge's pitches to score, in time order."""
    event = event_for_user(current_user, event_id)
    mine = judged_need_ids(current_user, event.id)
    if not mine:
        raise PermissionDenied()
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
        slots=_slots(event),
        clock=clock,
        room_names={r.id: r.name for r in rooms_of(event.id)},
    )


@bp.route("/<int:event_id>/pitches/<int:pitch_id>/score", methods=["GET", "POST"])
@login_required
def score(event_id: int, pitch_id: int):
    event = event_for_user(current_user, event_id)
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
        try:
            with unit_of_work():
                submit_score(actor=current_user, pitch=row.pitch, marks=marks, comment=comment)
        except InvalidInput as exc:
            errors = [m for ms in exc.errors.values() for m in ms]
        except InvalidTransition as exc:
            errors = [str(exc)]
        else:
            flash(_("Scores saved for %(startup)s.", startup=row.startup.name), "success")
            return redirect(url_for("events.score_list", event_id=event.id))
    elif not may_judge(current_user, row.need):
        raise PermissionDenied()
    status = 400 if errors else 200
    return render_template(
        "events/score.html", event=event, row=row, marks=marks, comment=comment, errors=errors
    ), status


def _results_for_reader(event_id: int):
    """The event and its results as the reader may see them: the platform every need, a judge their panels'."""
    event = event_for_user(current_user, event_id)
    platform = authz.is_platform(current_user)
    need_ids = None if platform else judged_need_ids(current_user, event.id)
    if not platform and not need_ids:
        raise PermissionDenied()
    return event, scoring_results(event, need_ids=need_ids), platform


@bp.get("/<int:event_id>/results")
@login_required
def results_page(event_id: int):
    event, found, platform = _results_for_reader(event_id)
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
def results_export(event_id: int, extension: str):
    """The results page's content as a spreadsheet, for the same readers."""
    from marketplace.events.results_export import results_csv, results_xlsx

    event, found, _platform = _results_for_reader(event_id)
    name = f"innomatch-results-event-{event.id}.{extension}"
    body, mimetype = (
        (results_csv(event, found), "text/csv")
        if extension == "csv"
        else (results_xlsx(event, found), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/<int:event_id>/pitches/<int:pitch_id>/winner")
@login_required
def winner(event_id: int, pitch_id: int):
    event, pitch = _pitch_of(event_id, pitch_id)
    attempt(
        lambda: mark_winner(actor=current_user, pitch=pitch),
        _("Selected for a pilot; the pipeline and the startup's side have been told."),
    )
    return redirect(url_for("events.results_page", event_id=event.id))


def _slots(event):
    return day_slots(
        days=event.days,
        day_start=event.day_start,
        day_end=event.day_end,
        slot_minutes=event.slot_minutes,
        breaks=event.breaks,
    )
