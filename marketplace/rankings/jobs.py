from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import RedisError
from rq import get_current_job

from marketplace.core.db import unit_of_work
from marketplace.core.extensions import redis_connection
from marketplace.jobs.queue import enqueue
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import (
    REEMBED_CHUNK,
    REEMBED_SLICE_SECONDS,
    profile_count,
    profile_ids_after,
    rebuild_index,
    reembed_waiting_key,
    refresh_vectors,
    request_reembed,
    sync_index,
    vectors_complete,
)
from marketplace.startups.services import refresh_suggested_sectors
from matching import store

log = logging.getLogger(__name__)

# Held by whoever stores a kind's vectors for a whole new index (a re-embed, a repair, `flask matching reindex`),
# so two never encode the same profiles at once. Beside the snapshots, like the writer lock.
REEMBED_LOCK = ".reembed.lock"


def index_profiles(*, kind: str, ids: list[int]) -> None:
    """Re-embed changed profiles, commit the vectors, then publish them to the index. Safe to rerun."""
    profile_kind = ProfileKind(kind)
    with unit_of_work():
        refresh_vectors(profile_kind, ids)
    if profile_kind == ProfileKind.STARTUP:
        with unit_of_work():
            refresh_suggested_sectors(ids)
    with unit_of_work():
        sync_index(profile_kind, ids)
        if profile_kind == ProfileKind.STARTUP:
            schedule_match_alerts(ids)


def schedule_match_alerts(startup_ids: list[int]) -> None:
    """After commit: re-rank the published needs for newly arrived startups (pipeline.match_alerts)."""
    enqueue("marketplace.pipeline.jobs.alert_new_matches_job", queue="matching", startup_ids=sorted(set(startup_ids)))


def reindex(*, kind: str) -> None:
    """Rebuild one kind's index from the database."""
    with unit_of_work():
        rebuild_index(ProfileKind(kind))


def repair_index(*, kind: str) -> None:
    """Rebuilds an index whose snapshot is missing or damaged (queued by a process that found it so).

    Several processes may ask at once; the first rebuild publishes a good snapshot and the rest find it and stop.
    Vectors missing under the configured model (it changed too) are stored in committed chunks first.
    """
    profile_kind = ProfileKind(kind)
    with store.exclusive(engine().directory(profile_kind), REEMBED_LOCK):
        loaded = store.load(engine().directory(profile_kind))
        if loaded is not None and (loaded[1].index.graph_ready or not loaded[1].index.uses_graph):
            return
        if not vectors_complete(profile_kind):
            store_vectors(profile_kind)
        with unit_of_work():
            rebuild_index(profile_kind)


@dataclass(frozen=True)
class ChunkDone:
    """Progress of a walk over a kind's profiles: after each committed chunk."""

    kind: ProfileKind
    done: int  # profiles walked so far, in id order
    total: int
    encoded: int  # of this chunk, profiles encoded (the others had their vector stored already)


def reembed(*, kind: str, model: str, after: int = 0, rebuild: bool = False) -> None:
    """Stores every profile's vector under the configured model, a committed chunk at a time, then publishes the
    index built from them. Queued when a process finds the index holds an earlier model's vectors
    (``services.request_reembed``); by `flask matching reindex --background` with ``rebuild`` (publish even when
    the index holds the configured model's vectors already).

    Every process keeps ranking with the earlier snapshot until this publishes. Resumable and safe to run twice:
    a profile whose vector is stored under the model already (same content hash) is not encoded again, so a
    retry after a crash encodes only what is left. One job runs for about REEMBED_SLICE_SECONDS and then queues
    its continuation from the next id, so the matching queue's other jobs run in between; a twin started while
    one runs finds the lock taken and stops. Progress goes to the job's meta; the pages and /readyz count the
    stored vectors (``services.reembedding``).
    """
    profile_kind = ProfileKind(kind)
    eng = engine()
    _clear_waiting(profile_kind)
    if model != eng.model_id:
        log.warning("re-embed for %s skipped: this worker is configured for %s", model, eng.model_id)
        return
    with store.exclusive(eng.directory(profile_kind), REEMBED_LOCK, wait=False) as mine:
        if not mine:
            return  # another worker is at it; it queues its own continuation
        held = eng.corpus(profile_kind)
        if (
            not rebuild
            and held is not None
            and profile_kind not in eng.damaged
            and eng.snapshot_model(profile_kind) == model
        ):
            return  # published already
        # In slices only where the continuation can be queued.
        deadline = time.monotonic() + REEMBED_SLICE_SECONDS if redis_connection() is not None else None
        stopped = store_vectors(
            profile_kind, after=after, chunk=REEMBED_CHUNK, deadline=deadline, on_chunk=_job_progress
        )
        if stopped is not None:
            request_reembed(profile_kind, after=stopped, rebuild=rebuild, continuation=True)
            return
        with unit_of_work():
            version = rebuild_index(profile_kind)
    log.info("%s index re-embedded with %s: version %s published", kind, model, version)


def reembed_in_process(
    kind: ProfileKind, *, chunk: int = REEMBED_CHUNK, on_chunk: Callable[[ChunkDone], None] | None = None
) -> int:
    """What `flask matching reindex` does for a kind: every vector stored under the configured model in
    committed chunks, then the index rebuilt from the database; returns its version. Waits for a re-embed job's
    running slice to end first."""
    with store.exclusive(engine().directory(kind), REEMBED_LOCK):
        store_vectors(kind, chunk=chunk, on_chunk=on_chunk)
        with unit_of_work():
            return rebuild_index(kind)


def store_vectors(
    kind: ProfileKind,
    *,
    after: int = 0,
    chunk: int = REEMBED_CHUNK,
    deadline: float | None = None,
    on_chunk: Callable[[ChunkDone], None] | None = None,
) -> int | None:
    """Walks a kind's profiles in id order from after ``after``, storing each one's vector under the configured
    model (only those whose content hash differs are encoded), one committed chunk at a time. Returns None at
    the end, or the last id done when ``deadline`` (monotonic seconds) passed first."""
    with unit_of_work():
        total = profile_count(kind)
        done = profile_count(kind, up_to=after) if after else 0
    while True:
        with unit_of_work():
            ids = profile_ids_after(kind, after, chunk)
            encoded = refresh_vectors(kind, ids) if ids else []
        if not ids:
            return None
        after, done = ids[-1], done + len(ids)
        if on_chunk is not None:
            on_chunk(ChunkDone(kind, min(done, total), total, len(encoded)))
        if deadline is not None and time.monotonic() >= deadline:
            return after


def _job_progress(progress: ChunkDone) -> None:
    job = get_current_job()
    if job is not None:
        job.meta.update(kind=progress.kind.value, model=engine().model_id, done=progress.done, total=progress.total)
        job.save_meta()


def _clear_waiting(kind: ProfileKind) -> None:
    """This job has started: the next request may queue another (it finds the lock or the index published)."""
    conn = redis_connection()
    if conn is not None:
        with contextlib.suppress(RedisError):
            conn.delete(reembed_waiting_key(kind))
