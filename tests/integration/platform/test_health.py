"""Probes: /healthz stays the cheap liveness check; /readyz is 200 only while the database, Redis (when
configured) and both matching indexes answer, and says which check failed otherwise. Both stay on plain
HTTP and outside the rate limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.core.db import db
from marketplace.rankings import engine as engine_module
from marketplace.rankings.engine import Engine
from marketplace.schema.migrate import upgrade_database
from marketplace.web.rate_limits import limiter_of

pytestmark = pytest.mark.integration

# Nothing listens there: a Redis that is configured but down (the real one on 6379 is not touched).
CLOSED_REDIS_URL = "redis://127.0.0.1:6390/0"
READY = {"status": "ok", "database": "ok", "redis": "not used", "indexes": {"startup": "ok", "need": "ok"}}


def use_index_dir(app, monkeypatch, directory: Path) -> None:
    """This test's app reads its indexes from ``directory`` through a fresh engine (nothing held yet)."""
    fresh = Engine(
        app.config["EMBEDDING_MODEL"],
        directory,
        backend=app.config["EMBEDDING_BACKEND"],
        multilingual=app.config["EMBEDDING_MULTILINGUAL"],
        cache_dir=Path(app.config["MODEL_CACHE_DIR"]),
    )
    monkeypatch.setitem(app.extensions, engine_module._EXTENSION, fresh)


def test_readyz_is_200_on_the_seeded_app(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == READY


def test_healthz_stays_liveness_only_while_readiness_fails(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_REDIS_URL)

    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_readyz_is_503_when_redis_is_configured_but_unreachable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", CLOSED_REDIS_URL)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {**READY, "status": "not ready", "redis": "unreachable"}


def test_readyz_is_503_when_the_index_folder_is_missing_while_profiles_exist(client, app, monkeypatch, tmp_path):
    use_index_dir(app, monkeypatch, tmp_path / "nowhere")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {**READY, "status": "not ready", "indexes": {"startup": "missing", "need": "missing"}}


def test_readyz_is_503_when_a_snapshot_is_corrupt_while_profiles_exist(client, app, monkeypatch, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(app.config["INDEX_DIR"], copy)
    current = (copy / "startup" / "CURRENT").read_text().split()[0]
    (copy / "startup" / f"v{int(current):06d}" / "corpus.json").write_text("{not json", encoding="utf-8")
    use_index_dir(app, monkeypatch, copy)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["indexes"] == {"startup": "missing", "need": "ok"}


# -- a production-like app on an empty, migrated database ------------------------------------------


@pytest.fixture
def empty_platform(tmp_path):
    """Production settings (HTTPS redirects, rate limits in memory), a migrated database without a single
    profile, and no index folder yet."""

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "SECRET_KEY": "k" * 40,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "INDEX_DIR": str(tmp_path / "index"),
        }
    )
    with app.app_context():
        upgrade_database(db.engine)
    yield app
    app.extensions["innomatch.db"].engine.dispose()


def test_an_empty_platform_without_indexes_is_ready(empty_platform):
    response = empty_platform.test_client().get("/readyz", headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert response.get_json()["indexes"] == {"startup": "empty", "need": "empty"}


def test_probes_answer_over_plain_http_while_pages_redirect(empty_platform):
    client = empty_platform.test_client()

    assert client.get("/login").status_code == 302  # production redirects to HTTPS...
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200 and "Location" not in response.headers, path  # ...probes stay


def test_probes_are_never_rate_limited(empty_platform):
    limiter, views = limiter_of(empty_platform), empty_platform.view_functions
    for endpoint in ("health.healthz", "health.readyz"):  # as if someone put a limit on them
        views[endpoint] = limiter.limit("1/minute")(views[endpoint])
    empty_platform.add_url_rule("/__limited", "limited", limiter.limit("1/minute")(lambda: "ok"))
    client = empty_platform.test_client()
    https = {"X-Forwarded-Proto": "https"}

    probes = [client.get(path, headers=https).status_code for path in ("/healthz", "/readyz") * 3]
    control = [client.get("/__limited", headers=https).status_code for _ in range(2)]

    assert probes == [200] * 6
    assert control == [200, 429]  # the same limit holds elsewhere
