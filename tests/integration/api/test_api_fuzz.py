"""Schemathesis fuzzes the whole JSON API from its OpenAPI document, with every check on.

A real server (werkzeug, threaded) runs the seeded app; the schemathesis CLI generates schema-valid
and schema-violating requests for every operation (examples, coverage, fuzzing and stateful
phases) and checks: no 5xx, only documented status codes, content types, headers and bodies that
match the document, invalid input rejected, valid input not rejected by the schema, auth not
ignored, 405s with Allow headers. Zero failures is the bar (docs/security.md).

An organiser (who may do nearly everything, so most code paths run) and an incubator manager
(whose requests mostly meet the authorisation rules), on PostgreSQL (the stricter store: NUL bytes,
integer ranges) and one seeded world.

The coverage phase (every parameter's boundary and schema-violating values, enumerated) runs as the organiser, whose
requests reach the validation of every operation; as the incubator manager it took a minute of the suite to send
mostly the same values into the same validation, so that run has the examples, fuzzing (valid and invalid data)
and stateful phases. API_FUZZ_FULL=1 runs every phase for both, on demand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.tokens import create_token
from marketplace.core.db import db, unit_of_work
from tests.conftest import ORGANISER, ZJ_MANAGER, database_url, seeded_app
from tests.helpers import served

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
EXAMPLES = 10
ALL_PHASES = "examples,coverage,fuzzing,stateful"
INCUBATOR_PHASES = ALL_PHASES if os.environ.get("API_FUZZ_FULL") == "1" else "examples,fuzzing,stateful"


def _token(app, email: str) -> str:

    with app.app_context(), unit_of_work():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return create_token(user=user, name="fuzz", can_write=True)[1]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    app = seeded_app(database_url("postgresql", tmp_path_factory.mktemp("fuzz"), "innomatch_test_fuzz"))
    with served(app) as base:
        yield app, base


@pytest.mark.parametrize(
    "email, phases", [(ORGANISER, ALL_PHASES), (ZJ_MANAGER, INCUBATOR_PHASES)], ids=["organiser", "incubator"]
)
def test_schemathesis_finds_no_failures(live_api, tmp_path, email, phases):
    app, base = live_api
    cli = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [
            str(cli),
            "--no-color",
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "all",
            "--phases",
            phases,
            "--max-examples",
            str(EXAMPLES),
            "--workers",
            "1",
            "--seed",
            "7",
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {_token(app, email)}",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
