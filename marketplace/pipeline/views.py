from __future__ import annotations

from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidTransition, NotFound
from marketplace.needs.models import Need
from marketplace.needs.queries import need_for_user
from marketplace.pipeline import workspace as incubator_workspace
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.forms import NominationForm
from marketplace.pipeline.models import Candidate, PitchDeck
from marketplace.pipeline.nominations import Upload, answer_invitation, check_open_for, nominate
from marketplace.pipeline.queries import candidate_for_user, candidate_history, pitch_decks_for
from marketplace.pipeline.rules import can_nominate, has_workspace
from marketplace.pipeline.services import act_on_match, toggle_vote, transition
from marketplace.startups.models import Startup
from marketplace.web.forms import attempt
from marketplace.web.guards import allowed_if, loads

bp = Blueprint("pipeline", __name__)


def _stage() -> CandidateStage | None:
    value = request.form.get("to", "")
    return CandidateStage(value) if value in CandidateStage.__members__.values() else None


def _run(action) -> bool:
    return attempt(action, _("Pipeline updated."))


def _back(default: str) -> str:
    """Where a board or workspace form came from (only our own paths)."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.post("/needs/<int:need_id>/candidates")
@login_required
@loads("need_id", need_for_user)
def add(need: Need):
    to = _stage()
    startup_id = request.form.get("startup_id", type=int)
    if to is None or not startup_id:
        raise NotFound()
    _run(
        lambda: act_on_match(
            actor=current_user, need_id=need.id, startup_id=startup_id, to=to, note=request.form.get("note", "")
        )
    )
    return redirect(url_for("needs.detail", need_id=need.id) + "#pipeline")


@bp.post("/candidates/<int:candidate_id>/move")
@login_required
@loads("candidate_id", candidate_for_user)  # like its history: a candidate the user acts for no side of is 404
def move(candidate: Candidate):
    need = db.session.get(Need, candidate.need_id)
    to = _stage()
    if to is None:
        raise NotFound()
    _run(
        lambda: transition(
            candidate=candidate,
            to=to,
            actor=current_user,
            note=request.form.get("note", ""),
            expected_version=request.form.get("version", type=int),
        )
    )
    return redirect(_back(url_for("needs.detail", need_id=need.id) + "#pipeline"))


@bp.get("/candidates/<int:candidate_id>")
@login_required
@loads("candidate_id", candidate_for_user)
def history(candidate: Candidate):
    """A candidate's whole story from the audit trail: how it entered, every move, who, when, why."""
    need = db.session.get(Need, candidate.need_id)
    return render_template(
        "pipeline/candidate.html",
        candidate=candidate,
        need=need,
        startup=db.session.get(Startup, candidate.startup_id),
        events=candidate_history(current_user, candidate),
        decks=pitch_decks_for([candidate.id]).get(candidate.id, []),
    )


@bp.post("/candidates/<int:candidate_id>/answer")
@login_required
@loads("candidate_id", candidate_for_user)
def answer(candidate: Candidate):
    """The startup's side accepts or declines an invitation."""
    accept = request.form.get("answer") == "accept"
    _run(
        lambda: answer_invitation(
            actor=current_user,
            candidate=candidate,
            accept=accept,
            note=request.form.get("note", ""),
            expected_version=request.form.get("version", type=int),
        )
    )
    return redirect(url_for("pipeline.workspace") + f"#candidate-{candidate.id}")


@bp.get("/candidates/<int:candidate_id>/decks/<int:deck_id>")
@login_required
@loads("candidate_id", candidate_for_user)
def deck(candidate: Candidate, deck_id: int):
    found = db.session.get(PitchDeck, deck_id)
    if found is None or found.candidate_id != candidate.id:
        raise NotFound()
    response = send_file(
        BytesIO(found.content), mimetype="application/pdf", as_attachment=True, download_name=found.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/needs/<int:need_id>/nominate", methods=["GET", "POST"])
@login_required
@loads("need_id", need_for_user, check=lambda user, _need: can_nominate(user))
def nominate_startup(need: Need):
    try:
        check_open_for(current_user, need)
    except InvalidTransition as exc:
        flash(str(exc), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NominationForm()
    form.fill_choices(incubator_workspace.nomination_choices(current_user, need))
    if request.method == "GET" and request.args.get("startup", type=int):
        form.startup_id.data = request.args.get("startup", type=int)
    if form.validate_on_submit():
        upload = form.deck.data
        deck = Upload(filename=upload.filename, content=upload.read()) if upload else None
        nominated = attempt(
            lambda: nominate(
                actor=current_user, need=need, startup_id=form.startup_id.data, note=form.note.data or "", deck=deck
            ),
            _("Nominated. The bank unit has been told."),
            form=form,
        )
        if nominated:
            return redirect(url_for("pipeline.workspace") + f"#candidate-{nominated.value.id}")
    status = 400 if request.method == "POST" else 200
    return render_template("pipeline/nominate.html", form=form, need=need), status


@bp.get("/workspace")
@login_required
@allowed_if(has_workspace)
def workspace():
    """The incubator's workspace: invitations to answer, every nomination's status, open needs
    ranked for the portfolio."""
    return render_template("pipeline/workspace.html", **incubator_workspace.overview(current_user))


@bp.post("/needs/<int:need_id>/votes")
@login_required
@loads("need_id", need_for_user)
def vote(need: Need):
    startup_id = request.form.get("startup_id", type=int)
    if not startup_id or db.session.get(Startup, startup_id) is None:
        raise NotFound()
    with unit_of_work():
        toggle_vote(actor=current_user, need_id=need.id, startup_id=startup_id)
    return redirect(url_for("needs.detail", need_id=need.id) + "#matches")
