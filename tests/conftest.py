"""Shared fixtures: the seeded world on real SQLite and PostgreSQL, rolled back per test."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.core.db import db, unit_of_work
from marketplace.ops.seeding import FIXTURES, load_world
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import rebuild_index
from marketplace.schema.migrate import upgrade_database
from matching import store

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from marketplace import create_app  # noqa: E402
from marketplace.core.config import REPO_ROOT  # noqa: E402

DEMO_PASSWORD = "demo-password-1"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://127.0.0.1:5432/test")
# Lets two checkouts run the suite side by side on one PostgreSQL without sharing databases.
DB_PREFIX = os.environ.get("TEST_DB_PREFIX", "")
BACKENDS = ["sqlite", "postgresql"]


def fixture_users() -> dict[str, dict]:
    users = json.loads((REPO_ROOT / "fixtures" / "users.json").read_text(encoding="utf-8"))
    return {u["email"]: u for u in users}


def fresh_postgres_database(name: str) -> str:
    """Drops and recreates ``name`` (with TEST_DB_PREFIX) on the machine's PostgreSQL; returns its URL."""
    name = DB_PREFIX + name
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def database_url(backend: str, tmp: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.sqlite3')}"
    return fresh_postgres_database(name)


# Settings that change what seeding stores (the vectors); any other override is the app's alone.
SEED_SETTINGS = ("EMBEDDING_MODEL", "EMBEDDING_MULTILINGUAL", "EMBEDDING_BACKEND")
# One seeded, embedded world per backend and embedding configuration per session: key → template database URL.
_templates: dict[tuple, str] = {}


def seeded_app(url: str, *, fixtures: Path | None = None, **overrides):
    """An app on ``url`` with the schema at head, the seed's world (or the one in ``fixtures``, a folder like
    fixtures/) committed and its indexes built.

    Seeding (migrations, the fixtures' rows, every profile embedded with the real model) took 5-10 s a world even
    with the process's vector memo, and fifteen modules seed one; so the world is seeded once per session for
    each backend and embedding configuration, into a template database; ``url`` gets a copy of it (PostgreSQL
    ``CREATE DATABASE … TEMPLATE``, SQLite's backup API) and this app builds its own indexes from the copied
    vectors. A PostgreSQL server other than the machine's (a private cluster) is seeded directly.
    """
    target = sa.make_url(url)
    if target.get_backend_name() == "postgresql" and not _on_test_server(target):
        return _seed(url, overrides, fixtures)
    settings = {name: overrides[name] for name in SEED_SETTINGS if name in overrides}
    if fixtures is not None:
        settings["fixtures"] = str(fixtures)
    key = (target.get_backend_name(), *sorted(settings.items()))
    if key not in _templates:
        _templates[key] = _seed_template(target, settings)
    _copy_database(sa.make_url(_templates[key]), target)
    app = _app(url, overrides)
    rebuild_indexes(app)
    return app


def _app(url: str, overrides: dict):
    index_dir = tempfile.mkdtemp(prefix="innomatch-index-")
    return create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "INDEX_DIR": index_dir,
            **overrides,
        }
    )


def _seed(url: str, overrides: dict, fixtures: Path | None = None):

    app = _app(url, overrides)
    with app.app_context():
        upgrade_database(db.engine)
        with unit_of_work():
            load_world(fixtures or FIXTURES)
    rebuild_indexes(app)
    return app


def _on_test_server(url: sa.URL) -> bool:
    admin = sa.make_url(PG_ADMIN_URL)
    return (url.host, url.port) == (admin.host, admin.port)


def _seed_template(target: sa.URL, settings: dict) -> str:
    """Seeds a template database for ``target``'s backend; returns its URL (no connection left open)."""
    # Named by the settings and the fixtures' contents (not their temporary folder), so each run reuses the name.
    named = {**settings, **({"fixtures": _digest(Path(settings["fixtures"]))} if "fixtures" in settings else {})}
    name = "innomatch_template" + (
        f"_{hashlib.sha1(repr(sorted(named.items())).encode()).hexdigest()[:8]}" if named else ""
    )
    if target.get_backend_name() == "postgresql":
        url = fresh_postgres_database(name)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='innomatch-template-')}/{name}.sqlite3"
    fixtures = settings.get("fixtures")
    app = _seed(url, {k: v for k, v in settings.items() if k != "fixtures"}, Path(fixtures) if fixtures else None)
    app.extensions["innomatch.db"].engine.dispose()
    shutil.rmtree(app.config["INDEX_DIR"], ignore_errors=True)
    return url


def _digest(folder: Path) -> str:
    return hashlib.sha1(b"".join(path.read_bytes() for path in sorted(folder.glob("*.json")))).hexdigest()


def _copy_database(source: sa.URL, target: sa.URL) -> None:
    if target.get_backend_name() == "sqlite":
        Path(target.database).unlink(missing_ok=True)
        with closing(sqlite3.connect(source.database)) as src, closing(sqlite3.connect(target.database)) as dst:
            src.backup(dst)
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}" TEMPLATE "{source.database}"'))
    finally:
        admin.dispose()


def index_versions(app) -> dict:

    root = Path(app.config["INDEX_DIR"])
    return {kind: store.current_version(root / kind) for kind in ("startup", "need")}


def rebuild_indexes(app) -> None:

    with app.app_context():
        for kind in ProfileKind:
            with unit_of_work():
                rebuild_index(kind)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _seeded_apps(tmp_path_factory) -> dict:
    return {}


@pytest.fixture
def app(backend, _seeded_apps, tmp_path_factory) -> Iterator:
    """The seeded app of this backend; everything a test writes is rolled back after it."""
    if backend not in _seeded_apps:
        url = database_url(backend, tmp_path_factory.mktemp(backend), "innomatch_test")
        _seeded_apps[backend] = seeded_app(url)
    app = _seeded_apps[backend]
    database = app.extensions["innomatch.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    database.session.remove()
    database.factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    versions = index_versions(app)
    try:
        yield app
    finally:
        database.session.remove()
        database.factory.configure(bind=database.engine, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()
        if index_versions(app) != versions:
            rebuild_indexes(app)  # the test's writes were rolled back; so must the index be


@pytest.fixture
def ctx(app) -> Iterator:
    """An app context for calling services and queries directly (not for the test client)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = DEMO_PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


# Demo users by what they are, as the fixtures define them.
ADMIN = "admin@innomatch.example"
ORGANISER = "organiser@innomatch.example"
BANK_STAFF = "staff@bank.example.com"
ZJ_MANAGER = "manager@zhangjiang.example"
PNP_MANAGER = "manager@plugandplay.example"
XNODE_MANAGER = "manager@xnode.example"
