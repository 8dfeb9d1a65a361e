"""bin/prod refuses to start without its environment, or in demo/debug mode, before it touches anything;
the Procfile it hands to honcho is valid. No server is started here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
# Would be a real start if a check let it through: nothing answers there, so it could not get far.
UNREACHABLE = {
    "DATABASE_URL": "postgresql://127.0.0.1:1/nowhere",
    "REDIS_URL": "redis://127.0.0.1:6390/0",
    "SECRET_KEY": "k" * 40,
}


def run_prod(**env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [str(ROOT / "bin" / "prod")], env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
    )


def test_without_its_environment_it_names_what_is_missing_and_exits():
    done = run_prod()

    assert done.returncode == 2
    assert "bin/prod: not set: DATABASE_URL REDIS_URL SECRET_KEY." in done.stderr
    assert "README.md" in done.stderr
    assert "schema at" not in done.stdout  # stopped before the migrations


@pytest.mark.parametrize("unset", REQUIRED)
def test_each_variable_is_required(unset):
    done = run_prod(**{name: value for name, value in UNREACHABLE.items() if name != unset})

    assert done.returncode == 2
    assert f"bin/prod: not set: {unset}." in done.stderr


@pytest.mark.parametrize("flag", ["INNOMATCH_DEMO", "FLASK_DEBUG"])
def test_demo_or_debug_mode_is_refused(flag):
    done = run_prod(**UNREACHABLE, **{flag: "1"})

    assert done.returncode == 2
    assert f"bin/prod: {flag} is on" in done.stderr


def test_the_procfile_is_valid_for_honcho():
    honcho = Path(sys.executable).parent / "honcho"

    done = subprocess.run(
        [str(honcho), "check", "--procfile", str(ROOT / "Procfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "Valid procfile detected (web, worker, mail, clock)" in done.stderr + done.stdout
