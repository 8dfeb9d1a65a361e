"""Backup and restore: every row of every table in one archive file, and back.

An archive is a zip file:

- ``manifest.json``: format and format version, the Alembic schema revision, when it was made, and
  per table its member, row count, column encodings and the SHA-256 of the member's bytes;
- ``tables/NN_<table>.jsonl``: one JSON object per row, tables in foreign-key dependency order.

Values are encoded losslessly: datetimes, dates and times as ISO 8601, bytes (pitch decks, upload
data, stored vectors) as base64, JSON columns as JSON, enums as their stored value. A JSON column
holding SQL NULL (rather than a JSON ``null`` document) is listed under the row's ``$sql_null`` key.

``export_archive`` reads one consistent snapshot (one transaction, REPEATABLE READ on PostgreSQL)
table by table with ``yield_per`` and writes to a temporary file renamed into place at the end.
``restore_archive`` checks the manifest, the checksums and the counts before it writes anything,
then loads everything in one transaction (creating the schema first when the database has none),
resets PostgreSQL's id sequences, commits, and rebuilds the search indexes from the restored rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import marketplace.schema.tables  # noqa: F401  (fills the metadata)
from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.core.errors import DomainError
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import rebuild_index
from marketplace.schema.migrate import current_revision, head_revision, upgrade_database

FORMAT = "innomatch-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQL_NULL_KEY = "$sql_null"
READ_BATCH = 1000
WRITE_BATCH = 500
_CHUNK = 1 << 20


class BackupError(DomainError):
    """An archive cannot be written or restored; the message says why in plain words."""


@dataclass
class ExportReport:
    path: Path
    schema_revision: str
    counts: dict[str, int]
    size_bytes: int

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


@dataclass
class RestoreReport:
    schema_revision: str
    counts: dict[str, int]
    deleted: dict[str, int] = field(default_factory=dict)
    schema_created: bool = False
    index_versions: dict[str, int] = field(default_factory=dict)
    index_error: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# -- tables and values ---------------------------------------------------------------------------


def tables() -> list[sa.Table]:
    """Every table of the app, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def _encoding(column: sa.Column) -> str:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return "json"
    if isinstance(kind, sa.Enum):
        return "enum"
    if isinstance(kind, sa.LargeBinary):
        return "base64"
    if isinstance(kind, sa.DateTime):
        return "datetime"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.Time):
        return "time"
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return "decimal"
    if isinstance(kind, (sa.String, sa.Integer, sa.Boolean, sa.Float)):
        return "plain"
    raise BackupError(f"column {column.table.name}.{column.name} has a type the archive cannot hold: {kind!r}")


def _encodings(table: sa.Table) -> dict[str, str]:
    return {column.name: _encoding(column) for column in table.columns}


def _encode(value: Any, encoding: str) -> Any:
    if value is None:
        return None
    if encoding == "base64":
        return base64.b64encode(bytes(value)).decode("ascii")
    if encoding in ("datetime", "date", "time"):
        return value.isoformat()
    if encoding == "decimal":
        return str(value)
    return value  # plain, enum (read as stored text), json (already a document)


def _decode(value: Any, encoding: str) -> Any:
    if value is None:
        return None
    if encoding == "base64":
        return base64.b64decode(value, validate=True)
    if encoding == "datetime":
        return datetime.fromisoformat(value)
    if encoding == "date":
        return date.fromisoformat(value)
    if encoding == "time":
        return time.fromisoformat(value)
    if encoding == "decimal":
        return Decimal(value)
    return value


def _member_name(position: int, table: sa.Table) -> str:
    return f"tables/{position:02d}_{table.name}.jsonl"


# -- export --------------------------------------------------------------------------------------


def export_archive(path: str | os.PathLike) -> ExportReport:
    """Writes every row of every table to the archive at ``path`` (replaced atomically)."""
    target = Path(path)
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the archive's file name")
    if not target.parent.is_dir():
        raise BackupError(f"directory {target.parent} does not exist")
    head = head_revision()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with _snapshot_connection() as conn:
                revision = current_revision(conn)
                if revision is None:
                    raise BackupError("the database has no schema (run `flask --app marketplace db upgrade`)")
                if revision != head:
                    raise BackupError(
                        f"the database is at schema revision {revision} but this code expects "
                        f"{head}; run `flask --app marketplace db upgrade` first"
                    )
                manifest_tables = []
                with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                    for position, table in enumerate(tables(), start=1):
                        manifest_tables.append(_export_table(conn, archive, position, table))
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "app": "innomatch",
                        "schema_revision": revision,
                        "created_at": utcnow().isoformat(),
                        "dialect": conn.dialect.name,
                        "tables": manifest_tables,
                    }
                    archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    counts = {entry["name"]: entry["rows"] for entry in manifest_tables}
    return ExportReport(path=target, schema_revision=revision, counts=counts, size_bytes=target.stat().st_size)


class _snapshot_connection:
    """A connection in one read-only transaction: every table is read from the same snapshot."""

    def __enter__(self) -> sa.Connection:
        engine = db.engine
        options: dict[str, Any] = {}
        if engine.dialect.name == "postgresql":
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        self._conn = engine.connect().execution_options(**options)
        self._transaction = self._conn.begin()
        return self._conn

    def __exit__(self, *exc) -> None:
        try:
            self._transaction.rollback()  # nothing was written; ends the snapshot
        finally:
            self._conn.close()


def _export_table(conn: sa.Connection, archive: zipfile.ZipFile, position: int, table: sa.Table) -> dict:
    encodings = _encodings(table)
    # Enums are read as the text stored, so a value the code no longer knows still survives.
    selected = [sa.type_coerce(c, sa.String).label(c.name) if encodings[c.name] == "enum" else c for c in table.columns]
    null_flags = [c for c in table.columns if encodings[c.name] == "json" and c.nullable]
    selected += [c.is_(None).label(f"{SQL_NULL_KEY}{c.name}") for c in null_flags]
    query = sa.select(*selected).order_by(*table.primary_key.columns)
    digest = hashlib.sha256()
    rows = 0
    name = _member_name(position, table)
    with archive.open(name, "w", force_zip64=True) as member:
        for row in conn.execute(query.execution_options(yield_per=READ_BATCH)):
            values = row._mapping
            record = {column: _encode(values[column], encoding) for column, encoding in encodings.items()}
            sql_null = [c.name for c in null_flags if values[f"{SQL_NULL_KEY}{c.name}"]]
            if sql_null:
                record[SQL_NULL_KEY] = sql_null
            line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            member.write(line)
            digest.update(line)
            rows += 1
    return {"name": table.name, "member": name, "rows": rows, "sha256": digest.hexdigest(), "columns": encodings}


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# -- restore -------------------------------------------------------------------------------------


def restore_archive(path: str | os.PathLike, *, force: bool = False, reindex: bool = True) -> RestoreReport:
    """Loads the archive at ``path`` into this app's database in one transaction.

    The database must be empty (or have no tables: the schema is created at the archive's
    revision) unless ``force``, which first deletes every row in the same transaction. Any error
    leaves the database as it was. After the commit the search indexes are rebuilt from the
    restored rows (``reindex``); a failure there is reported in ``index_error``, not raised.
    """
    source = Path(path)
    head = head_revision()
    with _open_archive(source) as archive:
        manifest = _read_manifest(archive)
        if manifest["schema_revision"] != head:
            raise BackupError(
                f"the archive is at schema revision {manifest['schema_revision']} but this code "
                f"is at {head}; restore it with the matching version of innomatch, then upgrade"
            )
        plan = _plan(manifest)
        _verify(archive, plan)

        report = RestoreReport(schema_revision=head, counts={})
        with db.engine.connect() as conn, conn.begin():
            _ensure_schema(conn, plan, head, report)
            _lock(conn, [table for table, _ in plan])
            _clear_or_refuse(conn, plan, force, report)
            for table, entry in plan:
                report.counts[table.name] = _load_table(conn, archive, table, entry)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, [table for table, _ in plan])
    if reindex:
        try:
            report.index_versions = rebuild_search_indexes()
        except Exception as exc:  # the restore is committed; say what is left to do
            report.index_error = f"{type(exc).__name__}: {exc}"
    return report


def _ensure_schema(conn: sa.Connection, plan: list[tuple[sa.Table, dict]], head: str, report: RestoreReport) -> None:
    """Creates the schema in a database without our tables (in the restore's transaction: a failed restore leaves
    no schema behind); refuses a database at another revision than this code's."""
    present = set(sa.inspect(conn).get_table_names())
    if not present & {table.name for table, _ in plan}:
        upgrade_database(conn)
        report.schema_created = True
    revision = current_revision(conn)
    if revision != head:
        raise BackupError(
            f"the database is at schema revision {revision or 'none'} but this code "
            f"expects {head}; run `flask --app marketplace db upgrade` first"
        )


def _clear_or_refuse(
    conn: sa.Connection, plan: list[tuple[sa.Table, dict]], force: bool, report: RestoreReport
) -> None:
    """A database with rows is refused, unless ``force``: then every row goes, children first."""
    existing = {table.name: conn.scalar(sa.select(sa.func.count()).select_from(table)) for table, _ in plan}
    if not any(existing.values()):
        return
    if not force:
        rows = ", ".join(f"{name} {count}" for name, count in existing.items() if count)
        raise BackupError(
            f"the database is not empty (rows: {rows}); restore into an empty "
            f"database, or pass --force to replace everything in it"
        )
    for table, _ in reversed(plan):
        conn.execute(table.delete())
    report.deleted = {name: count for name, count in existing.items() if count}


def rebuild_search_indexes() -> dict[str, int]:
    """Rebuilds every search index from the database (what `flask matching reindex` does)."""
    versions = {}
    for kind in ProfileKind:
        with unit_of_work():
            versions[kind.value] = rebuild_index(kind)
    return versions


class _open_archive:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> zipfile.ZipFile:
        if not self.path.is_file():
            raise BackupError(f"no archive at {self.path}")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BackupError(f"{self.path} is not a readable archive: {exc}") from None
        return self._zip

    def __exit__(self, exc_type, exc, tb) -> None:
        self._zip.close()
        if isinstance(exc, (zipfile.BadZipFile, EOFError, OSError)) and not isinstance(exc, BackupError):
            raise BackupError(f"{self.path} is damaged: {exc}") from exc


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError("the archive has no manifest.json; it was not written by `flask export`") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"the archive's manifest is unreadable: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("the archive's manifest is not an innomatch backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"the archive has format version {manifest.get('format_version')}; this code reads version {FORMAT_VERSION}"
        )
    if not isinstance(manifest.get("schema_revision"), str) or not isinstance(manifest.get("tables"), list):
        raise BackupError("the archive's manifest lacks the schema revision or the table list")
    return manifest


def _plan(manifest: dict) -> list[tuple[sa.Table, dict]]:
    """The app's tables in dependency order, each with its manifest entry; refuses any mismatch."""
    entries = {}
    for entry in manifest["tables"]:
        if not isinstance(entry, dict) or not {"name", "member", "rows", "sha256", "columns"} <= entry.keys():
            raise BackupError("the archive's manifest has a malformed table entry")
        entries[entry["name"]] = entry
    ours = tables()
    missing = sorted({t.name for t in ours} - entries.keys())
    unknown = sorted(entries.keys() - {t.name for t in ours})
    if missing or unknown:
        raise BackupError(
            f"the archive's tables do not match this schema (missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(unknown) or '-'})"
        )
    plan = []
    for table in ours:
        entry = entries[table.name]
        if entry["columns"] != _encodings(table):
            raise BackupError(f"the archive's columns of table {table.name} do not match this schema")
        plan.append((table, entry))
    return plan


def _verify(archive: zipfile.ZipFile, plan: list[tuple[sa.Table, dict]]) -> None:
    """Every member's SHA-256 and row count as the manifest says, before anything is written."""
    for table, entry in plan:
        digest = hashlib.sha256()
        lines = 0
        try:
            with archive.open(entry["member"]) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
                    lines += chunk.count(b"\n")
        except KeyError:
            raise BackupError(f"the archive lacks {entry['member']} (table {table.name})") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise BackupError(f"table {table.name} is damaged in the archive: {exc}") from None
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"checksum mismatch for table {table.name}: the archive was changed or damaged")
        if lines != entry["rows"]:
            raise BackupError(f"table {table.name} holds {lines} rows but the manifest says {entry['rows']}")


def _lock(conn: sa.Connection, tables_: list[sa.Table]) -> None:
    """On PostgreSQL, no other writer between our check, deletes and inserts (readers carry on)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite: the first write takes the database lock
    prep = conn.dialect.identifier_preparer
    conn.exec_driver_sql(f"LOCK TABLE {', '.join(prep.format_table(t) for t in tables_)} IN EXCLUSIVE MODE")


def _insert_statement(table: sa.Table, encodings: dict[str, str]) -> sa.Insert:
    params = {}
    for column in table.columns:
        kind = encodings[column.name]
        if kind == "json":
            # None is SQL NULL, sa.JSON.NULL the JSON document null: both survive.
            type_ = sa.JSON(none_as_null=True)
        elif kind == "enum":
            type_ = sa.String()  # the stored text, as exported
        else:
            type_ = column.type
        params[column.name] = sa.bindparam(f"p_{column.name}", type_=type_)
    return table.insert().values(params)


def _lines(archive: zipfile.ZipFile, entry: dict) -> Iterator[bytes]:
    with archive.open(entry["member"]) as member:
        yield from member


def _load_table(conn: sa.Connection, archive: zipfile.ZipFile, table: sa.Table, entry: dict) -> int:
    encodings = entry["columns"]
    statement = _insert_statement(table, encodings)
    json_columns = [name for name, kind in encodings.items() if kind == "json"]
    batch: list[dict] = []
    rows = 0
    for number, line in enumerate(_lines(archive, entry), start=1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("it is not a JSON object")
            sql_null = set(record.pop(SQL_NULL_KEY, ()))
            if record.keys() != encodings.keys():
                raise ValueError("its columns differ from the manifest's")
            params = {f"p_{name}": _decode(record[name], kind) for name, kind in encodings.items()}
            for name in json_columns:
                if params[f"p_{name}"] is None and name not in sql_null:
                    params[f"p_{name}"] = sa.JSON.NULL
        except (ValueError, TypeError, AttributeError) as exc:
            raise BackupError(f"row {number} of table {table.name} cannot be read: {exc}") from None
        batch.append(params)
        if len(batch) >= WRITE_BATCH:
            rows += _insert(conn, table, statement, batch)
            batch = []
    if batch:
        rows += _insert(conn, table, statement, batch)
    return rows


def _insert(conn: sa.Connection, table: sa.Table, statement: sa.Insert, batch: list[dict]) -> int:
    try:
        conn.execute(statement, batch)
    except sa.exc.StatementError as exc:  # a constraint, a type the database refuses, ...
        detail = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        raise BackupError(f"table {table.name} could not be restored: {detail}") from exc
    return len(batch)


def _reset_sequences(conn: sa.Connection, tables_: list[sa.Table]) -> None:
    """Each id sequence continues after the largest restored id, so new rows do not collide."""
    prep = conn.dialect.identifier_preparer
    for table in tables_:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({prep.quote(column.name)}) FROM {prep.format_table(table)}), 1), "
                f"(SELECT MAX({prep.quote(column.name)}) FROM {prep.format_table(table)}) IS NOT NULL)"
            ),
            {"table": prep.format_table(table), "column": column.name},
        )
