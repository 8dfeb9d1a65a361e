"""Settings: a missing secret stops production start-up with a clear message."""

from __future__ import annotations

import pytest

from marketplace.core.config import ConfigError, Settings

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


def test_https_and_rate_limits_are_on_in_production():
    config = Settings.from_env({"SECRET_KEY": "s" * 40, "REDIS_URL": "redis://cache:6379/0"}).finalise()

    assert config["FORCE_HTTPS"] is True
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"  # counters shared by every process
    assert (config["LOGIN_IP_RATE_LIMIT"], config["LOGIN_RATE_LIMIT"], config["API_RATE_LIMIT"]) == (
        "10/minute",
        "5/15 minutes",
        "300/minute",
    )


def test_demo_serves_plain_http_and_counts_in_memory():
    config = Settings.from_env({"INNOMATCH_DEMO": "1"}).finalise()

    assert config["FORCE_HTTPS"] is False
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_tests_run_unthrottled_unless_they_ask():
    assert Settings().apply({"TESTING": True}).finalise()["RATELIMIT_ENABLED"] is False
    assert Settings().apply({"TESTING": True, "RATELIMIT_ENABLED": True}).finalise()["RATELIMIT_ENABLED"] is True


def test_rate_limits_come_from_the_environment_and_are_checked():
    config = Settings.from_env(
        {"INNOMATCH_DEMO": "1", "API_RATE_LIMIT": "50 per minute", "RATELIMIT_ENABLED": "0", "FORCE_HTTPS": "1"}
    ).finalise()

    assert (config["API_RATE_LIMIT"], config["RATELIMIT_ENABLED"], config["FORCE_HTTPS"]) == (
        "50 per minute",
        False,
        True,
    )
    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT"):
        Settings.from_env({"INNOMATCH_DEMO": "1", "LOGIN_RATE_LIMIT": "five a minute"}).finalise()


def test_logs_are_text_in_demo_and_json_in_production_unless_chosen():
    production = {"SECRET_KEY": "s" * 40}

    assert Settings.from_env({"INNOMATCH_DEMO": "1"}).finalise()["LOG_FORMAT"] == "text"
    assert Settings.from_env(production).finalise()["LOG_FORMAT"] == "json"
    assert Settings.from_env({**production, "LOG_FORMAT": "Text"}).finalise()["LOG_FORMAT"] == "text"
    assert Settings.from_env({"INNOMATCH_DEMO": "1", "LOG_FORMAT": "json"}).log_format() == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        Settings.from_env({**production, "LOG_FORMAT": "xml"}).finalise()
