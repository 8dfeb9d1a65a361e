"""Fixtures the integration tests share beyond tests/conftest.py."""

from __future__ import annotations

import os
import uuid

import pytest
from redis import Redis

from marketplace import create_app

RATELIMIT_REDIS_URL = os.environ.get("TEST_RATELIMIT_REDIS_URL", "redis://127.0.0.1:6379/12")


class Limited:
    """Makes rate-limited apps that share the ``app`` fixture's database connection."""

    def __init__(self, app):
        self.app = app
        self.prefix = f"innomatch-test-{uuid.uuid4().hex}"
        self.made = []

    def __call__(self, **overrides):
        other = create_app(
            {
                "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "REDIS_URL": None,
                "INDEX_DIR": self.app.config["INDEX_DIR"],
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": RATELIMIT_REDIS_URL,
                "RATELIMIT_KEY_PREFIX": self.prefix,
                **overrides,
            }
        )
        connection = self.app.extensions["innomatch.db"].factory.kw["bind"]
        other.extensions["innomatch.db"].factory.configure(bind=connection, join_transaction_mode="create_savepoint")
        self.made.append(other)
        return other

    def redis_keys(self) -> list[bytes]:
        return list(Redis.from_url(RATELIMIT_REDIS_URL).scan_iter(f"*{self.prefix}*"))


@pytest.fixture
def limited(app):
    maker = Limited(app)
    yield maker
    for other in maker.made:
        other.extensions["innomatch.db"].session.remove()
        other.extensions["innomatch.db"].engine.dispose()
    keys = maker.redis_keys()
    if keys:
        Redis.from_url(RATELIMIT_REDIS_URL).delete(*keys)
