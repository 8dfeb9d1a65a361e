"""Jobs committed to the outbox before their modules were renamed still run after the upgrade: migration 0014
rewrites their stored paths, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.jobs.queue import job_function
from marketplace.schema.migrate import upgrade_database
from tests.conftest import database_url

pytestmark = pytest.mark.integration

OLD_TO_NEW = {
    "marketplace.matchmaking.jobs.index_profiles": "marketplace.rankings.jobs.index_profiles",
    "marketplace.matchmaking.jobs.reembed": "marketplace.rankings.jobs.reembed",
    "marketplace.workflow.jobs.alert_new_matches_job": "marketplace.pipeline.jobs.alert_new_matches_job",
    "marketplace.jobs.relay_pending_jobs": "marketplace.jobs.queue.relay_pending_jobs",
    "marketplace.imports.jobs.run_import": "marketplace.imports.jobs.run_import",  # not moved: left alone
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pending_jobs_keep_their_work_under_the_new_module_names(tmp_path, backend):
    engine = sa.create_engine(database_url(backend, tmp_path, "job_paths"))
    upgrade_database(engine, "0013")
    with engine.begin() as conn:
        for old in OLD_TO_NEW:
            conn.execute(
                sa.text("INSERT INTO pending_job (func, queue, kwargs, created_at) VALUES (:f, 'default', '{}', :t)"),
                {"f": old, "t": "2026-12-01 10:00:00"},
            )

    upgrade_database(engine)

    with engine.connect() as conn:
        stored = sorted(conn.scalars(sa.text("SELECT func FROM pending_job")))
    engine.dispose()
    assert stored == sorted(OLD_TO_NEW.values())
    assert all(callable(job_function(path)) for path in stored)
