from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.db import db, unit_of_work
from marketplace.errors import InvalidInput, InvalidTransition, NotFound
from marketplace.needs.queries import need_for_user
from marketplace.workflow.enums import CandidateStage
from marketplace.workflow.models import Candidate
from marketplace.startups.models import Startup
from marketplace.workflow.services import act_on_match, toggle_vote, transition

bp = Blueprint("workflow", __name__)


def _stage() -> CandidateStage | None:
    value = request.form.get("to", "")
    return CandidateStage(value) if value in CandidateStage.__members__.values() else None


def _run(action) -> None:
    try:
        with unit_of_work():
            action()
    except InvalidInput as exc:
        flash("; ".join(m for ms in exc.errors.values() for m in ms), "error")
    except InvalidTransition as exc:
        flash(str(exc), "error")
    else:
        flash(_("Pipeline updated."), "success")


@bp.post("/needs/<int:need_id>/candidates")
@login_required
def add(need_id: int):
    need = need_for_user(current_user, need_id)
    to = _stage()
    startup_id = request.form.get("startup_id", type=int)
    if to is None or not startup_id:
        raise NotFound()
    _run(lambda: act_on_match(actor=current_user, need_id=need.id, startup_id=startup_id, to=to,
                              note=request.form.get("note", "")))
    return redirect(url_for("needs.detail", need_id=need.id) + "#pipeline")


@bp.post("/candidates/<int:candidate_id>/move")
@login_required
def move(candidate_id: int):
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound()
    need = need_for_user(current_user, candidate.need_id)
    to = _stage()
    if to is None:
        raise NotFound()
    _run(lambda: transition(candidate=candidate, to=to, actor=current_user, note=request.form.get("note", ""),
                            expected_version=request.form.get("version", type=int)))
    return redirect(url_for("needs.detail", need_id=need.id) + "#pipeline")


@bp.post("/needs/<int:need_id>/votes")
@login_required
def vote(need_id: int):
    need = need_for_user(current_user, need_id)
    startup_id = request.form.get("startup_id", type=int)
    if not startup_id or db.session.get(Startup, startup_id) is None:
        raise NotFound()
    with unit_of_work():
        toggle_vote(actor=current_user, need_id=need.id, startup_id=startup_id)
    return redirect(url_for("needs.detail", need_id=need.id) + "#matches")
