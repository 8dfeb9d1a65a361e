"""Probes. /healthz (liveness): the process and the database answer; cheap, restart the process when it
fails. /readyz (readiness): everything a request may need answers; send traffic only while it is 200.

Readiness checks the database, Redis (when REDIS_URL is set) and the matching indexes of both kinds. On SQLite
it also takes and releases the write lock (within ``LOCK_PROBE_MS``): a file another process keeps locked makes
every write wait and then fail, so the database is "locked" (503) until it is free. An
index counts when this process holds a snapshot or can load the current one; a kind with no index yet is
ready only while it has no profiles at all (a new, empty platform). With profiles but no loadable index
(a new machine with an empty INDEX_DIR, a corrupt snapshot):
- with workers (REDIS_URL), the probe queues the repair job and answers 200 "degraded" with the index
  "rebuilding": rankings meanwhile come from the stored vectors, searched exactly (matchmaking.services);
- without them (the demo), the first ranking would rebuild it inside a web request, so the process is not
  ready ("missing", 503): run `flask --app marketplace matching reindex`.
An index that holds an earlier model's vectors (the configured model changed) is "reembedding" (200,
"degraded", with done/total under "reembedding"): rankings use it until the re-embed publishes the new one;
with workers the probe queues that job.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from redis import Redis
from redis.exceptions import RedisError

from marketplace.core.db import SQLITE_BUSY_TIMEOUT_MS, db
from marketplace.needs.models import Need
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import reembedding, request_index_repair, request_reembed
from marketplace.startups.models import Startup

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# Exempt from HTTPS redirects (security.py) and rate limits (rate_limits.py): probes come from inside
# the network, over plain HTTP, every few seconds.
PROBE_ENDPOINTS = ("health.healthz", "health.readyz")
REDIS_TIMEOUT_SECONDS = 1.0

OK, UNREACHABLE, NOT_USED, LOCKED = "ok", "unreachable", "not used", "locked"
LOCK_PROBE_MS = 1000
EMPTY, MISSING, UNKNOWN, REBUILDING, REEMBEDDING = "empty", "missing", "unknown", "rebuilding", "reembedding"


@bp.get("/healthz")
def healthz():
    if not _database_answers():
        return jsonify(status="error", database=UNREACHABLE), 503
    return jsonify(status="ok", database=OK)


@bp.get("/readyz")
def readyz():
    database = _writable() if _database_answers() else UNREACHABLE
    checks = {"database": database, "redis": _redis_state(), "indexes": _index_states(database == OK)}
    progress = _reembedding(checks["indexes"])
    if progress:
        checks["reembedding"] = progress
    ready = (
        database == OK
        and checks["redis"] in (OK, NOT_USED)
        and all(state in (OK, EMPTY, REBUILDING, REEMBEDDING) for state in checks["indexes"].values())
    )
    if ready:
        degraded = {REBUILDING, REEMBEDDING} & set(checks["indexes"].values())
        return jsonify(status="degraded" if degraded else "ok", **checks)
    return jsonify(status="not ready", **checks), 503


def _database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def _writable() -> str:
    """OK, or LOCKED when SQLite's write lock cannot be had within LOCK_PROBE_MS (PostgreSQL: always OK)."""
    if db.engine.dialect.name != "sqlite":
        return OK
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection  # autocommit: the engine lets SQLAlchemy own BEGIN
        try:
            raw.execute(f"PRAGMA busy_timeout={LOCK_PROBE_MS}")
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
        except Exception as exc:  # noqa: BLE001 - sqlite3.OperationalError: the lock is held elsewhere
            log.warning("readyz: the SQLite database is locked (%s)", exc)
            return LOCKED
        finally:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return OK


def _redis_state() -> str:
    """Its own short-timeout client: the jobs' connection has no timeout, and a probe must not hang."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_USED
    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except (RedisError, OSError):
        return UNREACHABLE
    finally:
        client.close()
    return OK


def _index_states(database_ok: bool) -> dict[str, str]:
    """Per kind: ok (held or loadable), empty (no index and no profiles), missing, or unknown (no database)."""
    models = {ProfileKind.STARTUP: Startup, ProfileKind.NEED: Need}
    states = {}
    for kind in ProfileKind:
        try:
            held = engine().corpus(kind)
        except Exception:  # an unreadable snapshot the store did not foresee: not ready, never a 500
            log.exception("the %s index could not be loaded", kind.value)
            held = None
        if held is not None and kind not in engine().damaged:
            states[kind.value] = OK if engine().snapshot_model(kind) == engine().model_id else REEMBEDDING
        elif not database_ok:
            states[kind.value] = UNKNOWN
        else:
            states[kind.value] = MISSING if held is not None else _without_index(models[kind])
        if states[kind.value] == MISSING and current_app.config.get("REDIS_URL"):
            request_index_repair(kind)
            states[kind.value] = REBUILDING
        if states[kind.value] == REEMBEDDING and current_app.config.get("REDIS_URL"):
            request_reembed(kind)
    return states


def _reembedding(states: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per kind being re-embedded: how many profiles have their vector under the new model, of how many."""
    out = {}
    for kind, state in states.items():
        if state == REEMBEDDING:
            try:
                found = reembedding(ProfileKind(kind))
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                continue
            if found is not None:
                out[kind] = {"done": found.done, "total": found.total}
    return out


def _without_index(model: type) -> str:
    """No index: fine while there are no profiles of this kind, missing otherwise."""
    try:
        has_profiles = db.session.scalar(sa.select(model.id).limit(1)) is not None
    except sa.exc.SQLAlchemyError:  # e.g. the schema is not migrated yet
        db.session.rollback()
        return UNKNOWN
    return MISSING if has_profiles else EMPTY
