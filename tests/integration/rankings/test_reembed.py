"""A model change with real workers: the index is re-embedded in the background, in committed chunks, while every
ranking keeps using the earlier snapshot (and that model's query vectors) until the new index is complete.

Two cheap configurations stand for the upgrade: MiniLM alone (``EMBEDDING_MULTILINGUAL=""``, 384 dimensions), then
the default pair of MiniLM and multilingual USE (896 dimensions).

On PostgreSQL only: what is tested here is the job (chunks, kill and resume, slices, the switch of snapshot), not
the database. The same chunk walk (``store_vectors``: ids after an id, counts up to an id) runs on SQLite too in
tests/integration/rankings/test_matchmaking.py, whose reindex tests go through ``reembed_in_process`` on both backends.
And on a smaller world (about half the startups): re-encoding the world twice is what this costs, and three
re-embed chunks are as many as the kill and the resume need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.job import Job

from marketplace.core.db import db, unit_of_work
from marketplace.jobs.queue import enqueue_now
from marketplace.needs.models import Need
from marketplace.needs.services import create_need
from marketplace.ops.seeding import FIXTURES
from marketplace.rankings import jobs
from marketplace.rankings.engine import engine, init_engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.jobs import index_profiles, reembed
from marketplace.rankings.models import ProfileVector
from marketplace.rankings.services import REEMBED_CHUNK
from marketplace.startups.models import Startup
from marketplace.startups.services import create_startup, update_startup
from matching import store
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, ORGANISER, ZJ_MANAGER, database_url, seeded_app
from tests.helpers import flask_env, kill_worker_and_horse, need_id, rq_worker, startup_listed_by, user

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL_REEMBED", "redis://127.0.0.1:6379/10")
OLD, NEW = "", "use-multilingual-v3"  # EMBEDDING_MULTILINGUAL before and after the upgrade
NEED = "mpc-blockchain-cryptography"
RANKED = re.compile(r'class="ranked-title">([^<]+)</a>')
NOTICE = re.compile(r'role="status">([^<]*(?:Re-encoding profiles|重新编码档案)[^<]*)</p>')
STARTUPS = 120  # the seed's first startups kept (and those its pipeline names): more than two re-embed chunks


def smaller_world(directory: Path) -> Path:
    """The seed's fixtures with only the first STARTUPS startups and those the pipeline names."""
    for path in FIXTURES.glob("*.json"):
        shutil.copy(path, directory / path.name)
    named = {item["startup"] for item in json.loads((FIXTURES / "pipeline.json").read_text(encoding="utf-8"))}
    startups = json.loads((FIXTURES / "startups.json").read_text(encoding="utf-8"))
    kept = [item for i, item in enumerate(startups) if i < STARTUPS or item["slug"] in named]
    (directory / "startups.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """A platform indexed with MiniLM alone, its configuration then switched to the pair (nothing re-embedded
    yet), with Redis for its jobs."""
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    url = database_url("postgresql", tmp_path_factory.mktemp("reembed"), "innomatch_test_reembed")
    app = seeded_app(
        url,
        fixtures=smaller_world(tmp_path_factory.mktemp("reembed-world")),
        REDIS_URL=REDIS_URL,
        EMBEDDING_MULTILINGUAL=OLD,
    )
    redis.flushdb()  # whatever seeding queued: the indexes are built already
    with app.app_context():
        old_model = engine().model_id
    app.config["EMBEDDING_MULTILINGUAL"] = NEW
    init_engine(app)  # what each process holds once restarted with the new configuration: nothing yet
    with app.app_context():
        new_model = engine().model_id
    assert old_model != new_model
    yield app, old_model, new_model
    redis.flushdb()
    app.extensions["innomatch.db"].engine.dispose()


def signed_in(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    return client


def ranked_names(client, need: int) -> list[str]:
    response = client.get(f"/needs/{need}")
    assert response.status_code == 200
    return RANKED.findall(response.get_data(as_text=True))


def notice(client, need: int) -> list[str]:
    return NOTICE.findall(client.get(f"/needs/{need}").get_data(as_text=True))


def startup_dir(app) -> Path:
    return Path(app.config["INDEX_DIR"]) / ProfileKind.STARTUP.value


def snapshot(app, kind: ProfileKind = ProfileKind.STARTUP):
    """(version, number of profiles, model) of the kind's current snapshot on disk."""
    version, corpus, meta = store.load(Path(app.config["INDEX_DIR"]) / kind.value)
    return version, len(corpus), meta["model"]


def stored(app, model: str, kind: ProfileKind = ProfileKind.STARTUP) -> dict[int, tuple]:
    """The vectors stored under ``model``: entity id → (content hash, updated at)."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(ProfileVector.entity_id, ProfileVector.content_hash, ProfileVector.updated_at).where(
                ProfileVector.kind == kind, ProfileVector.model == model
            )
        ).all()
        return {entity_id: (digest, at) for entity_id, digest, at in rows}


def queued(kind_of: str = "reembed") -> list[Job]:
    queue = Queue("matching", connection=Redis.from_url(REDIS_URL))
    return [job for job in queue.get_jobs() if job.func_name.rsplit(".", 1)[-1] == kind_of]


def progress(job: Job) -> dict:
    return Job.fetch(job.id, connection=Redis.from_url(REDIS_URL)).meta or {}


def worker(app, *, burst: bool) -> subprocess.Popen:
    return rq_worker({**flask_env(app, REDIS_URL), "EMBEDDING_MULTILINGUAL": NEW}, "matching", burst=burst)


def test_rankings_use_the_old_snapshot_until_a_resumable_background_reembed_publishes_the_new_one(upgraded):
    app, old_model, new_model = upgraded
    need = need_id(app, NEED)
    startups, needs = db_count(app, Startup), db_count(app, Need)
    staff, organiser = signed_in(app, BANK_STAFF), signed_in(app, ORGANISER)
    old_version = snapshot(app)[0]

    # The change is noticed by the processes that rank: they rank as before, from the old snapshot with the
    # need's old vector (no dimension mismatch), and one re-embed job per kind is queued however many ask.
    before = ranked_names(staff, need)
    assert len(before) == 20
    assert ranked_names(staff, need) == before
    init_engine(app)  # a second web process finds the same change
    ready = app.test_client().get("/readyz")
    assert ranked_names(staff, need) == before
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["indexes"] == {"startup": "reembedding", "need": "reembedding"}
    assert ready.get_json()["reembedding"] == {
        "startup": {"done": 0, "total": startups},
        "need": {"done": 0, "total": needs},
    }
    jobs = queued()
    assert sorted(job.kwargs["kind"] for job in jobs) == ["need", "startup"]
    assert {job.kwargs["model"] for job in jobs} == {new_model}
    startup_job = next(job for job in jobs if job.kwargs["kind"] == "startup")
    assert notice(organiser, need) == [
        f"Re-encoding profiles for the new language model: 0 of {startups}. "
        "Rankings use the previous model until it is done."
    ]
    assert notice(staff, need) == [], "only organisers see it"

    # A real worker stores the new vectors a committed chunk at a time; it is killed after the first chunks.
    first = worker(app, burst=False)
    deadline = time.time() + 600
    while (
        time.time() < deadline
        and first.poll() is None
        and not (len(stored(app, new_model)) >= REEMBED_CHUNK and progress(startup_job).get("done", 0) >= REEMBED_CHUNK)
    ):
        time.sleep(0.2)
    kill_worker_and_horse(first)
    done = stored(app, new_model)
    assert REEMBED_CHUNK <= len(done) < startups, "the worker should die in the middle of the re-embed: " + (
        first.stdout.read() if first.stdout else ""
    )
    assert len(done) % REEMBED_CHUNK == 0, "whole chunks committed"

    # Between chunks: nothing new is published, rankings answer from the old snapshot, progress is visible.
    assert snapshot(app) == (old_version, startups, old_model)
    assert ranked_names(staff, need) == before
    ready = app.test_client().get("/readyz").get_json()
    assert (ready["status"], ready["indexes"]["startup"]) == ("degraded", "reembedding")
    assert ready["reembedding"]["startup"] == {"done": len(done), "total": startups}
    meta = progress(startup_job)
    assert (meta["kind"], meta["model"], meta["total"]) == ("startup", new_model, startups)
    assert REEMBED_CHUNK <= meta["done"] <= len(done)
    assert notice(organiser, need) == [
        f"Re-encoding profiles for the new language model: {len(done)} of "
        f"{startups}. Rankings use the previous model until it is done."
    ]
    organiser.post("/language", data={"locale": "zh_Hans", "next": f"/needs/{need}"})
    assert notice(organiser, need) == [
        f"正在用新的语言模型重新编码档案：{len(done)} / {startups}。完成前，排名沿用之前的模型。"
    ]

    # Edits meanwhile: their jobs store the new model's vector and keep the old snapshot current without any
    # new-model vector in it (an edited profile keeps its old vector with its new words; a new one is found by
    # its words alone); a need created since the change ranks by its keywords.
    with app.app_context():
        edited = db.session.get(Startup, startup_listed_by(app, "zhangjiang-incubator"))
        with unit_of_work():
            update_startup(
                actor=user(ZJ_MANAGER),
                startup=edited,
                data={
                    "name": edited.name,
                    "sectors": edited.sectors,
                    "description": edited.description + " Zyxquantum sensors watch pledged machinery.",
                },
            )
            created = create_startup(
                actor=user(ZJ_MANAGER),
                data={
                    "name": "Quarry Zyxquantum",
                    "sectors": ["iot_logistics"],
                    "description": "Zyxquantum vibration sensors for pledged machinery in warehouses.",
                },
            )
        edited_id, created_id = edited.id, created.id
        index_profiles(kind="startup", ids=[edited_id, created_id])  # as the worker would
        with unit_of_work():
            new_need = create_need(
                actor=user(BANK_STAFF),
                data={
                    "title": "Zyxquantum collateral monitoring",
                    "sector_tags": ["iot_logistics"],
                    "summary": "Sensors that watch pledged machinery in warehouses for zyxquantum loans.",
                },
            )
        new_need_id = new_need.id
    version, size, model = snapshot(app)
    assert (version, size, model) == (old_version + 1, startups + 1, old_model), "no new-model snapshot yet"
    _v, corpus, _m = store.load(startup_dir(app))
    assert corpus.dim == 384 and "zyxquantum" in corpus.tokens[corpus.positions[edited_id]]
    assert not corpus.vector_of(created_id).any(), "no earlier vector: found by its words"
    assert {edited_id, created_id} <= set(stored(app, new_model))
    search = staff.get("/startups/?q=zyxquantum")
    assert search.status_code == 200 and "Quarry Zyxquantum" in search.get_data(as_text=True)
    assert len(ranked_names(staff, new_need_id)) == 20, "a need without an old vector ranks by its keywords"

    # The job run again (as rq's retry does) resumes: what the killed job stored is not encoded again, and the
    # new index is published once every profile has its new vector; every process then switches to it.
    with app.app_context():
        enqueue_now("marketplace.rankings.jobs.reembed", queue="matching", kind="startup", model=new_model)
    second = worker(app, burst=True)
    output, _ = second.communicate(timeout=1800)
    assert second.returncode == 0, output

    after = stored(app, new_model)
    assert len(after) == startups + 1
    assert {i: after[i] for i in done if i != edited_id} == {i: done[i] for i in done if i != edited_id}
    assert snapshot(app)[1:] == (startups + 1, new_model)
    assert snapshot(app, ProfileKind.NEED)[1:] == (needs + 1, new_model)
    assert not queued(), "no re-embed left waiting"
    assert Queue("matching", connection=Redis.from_url(REDIS_URL)).failed_job_registry.count == 0
    with app.app_context():
        assert engine().corpus(ProfileKind.STARTUP)[1].dim == 896
        assert engine().snapshot_model(ProfileKind.STARTUP) == new_model
    assert len(ranked_names(staff, need)) == 20
    assert notice(organiser, need) == []
    assert app.test_client().get("/readyz").get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "indexes": {"startup": "ok", "need": "ok"},
    }


def test_reindex_prints_a_line_per_chunk_and_background_queues_jobs_a_worker_runs(upgraded, monkeypatch):
    app, _old_model, new_model = upgraded
    runner = app.test_cli_runner()

    result = runner.invoke(args=["matching", "reindex", "--chunk", "100"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    startups = db_count(app, Startup)
    assert 100 < startups <= 200
    assert lines[:2] == [
        f"startup: 100/{startups} profiles (0 encoded in this chunk)",
        f"startup: {startups}/{startups} profiles (0 encoded in this chunk)",
    ]
    assert lines[2] == f"startup index at version {snapshot(app)[0]}"
    assert lines[-1] == f"need index at version {snapshot(app, ProfileKind.NEED)[0]}"

    versions = snapshot(app)[0], snapshot(app, ProfileKind.NEED)[0]
    background = runner.invoke(args=["matching", "reindex", "--background"])

    assert background.exit_code == 0, background.output
    ids = re.findall(r"^(startup|need) re-embed queued as job (\S+)$", background.output, re.M)
    assert [kind for kind, _id in ids] == ["startup", "need"]
    assert sorted(job.id for job in queued()) == sorted(job_id for _kind, job_id in ids)
    done = worker(app, burst=True)
    output, _ = done.communicate(timeout=900)
    assert done.returncode == 0, output
    assert (snapshot(app)[0], snapshot(app, ProfileKind.NEED)[0]) == (versions[0] + 1, versions[1] + 1)
    meta = Job.fetch(ids[0][1], connection=Redis.from_url(REDIS_URL)).meta
    assert meta["kind"] == "startup"
    assert (meta["done"], meta["total"], meta["model"]) == (startups, startups, new_model)

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    without_redis = runner.invoke(args=["matching", "reindex", "--background"])
    assert without_redis.exit_code != 0 and "REDIS_URL" in without_redis.output


def db_count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_reembed_job_runs_in_slices_and_publishes_once_at_the_end(upgraded, monkeypatch):
    """Each job gives the queue back after its slice: it queues its continuation from the next id (the matching
    queue's other jobs run in between), and only the job that reaches the end publishes."""

    app, _old_model, new_model = upgraded
    monkeypatch.setattr(jobs, "REEMBED_CHUNK", 5)
    monkeypatch.setattr(jobs, "REEMBED_SLICE_SECONDS", 0.0)  # one chunk per job
    Queue("matching", connection=Redis.from_url(REDIS_URL)).empty()
    version = snapshot(app, ProfileKind.NEED)[0]
    needs = db_count(app, Need)
    runs = []

    with app.app_context():
        reembed(kind="need", model=new_model, rebuild=True)
        while queued():
            (job,) = queued()
            runs.append(job.kwargs["after"])
            assert snapshot(app, ProfileKind.NEED)[0] == version, "nothing published before the end"
            job.delete()
            reembed(**job.kwargs)

    with app.app_context():
        ids = sorted(db.session.scalars(sa.select(Need.id)))
    assert runs == [ids[min(start + 4, needs - 1)] for start in range(0, needs, 5)], (
        "each continuation starts after the last id its predecessor did"
    )
    assert snapshot(app, ProfileKind.NEED)[0] == version + 1
