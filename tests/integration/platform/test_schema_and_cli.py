"""The migrations build exactly the models' schema; the seed command works from the CLI."""

from __future__ import annotations

import json

import pytest
from alembic import command

from marketplace import create_app
from marketplace.core.db import db
from marketplace.schema.migrate import alembic_config

pytestmark = pytest.mark.integration


def test_migrations_match_models(app):
    with app.app_context():
        config = alembic_config(db.engine)
        with db.engine.connect() as connection:
            config.attributes["connection"] = connection
            command.check(config)  # raises when autogenerate would find a difference


def test_seed_command_twice_gives_identical_counts(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "TESTING": True})
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    counts = [json.loads(r.output.strip().splitlines()[-1]) for r in (first, second)]
    assert counts[0] == counts[1]
    assert counts[0]["need"] >= 4 and counts[0]["organisation"] >= 20
    assert "staff@bank.example.com" in first.output


def test_users_create_command_checks_role_and_organisation(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'users.sqlite3'}", "TESTING": True})
    runner = app.test_cli_runner()
    runner.invoke(args=["seed"])

    wrong = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@zj.example",
            "--name",
            "X",
            "--role",
            "bank_staff",
            "--organisation",
            "zhangjiang-incubator",
            "--password",
            "long-enough-password",
        ]
    )
    right = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@zj.example",
            "--name",
            "X",
            "--role",
            "incubator_manager",
            "--organisation",
            "zhangjiang-incubator",
            "--password",
            "long-enough-password",
        ]
    )

    assert wrong.exit_code != 0 and "role" in wrong.output
    assert right.exit_code == 0, right.output


def test_worker_command_needs_redis(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "TESTING": True})

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
