"""Backup and restore: an archive of the seeded world restores to the same rows, byte for byte.

Every test runs on SQLite and PostgreSQL. One seeded source database per backend (with a pitch
deck whose bytes cover every byte value and an audit row whose JSON is SQL NULL) is exported once;
restores go into fresh databases that have no tables at all.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.audit.models import AuditEvent
from marketplace.core.db import db, unit_of_work
from marketplace.needs.models import Need
from marketplace.needs.services import create_need
from marketplace.ops import backup
from marketplace.ops.backup import BackupError, ExportReport, export_archive, restore_archive, tables
from marketplace.pipeline.models import Candidate, PitchDeck
from marketplace.startups.models import Startup
from marketplace.startups.services import create_startup
from tests.conftest import BANK_STAFF, ZJ_MANAGER, database_url, index_versions, seeded_app
from tests.helpers import user

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


@dataclass
class World:
    app: object
    archive: Path
    report: ExportReport
    tmp: Path


def empty_app(backend: str, tmp: Path, name: str):
    """An app on a database without any table (the schema is the restore's job)."""
    return create_app(
        {
            "DATABASE_URL": database_url(backend, tmp, name),
            "TESTING": True,
            "REDIS_URL": None,
            "INDEX_DIR": tempfile.mkdtemp(prefix="innomatch-index-"),
        }
    )


def dispose(app) -> None:
    app.extensions["innomatch.db"].engine.dispose()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key: all columns, plus whether each JSON value is SQL NULL."""
    rows = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in tables():
            json_columns = [c for c in table.columns if isinstance(c.type, sa.JSON)]
            query = sa.select(*table.columns, *[c.is_(None) for c in json_columns]).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in conn.execute(query)]
    return rows


def table_names(app) -> set[str]:
    with app.app_context(), db.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def rewrite(src: Path, dst: Path, change) -> Path:
    """A copy of the archive with ``change(manifest, members)`` applied to its parsed contents."""
    with zipfile.ZipFile(src) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    change(manifest, members)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest))
    return dst


def entry(manifest: dict, table: str) -> dict:
    return next(e for e in manifest["tables"] if e["name"] == table)


def reseal(manifest: dict, members: dict, table: str) -> None:
    """Make the manifest agree with the member again (checksum and count), as a careful forger would."""
    e = entry(manifest, table)
    e["sha256"] = hashlib.sha256(members[e["member"]]).hexdigest()
    e["rows"] = members[e["member"]].count(b"\n")


@pytest.fixture(scope="module")
def world(backend, tmp_path_factory) -> World:

    tmp = tmp_path_factory.mktemp(f"backup-{backend}")
    app = seeded_app(database_url(backend, tmp, "innomatch_test_backup"))
    with app.app_context():
        with unit_of_work() as session:
            candidate_id = session.scalar(sa.select(sa.func.min(Candidate.id)))
            session.add(
                PitchDeck(
                    candidate_id=candidate_id,
                    filename="deck.pdf",
                    size_bytes=len(PDF),
                    sha256=hashlib.sha256(PDF).hexdigest(),
                    content=PDF,
                )
            )
            first, second = session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id).limit(2)).all()
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == first).values(before=sa.null()))
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == second).values(before=sa.JSON.NULL))
        report = export_archive(tmp / "world.zip")
    yield World(app=app, archive=tmp / "world.zip", report=report, tmp=tmp)
    dispose(app)


@pytest.fixture(scope="module")
def restored(backend, world):
    """A fresh database (no tables) restored from the world's archive."""
    app = empty_app(backend, world.tmp, "innomatch_test_restore")
    with app.app_context():
        report = restore_archive(world.archive)
    yield app, report
    dispose(app)


def test_round_trip_copies_every_row_and_every_byte(world, restored):
    app, report = restored
    source = snapshot(world.app)

    copy = snapshot(app)

    assert report.schema_created and report.counts == world.report.counts
    assert report.counts == {name: len(rows) for name, rows in source.items()}
    for name in source:
        assert copy[name] == source[name], name
    assert report.counts["pitch_deck"] >= 1 and report.counts["profile_vector"] > 0
    with app.app_context():
        assert PDF in db.session.scalars(sa.select(PitchDeck.content)).all()
        nulls = db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.before.is_(None))).all()
        assert nulls and len(nulls) < report.counts["audit_event"]  # SQL NULL kept apart from JSON null
    assert report.index_error is None and set(report.index_versions) == {"startup", "need"}
    assert all(v is not None for v in index_versions(app).values())


def test_new_rows_after_a_restore_get_fresh_ids(world, restored):

    app, _ = restored
    with app.app_context():
        top_need, top_startup = (db.session.scalar(sa.select(sa.func.max(m.id))) for m in (Need, Startup))
        with unit_of_work():
            need = create_need(
                actor=user(BANK_STAFF),
                data={
                    "title": "Restored ledger checks",
                    "summary": "A need written after a restore.",
                    "sector_tags": ["sme_finance"],
                },
            )
            startup = create_startup(actor=user(ZJ_MANAGER), data={"name": "Afterwards Analytics"})

        assert need.id > top_need and startup.id > top_startup


def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_untouched(world):
    before = snapshot(world.app)

    with world.app.app_context(), pytest.raises(BackupError, match="not empty.*--force"):
        restore_archive(world.archive)

    assert snapshot(world.app) == before


def test_a_restore_failing_halfway_rolls_everything_back(backend, world, tmp_path):
    def duplicate_a_pitch_deck(manifest, members):  # valid checksums; fails on a late table's key
        member = entry(manifest, "pitch_deck")["member"]
        members[member] += members[member].splitlines(keepends=True)[0]
        reseal(manifest, members, "pitch_deck")

    broken = rewrite(world.archive, tmp_path / "broken.zip", duplicate_a_pitch_deck)
    before = snapshot(world.app)
    empty = empty_app(backend, tmp_path, "innomatch_test_restore_fail")
    try:
        with world.app.app_context(), pytest.raises(BackupError, match="pitch_deck"):
            restore_archive(broken, force=True)  # deletes everything, loads most tables, then fails
        with empty.app_context(), pytest.raises(BackupError, match="pitch_deck"):
            restore_archive(broken)  # creates the schema, loads most tables, then fails

        assert snapshot(world.app) == before
        assert table_names(empty) == set()  # not even the schema is left behind
    finally:
        dispose(empty)


def _change_a_member(manifest, members):
    member = entry(manifest, "organisation")["member"]
    members[member] = members[member].replace(b'"name":"', b'"name":"X', 1)


def _wrong_checksum(manifest, members):
    entry(manifest, "startup")["sha256"] = "0" * 64


def _wrong_count(manifest, members):
    member = entry(manifest, "need")["member"]
    members[member] = b"".join(members[member].splitlines(keepends=True)[1:])  # a row gone, resealed
    entry(manifest, "need")["sha256"] = hashlib.sha256(members[member]).hexdigest()


def _other_revision(manifest, members):
    manifest["schema_revision"] = "0001_initial_schema"


def _missing_table(manifest, members):
    manifest["tables"] = [e for e in manifest["tables"] if e["name"] != "vote"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (_change_a_member, "checksum mismatch for table organisation"),
        (_wrong_checksum, "checksum mismatch for table startup"),
        (_wrong_count, "table need holds"),
        (_other_revision, "schema revision 0001_initial_schema"),
        (_missing_table, "missing: vote"),
        (None, "not a readable archive"),
    ],
)
def test_a_damaged_archive_is_refused_before_anything_is_written(backend, world, tmp_path, damage, message):
    if damage is None:
        archive = tmp_path / "truncated.zip"
        archive.write_bytes(world.archive.read_bytes()[:4096])
    else:
        archive = rewrite(world.archive, tmp_path / "damaged.zip", damage)
    app = empty_app(backend, tmp_path, "innomatch_test_restore_damaged")
    try:
        with app.app_context(), pytest.raises(BackupError, match=message):
            restore_archive(archive)

        assert table_names(app) == set()
    finally:
        dispose(app)


def test_a_failed_export_leaves_no_half_written_archive(world, tmp_path, monkeypatch):

    archive = tmp_path / "nightly.zip"
    archive.write_bytes(b"yesterday's archive")
    real, calls = backup._export_table, []

    def fail_on_third_table(*args):
        calls.append(args)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(backup, "_export_table", fail_on_third_table)
    with world.app.app_context(), pytest.raises(OSError, match="disk full"):
        export_archive(archive)

    assert archive.read_bytes() == b"yesterday's archive"
    assert [p.name for p in tmp_path.iterdir()] == ["nightly.zip"]


def test_the_commands_export_and_restore_end_to_end(backend, world, tmp_path, monkeypatch):
    archive = tmp_path / "cli.zip"
    exported = world.app.test_cli_runner().invoke(args=["export", str(archive)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output.strip().splitlines()[-1]) == world.report.counts
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # password and token hashes inside

    target = empty_app(backend, tmp_path, "innomatch_test_restore_cli")
    try:
        runner = target.test_cli_runner()
        first = runner.invoke(args=["restore", str(archive)])
        again = runner.invoke(args=["restore", str(archive)])
        forced = runner.invoke(args=["restore", str(archive), "--force"])
        damaged = rewrite(archive, tmp_path / "damaged.zip", _wrong_checksum)
        refused = runner.invoke(args=["restore", str(damaged), "--force"])

        assert first.exit_code == 0, first.output
        assert "created the schema" in first.output and "search indexes rebuilt" in first.output
        assert json.loads(first.output.strip().splitlines()[-1]) == world.report.counts
        assert again.exit_code == 1 and "not empty" in again.output and "--force" in again.output
        assert forced.exit_code == 0, forced.output
        assert "deleted the previous" in forced.output and "search indexes rebuilt" in forced.output
        assert refused.exit_code == 1 and "checksum mismatch" in refused.output
        assert snapshot(target) == snapshot(world.app)

        def no_model():
            raise OSError("model files missing")

        monkeypatch.setattr("marketplace.ops.backup.rebuild_search_indexes", no_model)
        unindexed = runner.invoke(args=["restore", str(archive), "--force"])
        assert unindexed.exit_code == 1 and "data is restored" in unindexed.output
        assert "model files missing" in unindexed.output and "matching reindex" in unindexed.output
        assert snapshot(target) == snapshot(world.app)
    finally:
        dispose(target)
