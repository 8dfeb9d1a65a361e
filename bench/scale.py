"""Scale: N synthetic startup profiles in PostgreSQL, measured the way the app runs.

    python bench/scale.py --startups 100000 [--database-url postgresql://127.0.0.1:5432/scale_innomatch]
        [--data DIR] [--seed 1] [--out /tmp/scale-100000.json] [--backup] [--keep]

1. Generator: a fresh scratch database (its name must start with ``scale_``), migrated and seeded with the
   demo world, then N startups from ``bench/synthetic_startups.py`` (COPY in chunks, vectors from a few
   hundred encoded archetypes plus noise, content hashes exactly as ``refresh_vectors`` computes them).
2. Index build: ``flask --app marketplace matching reindex`` as a subprocess (the real command: seconds,
   peak RSS, whether it worked), then ``rebuild_index(STARTUP)`` in-process with its parts timed.
3. Ranking: ``rank_startups_for_need`` in-process for every published need as a bank-staff user.
4. Pages: gunicorn with the Procfile's flags; the need page with its ranking, the startups directory and a
   directory search, signed in through the real form.
5. Memory (VmRSS from /proc) of gunicorn and of an rq worker after one ``index_profiles`` job for an
   edited startup, and that edit's latency until the new snapshot and until both web workers serve it.
6. Optional (``--backup``): ``flask export`` and ``flask restore`` into a fresh ``scale_restore``.

Prints a markdown table, writes the JSON (``--out``), drops the scratch databases unless ``--keep``.
Progress goes to stderr. Uses Redis database 8 (flushed first).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote_plus

import sqlalchemy as sa
from redis import Redis
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry

import matching.corpus as corpus_module
from marketplace import create_app
from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.core.config import Settings
from marketplace.core.db import db, unit_of_work
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.ops.seeding import load_world
from marketplace.rankings import services
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import rank_startups_for_need, rebuild_index, refresh_vectors
from marketplace.schema.migrate import upgrade_database
from marketplace.startups.models import Listing, Startup, StartupFields
from marketplace.startups.services import update_startup
from matching import store
from matching.corpus import Corpus
from matching.index import VectorIndex
from matching.rank import HybridRanker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import scale_processes as procs  # noqa: E402
import synthetic_startups as synth  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/8"
BANK_STAFF = ("staff@bank.example.com", "demo-password-1")
INCUBATOR_MANAGER = ("manager@zhangjiang.example", "demo-password-1")
EDIT_WORD = "zyxquantum"
PROFILE_LINK = re.compile(r'href="/startups/\d+"')


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- databases --------------------------------------------------------------------------------------


def _plain(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    return parsed.set(drivername="postgresql+psycopg")


def recreate_database(url: str, admin_database: str) -> str:
    """Drops and creates the scratch database named in ``url`` (refuses names not starting with scale_)."""
    target = _plain(url)
    if not (target.database or "").startswith("scale_"):
        raise SystemExit(f"refusing to recreate {target.database!r}: scratch databases must start with scale_")
    admin = sa.create_engine(target.set(database=admin_database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def drop_database(url: str, admin_database: str) -> None:
    target = _plain(url)
    if not (target.database or "").startswith("scale_"):
        return
    admin = sa.create_engine(target.set(database=admin_database), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


# -- 1. generator -----------------------------------------------------------------------------------


def generate(app, plan: synth.Plan) -> dict:
    """Schema, demo world (its ~230 profiles encoded for real), then the synthetic startups by COPY."""

    out: dict = {}
    with app.app_context():
        started = time.perf_counter()
        engine().embedder  # noqa: B018 - the model (and its one-off ONNX export) is not part of the data
        out["model_load_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        upgrade_database(db.engine)
        with unit_of_work():
            load_world()
        with unit_of_work():
            refresh_vectors(ProfileKind.STARTUP, list(db.session.scalars(sa.select(Startup.id))))
            refresh_vectors(ProfileKind.NEED, list(db.session.scalars(sa.select(Need.id))))
        with unit_of_work():
            rebuild_index(ProfileKind.NEED)
        out["seed_world_s"] = round(time.perf_counter() - started, 1)

        started = time.perf_counter()
        archetypes = synth.make_archetypes(random.Random(plan.seed), plan.archetypes)
        encoded = synth.encode_archetypes(engine().embedder, archetypes)
        out["encode_archetypes_s"] = round(time.perf_counter() - started, 1)

        incubators = dict(
            db.session.execute(
                sa.select(Organisation.slug, Organisation.id).where(Organisation.kind == OrganisationKind.INCUBATOR)
            ).all()
        )
        generator = synth.Generator(
            plan, model_id=engine().model_id, incubators=incubators, archetypes=archetypes, encoded=encoded
        )
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            first_id = _reserve_ids(raw.driver_connection, plan.count)
            generator.write(
                raw.driver_connection, first_id, progress=lambda n: n % 20_000 == 0 and log(f"  {n} startups written")
            )
        finally:
            raw.close()
        out["startups_s"] = round(time.perf_counter() - started, 1)
        out.update({k: round(v, 1) for k, v in generator.timings.items()})
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE startup, listing, profile_vector"))
        out["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
        out["rows"] = {
            t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in ("startup", "listing", "profile_vector")
        }
        out["database_mb"] = round(db.session.scalar(sa.text("SELECT pg_database_size(current_database())")) / 2**20)
        db.database.session.remove()
    return out


def _reserve_ids(connection, count: int) -> int:
    """Takes ``count`` consecutive ids from startup's sequence, so the ORM's later inserts never collide."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE startup IN EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence('startup', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM startup")
        first = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setval(%s, %s)", (sequence, first + count - 1))
    connection.commit()
    return first


# -- 2. index build ---------------------------------------------------------------------------------


def reindex_command(env: dict, log_path: Path) -> dict:
    """`flask --app marketplace matching reindex` exactly as an operator runs it: seconds, peak RSS, outcome."""

    started = time.perf_counter()
    with open(log_path, "wb") as fh:
        code = subprocess.call(
            [str(procs.BIN / "flask"), "--app", "marketplace", "matching", "reindex"],
            env=env,
            cwd=procs.REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = log_path.read_text(errors="replace").strip().splitlines() or [""]
    errors = [x for x in lines if "Error:" in x and "ModuleNotFoundError" not in x]
    return {
        "exit_code": code,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak),
        "last_line": (errors or lines)[-1][:300],
    }


def _timed(bucket: dict, name: str, func):
    """``func`` adding its wall time to ``bucket[name]`` on every call."""

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            bucket[name] = bucket.get(name, 0.0) + time.perf_counter() - started

    return wrapper


@contextmanager
def patched(patches: list[tuple[object, str, object]]):
    """Swaps attributes for the duration (the timing wrappers), restoring them after."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _new in patches]
    for owner, name, new in patches:
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, old in saved:
            setattr(owner, name, old)


def rebuild_timers(bucket: dict):
    """Times the pieces of rebuild_index where they are called (nothing re-implemented) and counts encodes."""

    def counted(func):
        def wrapper(embedder, docs):
            bucket["profiles_encoded"] = bucket.get("profiles_encoded", 0) + len(docs)
            return func(embedder, docs)

        return wrapper

    return patched(
        [
            (services, "refresh_vectors", _timed(bucket, "check_hashes_s", services.refresh_vectors)),
            (services, "embed_documents", counted(services.embed_documents)),
            (Corpus, "upsert", _timed(bucket, "read_rows_fill_corpus_s", Corpus.upsert)),
            (VectorIndex, "build", _timed(bucket, "hnsw_build_s", VectorIndex.build)),
            (corpus_module, "KeywordIndex", _timed(bucket, "bm25_build_s", corpus_module.KeywordIndex)),
            (store, "save", _timed(bucket, "save_with_bm25_s", store.save)),
        ]
    )


def ranking_timers(bucket: dict):
    """Times the pieces of rank_startups_for_need: the need's stored vector, the ranker, the explanations."""

    return patched(
        [
            (services, "_query_for", _timed(bucket, "need_vector_ms", services._query_for)),
            (HybridRanker, "rank", _timed(bucket, "hybrid_rank_ms", HybridRanker.rank)),
            (services, "_explanations", _timed(bucket, "explanations_ms", services._explanations)),
        ]
    )


def build_index(app) -> dict:
    """rebuild_index(STARTUP) in a unit of work, as `flask matching reindex` does, with its parts."""

    out: dict = {}
    with app.app_context():
        out.update(_timed_rebuild(rebuild_index, unit_of_work))
        db.database.session.remove()
    return out


def _timed_rebuild(rebuild_index, unit_of_work) -> dict:

    parts: dict = {}
    started = time.perf_counter()
    with rebuild_timers(parts), unit_of_work():
        version = rebuild_index(ProfileKind.STARTUP)
    total = time.perf_counter() - started
    parts["save_s"] = parts.pop("save_with_bm25_s", 0.0) - parts.get("bm25_build_s", 0.0)
    accounted = sum(v for k, v in parts.items() if k.endswith("_s"))
    parts["other_s"] = total - accounted  # the delete of orphans, commit, locks
    out = {k: round(v, 2) if isinstance(v, float) else v for k, v in parts.items()}
    out.update(total_s=round(total, 1), version=version, profiles_encoded=parts.get("profiles_encoded", 0))
    return out


# -- 3. ranking in-process --------------------------------------------------------------------------


def rank_in_process(app, calls: int) -> dict:
    """rank_startups_for_need (with explanations) per published need as bank staff; a fresh session per call."""

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == BANK_STAFF[0]))
        need_ids = list(
            db.session.scalars(sa.select(Need.id).where(Need.status == NeedStatus.PUBLISHED).order_by(Need.id))
        )

        def once(need_id: int) -> float:
            db.database.session.remove()
            user, need = db.session.get(User, user_id), db.session.get(Need, need_id)
            started = time.perf_counter()
            ranked = rank_startups_for_need(user, need)
            seconds = time.perf_counter() - started
            assert len(ranked) == 20 and all(r.explanation is not None for r in ranked), "short ranking"
            return seconds

        cold = once(need_ids[0])  # loads the snapshot into this process
        for need_id in need_ids:
            once(need_id)
        parts: dict = {}
        with ranking_timers(parts):
            times = [once(need_ids[i % len(need_ids)]) for i in range(max(calls, len(need_ids)))]
        db.database.session.remove()
    means = {k: round(1000 * v / len(times), 1) for k, v in parts.items()}
    return {"needs": len(need_ids), "first_call_s": round(cold, 2), **procs.percentiles(times), "mean_parts": means}


# -- 4. pages and 5. memory -------------------------------------------------------------------------


def service_env(url: str, index_dir: Path, model_cache: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="scale-bench-not-a-secret",
        INDEX_DIR=str(index_dir),
        MODEL_CACHE_DIR=str(model_cache),
        REDIS_URL=REDIS_URL,
        FORCE_HTTPS="0",
        SESSION_COOKIE_SECURE="0",
        LOGIN_IP_RATE_LIMIT="100000/minute",
        LOGIN_RATE_LIMIT="100000/minute",
        HF_HUB_OFFLINE="1",
        LOG_FORMAT="text",
        PYTHONUNBUFFERED="1",
    )
    env.pop("FLASK_APP", None)
    return env


def owned_needs(app) -> list[int]:
    """Published needs of the bank staff user's own unit (the page shows them the board and the ranking)."""

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == BANK_STAFF[0]))
        ids = list(
            db.session.scalars(
                sa.select(Need.id).where(Need.owner_id == user.organisation_id, Need.status == NeedStatus.PUBLISHED)
            )
        )
        db.database.session.remove()
    return ids


def search_queries(data: Path) -> list[str]:
    """Directory searches: the dev needs' first clauses when the data is there, else two fixed phrases."""
    path = data / "needs-dev.jsonl"
    if not path.exists():
        return ["invoice financing for small suppliers", "campus card payments"]
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [" ".join(t.split()[:8]) for t in texts[:10]]


def page_runs(web_url: str, need_ids: list[int], queries: list[str], requests_per_page: int, memory) -> dict:
    """Signed in as the need's unit staff: the need page, the directory page 1 and directory searches."""

    client = procs.signed_in(web_url, *BANK_STAFF)
    ranked = lambda html: 'class="ranked-list"' in html and len(PROFILE_LINK.findall(html)) >= 20  # noqa: E731
    listed = lambda html: bool(PROFILE_LINK.search(html))  # noqa: E731
    out: dict = {}
    need_urls = [f"{web_url}/needs/{i}" for i in need_ids]
    # One request first: record_visit's first insert races when the same person opens a need twice at once.
    warm = [procs.timed_get(client, need_urls[0], ranked), *procs.warm_both_workers(client, need_urls[0])]
    out["need_page_first_requests_s"] = round(max(warm), 2)  # each worker loads the index on its first page
    for url in need_urls:
        procs.timed_get(client, url, ranked)
    out["need_page"] = procs.percentiles(
        [procs.timed_get(client, need_urls[i % len(need_urls)], ranked) for i in range(requests_per_page)]
    )
    directory = f"{web_url}/startups/"
    procs.timed_get(client, directory, listed)
    out["directory_page_1"] = procs.percentiles(
        [procs.timed_get(client, directory, listed) for _ in range(max(20, requests_per_page // 2))]
    )
    out["memory_before_search"] = memory()  # index loaded, model not yet (only ad-hoc search loads it)
    search_urls = [f"{directory}?q={quote_plus(q)}" for q in queries]
    warm = procs.warm_both_workers(client, search_urls[0], rounds=2)
    out["search_first_requests_s"] = round(max(warm), 2)  # the web process loads the model for ad-hoc search
    out["directory_search"] = procs.percentiles(
        [
            procs.timed_get(client, search_urls[i % len(search_urls)], listed)
            for i in range(max(20, requests_per_page // 2))
        ]
    )
    return out


def web_memory(web: procs.Process) -> dict:
    workers = {pid: procs.memory_mb(pid) for pid in procs.children(web.pid)}
    master = procs.memory_mb(web.pid)
    total = master.get("VmRSS", 0) + sum(m.get("VmRSS", 0) for m in workers.values())
    return {
        "master_rss_mb": master.get("VmRSS"),
        "worker_rss_mb": [m.get("VmRSS") for m in workers.values()],
        "worker_peak_mb": [m.get("VmHWM") for m in workers.values()],
        "total_rss_mb": round(total),
    }


def edit_and_wait(app_redis, worker: procs.Process, index_dir: Path, web_url: str) -> dict:
    """Edits one synthetic startup as its incubator; times the job, the new snapshot and the web's reload."""

    conn = Redis.from_url(REDIS_URL)
    before = store.current_version(index_dir / "startup")
    client = procs.signed_in(web_url, *INCUBATOR_MANAGER)
    with procs.PeakSampler(worker.pid) as horse:
        started = time.perf_counter()
        startup_id = _edit_one_startup(app_redis)
        indexed = _wait_for(lambda: (store.current_version(index_dir / "startup") or 0) > (before or 0), 300, started)
        # Each sync worker that is busy cannot accept, so a concurrent pair reaches both: each reloads the snapshot.
        url = f"{web_url}/startups/?q={EDIT_WORD}"
        procs.warm_both_workers(client, url, rounds=1)
        reloaded = time.perf_counter() - started
        found = f'href="/startups/{startup_id}"' in client.get(url, timeout=120).text
        done = lambda: FinishedJobRegistry("matching", connection=conn).get_job_ids()  # noqa: E731
        failed = lambda: FailedJobRegistry("matching", connection=conn).get_job_ids()  # noqa: E731
        _wait_for(lambda: len(done()) + len(failed()) >= 2 and not procs.children(worker.pid), 600)
    if failed():
        raise RuntimeError(f"a matching job failed:\n{worker.tail()}")
    jobs = {}
    for job_id in done():
        job = Job.fetch(job_id, connection=conn)
        jobs[job.func_name.rsplit(".", 1)[-1]] = round((job.ended_at - job.started_at).total_seconds(), 2)
    return {
        "startup_id": startup_id,
        "until_snapshot_s": round(indexed, 2),
        "until_web_workers_reloaded_s": round(reloaded, 2),
        "snapshot_has_edit": _snapshot_has(index_dir, startup_id),
        "one_word_search_finds_it": found,
        "job_seconds": jobs,
        "work_horse_peak_rss_mb": horse.peak.get("VmHWM"),
        "worker_rss_after_mb": procs.memory_mb(worker.pid).get("VmRSS"),
    }


def _snapshot_has(index_dir: Path, startup_id: int) -> bool:
    """Whether the current snapshot holds the edited text's new term at the startup's live position."""

    _version, corpus, _meta = store.load(index_dir / "startup")
    return EDIT_WORD in corpus.tokens[corpus.positions[startup_id]]


def _edit_one_startup(app_redis) -> int:
    """A synthetic startup listed by the signed-in manager's incubator gets a word nobody else uses."""

    with app_redis.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == INCUBATOR_MANAGER[0]))
        startup = db.session.scalar(
            sa.select(Startup)
            .join(Listing, Listing.startup_id == Startup.id)
            .where(Listing.incubator_id == manager.organisation_id, Listing.external_id.like("SCALE-%"))
            .order_by(Startup.id.desc())
            .limit(1)
        )
        data = {name: getattr(startup, name) for name in StartupFields.model_fields}
        data["description"] = f"{startup.description} It now also offers {EDIT_WORD} analytics."
        with unit_of_work():
            update_startup(actor=manager, startup=startup, data=data)
        startup_id = startup.id
        db.database.session.remove()
    return startup_id


def _wait_for(condition, timeout: float, since: float | None = None) -> float:
    since = time.perf_counter() if since is None else since
    while time.perf_counter() - since < timeout:
        if condition():
            return time.perf_counter() - since
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout}s")


# -- 7. backup --------------------------------------------------------------------------------------


def backup_runs(env: dict, tmp: Path, args) -> dict:
    """flask export, then flask restore into a fresh scale_restore database (which rebuilds the indexes)."""

    archive = tmp / "scale.zip"
    out: dict = {}
    for name, command, run_env in (
        ("export", ["export", str(archive)], env),
        (
            "restore",
            ["restore", str(archive)],
            {
                **env,
                "DATABASE_URL": recreate_database(args.restore_url, args.admin_database),
                "INDEX_DIR": str(tmp / "restore-index"),
            },
        ),
    ):
        started = time.perf_counter()
        done = subprocess.run(
            [str(procs.BIN / "flask"), "--app", "marketplace", *command],
            env=run_env,
            cwd=procs.REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.strip().splitlines() + [x for x in done.stderr.splitlines() if x.startswith("Error")]
        out[name] = {
            "seconds": round(time.perf_counter() - started, 1),
            "exit_code": done.returncode,
            "message": " / ".join(x for x in lines if not x.startswith("{"))[-400:],
        }
    out["archive_mb"] = round(archive.stat().st_size / 2**20) if archive.exists() else None
    drop_database(args.restore_url, args.admin_database)
    archive.unlink(missing_ok=True)
    return out


# -- report -----------------------------------------------------------------------------------------


def table(result: dict) -> str:
    g, b, r, p, m, w = (result.get(k, {}) for k in ("generate", "index_build", "ranking", "pages", "memory", "edit"))
    cmd = result.get("reindex_command", {})
    rows = [
        ("startups (synthetic + seeded)", f"{g.get('rows', {}).get('startup', 0):,}"),
        (
            "generate: seed world / archetypes / startups",
            f"{g.get('seed_world_s')} s / {g.get('encode_archetypes_s')} s"
            f" / {g.get('startups_s')} s (render+validate {g.get('render_validate_s')} s, vectors+terms+hash "
            f"{g.get('vectors_terms_hash_s')} s, COPY {g.get('copy_s')} s)",
        ),
        ("database size", f"{g.get('database_mb')} MB"),
        (
            "`flask matching reindex` (subprocess)",
            f"exit {cmd.get('exit_code')}, {cmd.get('seconds')} s, "
            f"peak RSS {cmd.get('peak_rss_mb')} MB" + (f": {cmd.get('last_line')}" if cmd.get("exit_code") else ""),
        ),
        (
            "index build (rebuild_index, in-process)",
            f"{b.get('total_s')} s: hash check {b.get('check_hashes_s')} s, "
            f"read rows + fill corpus {b.get('read_rows_fill_corpus_s')} s, BM25 {b.get('bm25_build_s')} s, "
            f"HNSW {b.get('hnsw_build_s')} s, save {b.get('save_s')} s, other {b.get('other_s')} s; "
            f"re-encoded {b.get('profiles_encoded')}",
        ),
        (
            "ranking p50 / p95 (in-process, with explanations)",
            f"{r.get('p50_ms')} / {r.get('p95_ms')} ms "
            f"(n={r.get('n')}, first call {r.get('first_call_s')} s; mean parts {r.get('mean_parts')})",
        ),
    ]
    for key, label in (
        ("need_page", "need page"),
        ("directory_page_1", "directory page 1"),
        ("directory_search", "directory search"),
    ):
        if key in p:
            rows.append((f"{label} p50 / p95 (HTTP)", f"{p[key]['p50_ms']} / {p[key]['p95_ms']} ms (n={p[key]['n']})"))
    for label, seen in (
        ("gunicorn RSS after need pages (index + model)", p.get("memory_before_search")),
        ("gunicorn RSS after directory searches too", m),
    ):
        if seen:
            rows.append(
                (
                    label,
                    f"{seen['total_rss_mb']} MB (workers {', '.join(str(x) for x in seen['worker_rss_mb'])}"
                    f" MB, master {seen['master_rss_mb']} MB)",
                )
            )
    if w:
        rows.append(
            (
                "rq worker RSS after the job / work horse peak",
                f"{w.get('worker_rss_after_mb')} MB / {w.get('work_horse_peak_rss_mb')} MB",
            )
        )
        rows.append(
            (
                "edit → new snapshot / → both web workers serve it",
                f"{w.get('until_snapshot_s')} s / "
                f"{w.get('until_web_workers_reloaded_s')} s (jobs: {w.get('job_seconds')}; snapshot has the edit: "
                f"{w.get('snapshot_has_edit')}; one-word search finds it: {w.get('one_word_search_finds_it')})",
            )
        )
    for name, run in result.get("backup", {}).items():
        if isinstance(run, dict):
            rows.append((f"`flask {name}`", f"{run['seconds']} s, exit {run['exit_code']}: {run['message']}"))
    return "\n".join(["| measurement | result |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--startups", type=int, default=10_000)
    parser.add_argument("--database-url", default="postgresql://127.0.0.1:5432/scale_innomatch")
    parser.add_argument("--restore-url", default="postgresql://127.0.0.1:5432/scale_restore")
    parser.add_argument("--admin-database", default="test", help="database to connect to for CREATE/DROP")
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--archetypes", type=int, default=400)
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--calls", type=int, default=120, help="timed in-process rankings")
    parser.add_argument("--requests", type=int, default=120, help="timed need-page requests")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/innomatch-scale"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--backup", action="store_true", help="also time flask export and restore")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and index")
    return parser.parse_args()


def in_process_runs(app, env: dict, tmp: Path, args, result: dict) -> None:
    """Generation, the index build (command and in-process) and in-process ranking."""
    log(f"generating {args.startups} startups (load {load_average()})")
    result["generate"] = generate(app, synth.Plan(args.startups, args.seed, args.archetypes, args.noise))
    result["load_average"]["after_generate"] = load_average()
    log(f"flask matching reindex (load {load_average()})")
    result["reindex_command"] = reindex_command(env, tmp / "reindex.log")
    log(f"rebuild_index in-process (load {load_average()})")
    result["index_build"] = build_index(app)
    result["load_average"]["after_index"] = load_average()
    log(f"ranking in-process (load {load_average()})")
    result["ranking"] = rank_in_process(app, args.calls)


def service_runs(app, app_redis, env: dict, tmp: Path, args, result: dict) -> None:
    """gunicorn pages and memory, then an rq worker handling one edit while gunicorn serves."""
    web = worker = None
    try:
        log(f"gunicorn pages (load {load_average()})")
        port = procs.free_port()
        web = procs.start_web(env, port, tmp / "gunicorn.log")
        web_url = f"http://127.0.0.1:{port}"
        result["pages"] = page_runs(
            web_url, owned_needs(app), search_queries(args.data), args.requests, lambda: web_memory(web)
        )
        result["memory"] = web_memory(web)
        result["load_average"]["after_pages"] = load_average()
        log(f"rq worker and one edit (load {load_average()})")
        worker = procs.start_worker(env, tmp / "worker.log", REDIS_URL)
        result["worker_rss_idle_mb"] = procs.memory_mb(worker.pid).get("VmRSS")
        result["edit"] = edit_and_wait(app_redis, worker, Path(env["INDEX_DIR"]), web_url)
        result["memory_after_edit"] = web_memory(web)
        result["load_average"]["after_edit"] = load_average()
    finally:
        for process in (worker, web):
            if process is not None:
                process.stop()


def main() -> int:
    args = parse_args()
    tmp = args.tmp / str(args.startups)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    index_dir, model_cache = tmp / "index", args.tmp / "models"
    result: dict = {
        "startups": args.startups,
        "seed": args.seed,
        "archetypes": args.archetypes,
        "noise": args.noise,
        "load_average": {"start": load_average()},
    }
    url = recreate_database(args.database_url, args.admin_database)

    Redis.from_url(REDIS_URL).flushdb()

    base = {
        "DATABASE_URL": url,
        "SECRET_KEY": "scale-bench-not-a-secret",
        "INDEX_DIR": str(index_dir),
        "MODEL_CACHE_DIR": str(model_cache),
        "LOG_FORMAT": "text",
    }
    app = create_app({**base, "REDIS_URL": None})
    app_redis = create_app({**base, "REDIS_URL": REDIS_URL})  # its edits queue jobs for the rq worker
    logging.getLogger().setLevel(logging.WARNING)  # the app logs every model and index load at INFO
    env = service_env(url, index_dir, model_cache)
    try:
        in_process_runs(app, env, tmp, args, result)
        service_runs(app, app_redis, env, tmp, args, result)
        if args.backup:
            log(f"export and restore (load {load_average()})")
            result["backup"] = backup_runs(env, tmp, args)
    finally:
        if not args.keep:
            drop_database(url, args.admin_database)
            shutil.rmtree(tmp, ignore_errors=True)
    result["load_average"]["end"] = load_average()
    result["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(table(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
