"""The background import: rows in committed chunks (resumable), then embedding, then the index.

The upload is read as a stream, a chunk at a time and no further than the rows counted at upload
(``ImportBatch.total_rows``, at most IMPORT_MAX_ROWS): never the whole file in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from itertools import islice

from flask import current_app
from rq import get_current_job

from marketplace.accounts.models import Organisation, User
from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.imports.enums import ImportStage, ImportStatus, RowOutcome
from marketplace.imports.models import ImportBatch
from marketplace.imports.reading import UnreadableFile, stream_table
from marketplace.imports.services import ImportReport, import_rows
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.jobs import schedule_match_alerts
from marketplace.rankings.services import refresh_vectors, sync_index
from marketplace.startups.services import refresh_suggested_sectors

CHUNK_ROWS = 250
CHUNK_EMBED = 128


def _progress(batch: ImportBatch) -> None:
    """Mirror progress into the rq job's meta too, for tools that watch the queue."""
    job = get_current_job()
    if job is not None:
        job.meta.update(stage=batch.stage.value, processed=batch.processed_rows, total=batch.total_rows)
        job.save_meta()


def run_import(*, batch_id: int) -> None:
    """Imports a batch; safe to run again after a crash: it resumes after the last committed chunk."""
    with unit_of_work():
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None or batch.status == ImportStatus.DONE:
            return
        batch.status = ImportStatus.RUNNING
        data, mapping = batch.data, dict(batch.mapping)
    try:
        _save_rows(batch_id, data, mapping)
        _embed(batch_id)
        with unit_of_work():
            batch = db.session.get(ImportBatch, batch_id)
            refresh_suggested_sectors(batch.touched_ids)
            sync_index(ProfileKind.STARTUP, batch.touched_ids)
            batch.stage = ImportStage.INDEXED
            batch.status = ImportStatus.DONE
            batch.finished_at = utcnow()
            if not current_app.config["KEEP_UPLOADS"]:
                batch.data = b""
            schedule_match_alerts(batch.touched_ids)
    except Exception as exc:
        db.session.rollback()
        with unit_of_work():
            batch = db.session.get(ImportBatch, batch_id)
            batch.status = ImportStatus.FAILED
            batch.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise


def _save_rows(batch_id: int, data: bytes, mapping: dict[str, str]) -> None:
    rows: Iterator[dict] = iter(())
    position = None  # the row the stream is at (0 = the first after the header)
    while True:
        with unit_of_work():
            batch = db.session.get(ImportBatch, batch_id, with_for_update=True, populate_existing=True)
            start = batch.processed_rows
            if start >= batch.total_rows:
                return
            if position != start:  # the first chunk of this run, which may resume after a crash
                rows = islice(stream_table(data).rows, start, batch.total_rows)
                position = start
            chunk = list(islice(rows, CHUNK_ROWS))
            if not chunk:
                raise UnreadableFile("The file has fewer rows than when it was uploaded.")
            position += len(chunk)
            report = ImportReport(counts={o.value: batch.counts.get(o.value, 0) for o in RowOutcome})
            import_rows(
                incubator=db.session.get(Organisation, batch.incubator_id),
                actor=db.session.get(User, batch.created_by_id) if batch.created_by_id else None,
                rows=chunk,
                mapping=mapping,
                first_row_number=2 + start,
                report=report,
                schedule_embedding=False,
            )
            batch.counts = report.counts
            batch.rejections = batch.rejections + [
                {**asdict(r), "values": chunk[r.row - 2 - start]} for r in report.rejections
            ]
            batch.touched_ids = sorted(set(batch.touched_ids) | report.touched)
            batch.likely_duplicates = batch.likely_duplicates + [asdict(d) for d in report.duplicates]
            batch.processed_rows = start + len(chunk)
            batch.stage = ImportStage.SAVED if batch.processed_rows >= batch.total_rows else ImportStage.PARSED
            _progress(batch)


def _embed(batch_id: int) -> None:
    while True:
        with unit_of_work():
            batch = db.session.get(ImportBatch, batch_id, with_for_update=True, populate_existing=True)
            ids = batch.touched_ids[batch.embedded_rows : batch.embedded_rows + CHUNK_EMBED]
            if not ids:
                batch.stage = ImportStage.EMBEDDED
                return
            refresh_vectors(ProfileKind.STARTUP, ids)
            batch.embedded_rows += len(ids)
            _progress(batch)
