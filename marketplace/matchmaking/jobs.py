from __future__ import annotations

from marketplace.db import unit_of_work
from marketplace.jobs import enqueue
from marketplace.matchmaking.enums import ProfileKind
from marketplace.matchmaking.engine import engine
from marketplace.matchmaking.services import rebuild_index, refresh_vectors, sync_index
from marketplace.startups.services import refresh_suggested_sectors
from matching import store


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
    """After commit: re-rank the published needs for newly arrived startups (workflow.match_alerts)."""
    from marketplace.workflow.jobs import alert_new_matches_job

    enqueue(alert_new_matches_job, queue="matching", startup_ids=sorted(set(startup_ids)))


def reindex(*, kind: str) -> None:
    """Rebuild one kind's index from the database."""
    with unit_of_work():
        rebuild_index(ProfileKind(kind))


def repair_index(*, kind: str) -> None:
    """Rebuilds an index whose snapshot is missing or damaged (queued by a process that found it so).

    Several processes may ask at once; the first rebuild publishes a good snapshot and the rest find it and stop.
    """
    profile_kind = ProfileKind(kind)
    loaded = store.load(engine().directory(profile_kind))
    if loaded is not None and (loaded[1].index.graph_ready or not loaded[1].index.uses_graph):
        return
    with unit_of_work():
        rebuild_index(profile_kind)
