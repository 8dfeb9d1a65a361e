from __future__ import annotations

import logging
import time

from flask import current_app

from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.events.models import Event, ScheduleRun
from marketplace.events.scheduling_input import apply_placements, build_problem
from scheduling.solver import solve

log = logging.getLogger(__name__)

# Seconds the solver may take; it reports optimal, or the best schedule found with its proven gap.
SOLVE_SECONDS = 30
PROGRESS_EVERY = 1.0


def _note_progress(app, run_id: int):
    """A progress callback for the solver's thread: writes the run's progress at most once a second."""
    last = [0.0]

    def note(message) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        with app.app_context(), unit_of_work():
            run = db.session.get(ScheduleRun, run_id)
            if run is not None:
                run.progress = str(message)[:300]

    return note


def run_schedule(*, run_id: int, time_limit_s: float = SOLVE_SECONDS) -> None:
    """Solves an event's roadshow schedule and writes it onto its pitches (or the reasons it cannot be
    done, in words). Safe to run again: a finished run returns at once."""
    with unit_of_work():
        run = db.session.get(ScheduleRun, run_id)
        if run is None or run.status in ("done", "failed"):
            return
        run.status, run.progress = "running", "building the problem"
        problem = build_problem(db.session.get(Event, run.event_id))
    try:
        result = solve(
            problem.instance,
            time_limit_s=time_limit_s,
            progress=_note_progress(current_app._get_current_object(), run_id),
        )
        with unit_of_work():
            run = db.session.get(ScheduleRun, run_id)
            moved = 0
            if result.status in ("optimal", "feasible"):
                moved = apply_placements(db.session.get(Event, run.event_id), problem, result.placements)
            run.result = {
                "status": result.status,
                "objective": result.objective,
                "bound": result.bound,
                "gap": result.gap,
                "seconds": round(result.seconds, 2),
                "moved": moved,
                "unplaced": list(result.unplaced),
                "reasons": [
                    {
                        "template": r.template,
                        "params": r.params,
                        "parties": {kind: list(ids) for kind, ids in r.parties.items()},
                    }
                    for r in result.reasons
                ],
            }
            run.status, run.progress, run.finished_at = "done", result.status, utcnow()
    except Exception as exc:
        db.session.rollback()
        with unit_of_work():
            run = db.session.get(ScheduleRun, run_id)
            run.status, run.progress, run.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:300], utcnow()
        raise
