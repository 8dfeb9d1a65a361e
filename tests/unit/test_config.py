"""Settings: a missing secret stops production start-up with a clear message."""

from __future__ import annotations

import pytest

from marketplace.config import ConfigError, Settings

pytestmark = pytest.mark.unit


def test_secret_key_required_outside_demo():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({}).finalise()


def test_demo_mode_allows_missing_secret_and_insecure_cookie():
    config = Settings.from_env({"INNOMATCH_DEMO": "1"}).finalise()

    assert config["SECRET_KEY"]
    assert config["SESSION_COOKIE_SECURE"] is False


def test_production_defaults():
    config = Settings.from_env({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://db/innomatch"}).finalise()

    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/innomatch"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REDIS_URL"] is None
    assert config["EMBEDDING_MODEL"] == ""  # the packaged all-MiniLM-L6-v2


def test_model_is_configurable():
    config = Settings.from_env({"INNOMATCH_DEMO": "1", "EMBEDDING_MODEL": "paraphrase-multilingual"}).finalise()

    assert config["EMBEDDING_MODEL"] == "paraphrase-multilingual"


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError, match="NOPE"):
        Settings.from_env({}).apply({"NOPE": 1})


def test_embedding_backend_is_checked():
    with pytest.raises(ConfigError, match="EMBEDDING_BACKEND"):
        Settings.from_env({"INNOMATCH_DEMO": "1", "EMBEDDING_BACKEND": "gpu"}).finalise()
