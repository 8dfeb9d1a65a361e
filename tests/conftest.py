"""Shared fixtures: the seeded world on real SQLite and PostgreSQL, rolled back per test."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from marketplace import create_app  # noqa: E402
from marketplace.config import REPO_ROOT  # noqa: E402

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


def seeded_app(url: str, **overrides):
    """An app on ``url`` with the schema at head and the seed's world committed."""
    from marketplace.db import unit_of_work
    from marketplace.migrate import upgrade_database
    from marketplace.seeding import load_world

    index_dir = tempfile.mkdtemp(prefix="innomatch-index-")
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": None, "INDEX_DIR": index_dir, **overrides})
    with app.app_context():
        from marketplace.db import db

        upgrade_database(db.engine)
        with unit_of_work():
            load_world()
    rebuild_indexes(app)
    return app


def index_versions(app) -> dict:
    from matching import store

    root = Path(app.config["INDEX_DIR"])
    return {kind: store.current_version(root / kind) for kind in ("startup", "need")}


def rebuild_indexes(app) -> None:
    from marketplace.db import unit_of_work
    from marketplace.matchmaking.enums import ProfileKind
    from marketplace.matchmaking.services import rebuild_index

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
