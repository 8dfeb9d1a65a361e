"""An rq worker SIGKILLed in the middle of a schedule solve: rq's Retry runs the job again, the run
ends done, and nothing is duplicated or lost.

Everything is real: PostgreSQL, a private redis-server, `flask --app marketplace worker` subprocesses.
The only stand-in is the clock: rq requeues a dead worker's job once its heartbeat lapses (a minute
or two after the last beat), in a later worker's registry maintenance; the test calls that same
`StartedJobRegistry.cleanup()` with the lapse time instead of waiting for it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.events.enums import EventStatus
from marketplace.events.models import Event, Pitch, ScheduleRun
from marketplace.events.scheduling_input import build_problem
from marketplace.events.services import change_event_status, create_event, request_schedule
from marketplace.jobs.queue import JOB_RETRIES, JOB_TIMEOUT, enqueue
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.startups.models import Startup
from scheduling.check import violations
from scheduling.model import Placement
from tests.conftest import ORGANISER, fresh_postgres_database, seeded_app
from tests.helpers import flask_env, user
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.integration

QUEUE = "default"  # where request_schedule queues run_schedule
PITCHES_PER_NEED = 20  # ~160 pitches over 2 days and 4 rooms: CP-SAT works until its time limit
# The job's time limit (its time_limit_s argument, SOLVE_SECONDS by default); shortened in the queued
# job so the retried solve takes seconds, while the first solve is still well under way when it is killed.
SOLVE_LIMIT = 10.0
WORKER_START_SECONDS = 60  # a worker importing the app and reaching the solver's first schedule, on a busy machine
WORKER_RUN_SECONDS = 90  # a burst worker solving for SOLVE_LIMIT and writing the schedule


@pytest.fixture(scope="module")
def redis_server():
    with PrivateRedis() as server:
        yield server


@pytest.fixture(scope="module")
def kill_app(redis_server):
    app = seeded_app(fresh_postgres_database("innomatch_test_schedkill"), REDIS_URL=redis_server.url())
    yield app
    app.extensions["innomatch.db"].engine.dispose()


def crowded_event() -> Event:
    """An event over eight published needs, each with PITCHES_PER_NEED shortlisted, opted-in startups
    (neighbouring needs share half of theirs, so startups pitch twice and need changeovers)."""
    # Eight needs (~160 pitches) keep CP-SAT busy and still fit 2 days x 4 rooms; with every published need of
    # the bilingual world the event no longer fits and the solver answers "infeasible" at once.
    needs = list(
        db.session.scalars(sa.select(Need).where(Need.status == NeedStatus.PUBLISHED).order_by(Need.id).limit(8))
    )
    startups = list(db.session.scalars(sa.select(Startup.id).order_by(Startup.id)))
    known = {(n, s) for n, s in db.session.execute(sa.select(Candidate.need_id, Candidate.startup_id))}
    half = PITCHES_PER_NEED // 2
    for k, need in enumerate(needs):
        for startup_id in startups[k * half : k * half + PITCHES_PER_NEED]:
            if (need.id, startup_id) not in known:
                db.session.add(
                    Candidate(
                        need_id=need.id,
                        startup_id=startup_id,
                        stage=CandidateStage.SHORTLISTED,
                        source=CandidateSource.APPLIED,
                        opted_in_at=utcnow(),
                        shared_at=utcnow(),
                    )
                )
    db.session.flush()
    organiser = user(ORGANISER)
    event = create_event(
        actor=organiser,
        data={"name": "Kill-test roadshow", "starts_on": "2027-05-10", "days": 2},
        rooms=[f"Room {i}" for i in range(1, 5)],
        need_ids=[n.id for n in needs],
    )
    change_event_status(actor=organiser, event=event, to=EventStatus.APPLICATIONS_OPEN)
    change_event_status(actor=organiser, event=event, to=EventStatus.SHORTLISTING)
    return event


def start_worker(app, redis_url: str, log: Path, *, burst: bool) -> subprocess.Popen:
    env = flask_env(app, redis_url)
    args = [sys.executable, "-m", "flask", "--app", "marketplace", "worker", QUEUE] + (["--burst"] if burst else [])
    with log.open("ab") as out:  # a file, not a pipe: a chatty worker never blocks on a full pipe
        return subprocess.Popen(args, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def gone(pid: int) -> bool:
    """Dead, or a zombie nobody reaped yet (a container's init may not): either way it runs no more code."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def kill_worker_and_horse(worker: subprocess.Popen) -> list[int]:
    """SIGKILL the work horse(s) the worker forked (rq gives each its own session), then the worker."""
    horses = children_of(worker.pid)
    for pid in [*horses, worker.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)
    return horses


def wait_for(
    what: str,
    check: Callable[[], bool],
    seconds: float,
    worker: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) while waiting for {what}:\n{tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {seconds} s" + (f"; worker log:\n{tail(log)}" if log else ""))
        time.sleep(0.1)


def run_row(app, run_id: int) -> ScheduleRun:
    with app.app_context():
        db.session.expire_all()
        run = db.session.get(ScheduleRun, run_id)
        db.session.expunge(run)
        return run


def placed_pitches(app, event_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Pitch)
            .where(Pitch.event_id == event_id, Pitch.start_slot.is_not(None))
        )


def test_worker_killed_mid_solve_the_retry_completes_the_schedule_once(kill_app, redis_server, tmp_path):
    app, conn = kill_app, redis_server.client()
    queue = Queue(QUEUE, connection=conn)
    with app.app_context():
        with unit_of_work():
            event = crowded_event()
        with unit_of_work():  # commits, then enqueues run_schedule on rq
            run_id = request_schedule(actor=user(ORGANISER), event=event).id
        event_id = event.id
        pitches = {
            p.id: p.candidate_id
            for p in db.session.scalars(sa.select(Pitch).where(Pitch.event_id == event_id, Pitch.cancelled.is_(False)))
        }
    assert len(pitches) >= 100, "the event should be big enough to keep the solver busy"

    [job_id] = queue.get_job_ids()
    job = Job.fetch(job_id, connection=conn)
    assert (job.func_name, job.kwargs) == ("marketplace.events.jobs.run_schedule", {"run_id": run_id})
    assert job.retries_left == JOB_RETRIES
    job.kwargs = {**job.kwargs, "time_limit_s": SOLVE_LIMIT}
    job.save()

    log = tmp_path / "worker.log"
    first = start_worker(app, redis_server.url(), log, burst=False)
    try:
        wait_for(
            "solver progress on the run",
            lambda: "of the time limit" in run_row(app, run_id).progress,
            WORKER_START_SECONDS,
            first,
            log,
        )
    finally:
        horses = kill_worker_and_horse(first)
    assert horses, f"the worker should have forked a work horse for the job:\n{tail(log)}"
    wait_for("end of the killed work horse", lambda: all(gone(pid) for pid in horses), 10)

    at_kill = run_row(app, run_id)
    assert (at_kill.status, at_kill.finished_at) == ("running", None), (
        f"the worker should die in the middle of the solve (raise SOLVE_LIMIT): {at_kill.status}, {at_kill.progress}"
    )
    assert placed_pitches(app, event_id) == 0, "nothing is written before the solve ends"
    started = StartedJobRegistry(QUEUE, connection=conn)
    assert job.get_status(refresh=True) == JobStatus.STARTED
    assert started.get_job_ids(cleanup=False) == [job_id]

    # Registry maintenance before the heartbeat lapses leaves the job alone: its worker may be alive.
    started.cleanup()
    assert job.get_status(refresh=True) == JobStatus.STARTED and queue.count == 0
    lapses_at = max(score for _member, score in conn.zrange(started.key, 0, -1, withscores=True))
    assert lapses_at < time.time() + JOB_TIMEOUT, "a dead worker's job is noticed by its heartbeat, not its timeout"
    # ... and once it has lapsed, the job's Retry puts it back on its queue rather than failing it.
    started.cleanup(timestamp=lapses_at + 1)
    job = Job.fetch(job_id, connection=conn)
    assert job.get_status() == JobStatus.QUEUED and job.retries_left == JOB_RETRIES - 1
    assert queue.get_job_ids() == [job_id]
    assert FailedJobRegistry(QUEUE, connection=conn).count == 0

    second = start_worker(app, redis_server.url(), log, burst=True)
    try:
        second.wait(timeout=WORKER_RUN_SECONDS)
    except subprocess.TimeoutExpired:
        kill_worker_and_horse(second)
        pytest.fail(f"the burst worker did not finish in {WORKER_RUN_SECONDS} s:\n{tail(log)}")
    assert second.returncode == 0, tail(log)

    assert Job.fetch(job_id, connection=conn).get_status() == JobStatus.FINISHED
    assert job_id in FinishedJobRegistry(QUEUE, connection=conn).get_job_ids()
    assert queue.count == 0 and FailedJobRegistry(QUEUE, connection=conn).count == 0
    with app.app_context():
        db.session.expire_all()
        runs = list(db.session.scalars(sa.select(ScheduleRun).where(ScheduleRun.event_id == event_id)))
        assert [r.id for r in runs] == [run_id], "one request, one run"
        run = runs[0]
        assert run.status == "done" and run.finished_at is not None, (run.status, run.progress)
        assert run.result["status"] in ("optimal", "feasible") and run.result["unplaced"] == [], run.result
        event = db.session.get(Event, event_id)
        rows = list(db.session.scalars(sa.select(Pitch).where(Pitch.event_id == event_id, Pitch.cancelled.is_(False))))
        assert {p.id: p.candidate_id for p in rows} == pitches, "no pitch lost, none added"
        assert run.result["moved"] == len(rows), "the schedule was written once, by the run that finished"
        assert all(p.room_id is not None and p.start_slot is not None for p in rows)
        assert len({(p.room_id, p.start_slot) for p in rows}) == len(rows), "two pitches share a room and slot"
        problem = build_problem(event, keep_current=False)
        rooms = {room_id: i for i, room_id in enumerate(problem.room_ids)}
        assert violations(problem.instance, [Placement(p.id, rooms[p.room_id], p.start_slot) for p in rows]) == []


def test_jobs_are_queued_with_the_retry_the_worker_relies_on(kill_app, redis_server):
    """The worker runs without rq's scheduler (`with_scheduler=False`), so a retry must requeue at once:
    a retry interval would park the job in the scheduled registry, where nothing would ever pick it up."""
    with kill_app.app_context(), unit_of_work():
        enqueue("marketplace.notifications.jobs.deliver_email", queue="email", message_id=-1)
    conn = redis_server.client()
    jobs = [Job.fetch(i, connection=conn) for i in Queue("email", connection=conn).get_job_ids()]
    [job] = [j for j in jobs if j.kwargs == {"message_id": -1}]
    try:
        assert job.retries_left == JOB_RETRIES
        assert not any(job.retry_intervals or []), job.retry_intervals
        assert job.timeout == JOB_TIMEOUT
    finally:
        job.delete()
