"""A missing or corrupt index file with real workers: rankings keep coming (from the stored vectors, searched
exactly) while one repair job, run by a real rq worker, rebuilds the index from the database."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from marketplace.rankings.engine import engine, init_engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.jobs import repair_index
from matching import store
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, fresh_postgres_database, seeded_app
from tests.helpers import flask_env, need_id

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("TEST_REDIS_URL_INDEX_FAULT", "redis://127.0.0.1:6379/11")
NEED = "mpc-blockchain-cryptography"
RANKED = re.compile(r'class="ranked-title">([^<]+)</a>')


@pytest.fixture(scope="module")
def fault_app():
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    app = seeded_app(fresh_postgres_database("innomatch_test_index_fault"), REDIS_URL=REDIS_URL)
    yield app
    redis.flushdb()
    app.extensions["innomatch.db"].engine.dispose()


def ranked_names(app) -> list[str]:
    client = app.test_client()
    client.post("/login", data={"email": BANK_STAFF, "password": DEMO_PASSWORD})
    response = client.get(f"/needs/{need_id(app, NEED)}")
    assert response.status_code == 200
    return RANKED.findall(response.get_data(as_text=True))


def restart_engine(app) -> None:
    """What a newly started web process holds: nothing yet."""
    init_engine(app)


def startup_dir(app) -> Path:
    return Path(app.config["INDEX_DIR"]) / ProfileKind.STARTUP.value


def run_worker(app) -> str:
    env = flask_env(app, REDIS_URL)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "marketplace", "worker", "--burst", "matching"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def remove_folder(app) -> None:
    shutil.rmtree(startup_dir(app))


def corrupt_vectors(app) -> None:
    directory = startup_dir(app)
    (directory / f"v{store.current_version(directory):06d}" / "vectors.npy").write_bytes(b"\x00 not numpy")


@pytest.mark.parametrize("damage", [remove_folder, corrupt_vectors], ids=["folder removed", "vectors corrupted"])
def test_rankings_continue_while_one_worker_job_rebuilds_the_index(fault_app, damage):
    app = fault_app
    queue = Queue("matching", connection=Redis.from_url(REDIS_URL))
    queue.empty()
    before = ranked_names(app)
    assert len(before) == 20

    damage(app)
    assert store.load(startup_dir(app)) is None
    restart_engine(app)
    during = [ranked_names(app) for _ in range(3)]
    ready = app.test_client().get("/readyz")

    assert during == [before] * 3, "the stand-in ranks exactly what the index ranked"
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["indexes"] == {"startup": "rebuilding", "need": "ok"}
    assert [job.func_name.rsplit(".", 1)[-1] for job in queue.get_jobs()] == ["repair_index"], (
        "one repair job, however many requests found the damage"
    )

    run_worker(app)

    assert store.load(startup_dir(app)) is not None, "the worker published a readable snapshot"
    assert ranked_names(app) == before
    with app.app_context():
        assert ProfileKind.STARTUP not in engine().damaged
        assert ProfileKind.STARTUP not in engine().stand_ins
        assert engine().corpus(ProfileKind.STARTUP) is not None
    assert app.test_client().get("/readyz").get_json()["status"] == "ok"


def test_a_second_repair_job_finds_the_index_repaired_and_does_nothing(fault_app):

    version = store.current_version(startup_dir(fault_app))
    with fault_app.app_context():
        repair_index(kind=ProfileKind.STARTUP.value)

    assert store.current_version(startup_dir(fault_app)) == version
