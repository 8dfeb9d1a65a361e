"""A worker started while the database is down: it must not exit (under honcho that stops every process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.integration


def test_a_worker_starts_and_works_while_the_database_is_down(tmp_path):
    with PrivateRedis() as redis:
        env = {
            **os.environ,
            "DATABASE_URL": "postgresql://127.0.0.1:1/nowhere",
            "REDIS_URL": redis.url(0),
            "INDEX_DIR": str(tmp_path),
            "SECRET_KEY": "worker-start",
            "HF_HUB_OFFLINE": "1",
        }
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "marketplace", "worker", "--burst", "email"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not relay the job outbox now" in done.stdout + done.stderr
