"""Importing a portfolio: validate every row with the profile schema, upsert by natural key.

A row matches a startup this incubator lists by the incubator's own id, then by the website's
domain, then by the normalised name, and updates only the columns the file carries. A row never
joins a profile only other incubators list: a listing grants editing the profile and reading its
contact, so a name or a website in a file must not be enough to take it. Such a row becomes a
separate profile, reported as a likely duplicate of the other; the platform merges the two after
checking (startups.services.merge_startups), and nominations stay with the incubator that made
them (pipeline.rules.startup_side_incubators). Running the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import Organisation, User
from marketplace.audit.services import record_change, snapshot
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.core.list_queries import unique_slug
from marketplace.core.text_keys import domain_of, normalised_name
from marketplace.core.validation import rule_message, validate
from marketplace.imports.enums import ImportStatus, RowOutcome
from marketplace.imports.mapping import FIELDS, auto_map, row_to_fields
from marketplace.imports.models import ImportBatch
from marketplace.imports.reading import UnreadableFile, scan_table
from marketplace.imports.rules import can_import_for
from marketplace.jobs.queue import enqueue
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import schedule_indexing
from marketplace.startups.models import Listing, Startup, StartupInput
from marketplace.web.spreadsheets import spreadsheet_cell


@dataclass(frozen=True)
class Rejection:
    row: int  # the row number a person sees in the file (the header is row 1)
    column: str
    reason: str  # in the uploader's language, as it was when the row was read
    # The rule's code and parameters: the reason is shown in each reader's language (rejection_reason).
    code: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LikelyDuplicate:
    row: int
    startup_id: int  # the profile the row made
    existing_id: int  # the profile other incubators list that the row matched


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in RowOutcome})
    rejections: list[Rejection] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    duplicates: list[LikelyDuplicate] = field(default_factory=list)

    def add(self, outcome: RowOutcome) -> None:
        self.counts[outcome.value] += 1


class _Keys:
    """Startups by website domain and by normalised name (the first one seen keeps a key)."""

    def __init__(self) -> None:
        self.by_domain: dict[str, int] = {}
        self.by_name: dict[str, int] = {}

    def remember(self, startup_id: int, website: str, name: str) -> None:
        if domain_of(website):
            self.by_domain.setdefault(domain_of(website), startup_id)
        if normalised_name(name):
            self.by_name.setdefault(normalised_name(name), startup_id)

    def find(self, website: str, name: str) -> int | None:
        if domain_of(website) in self.by_domain:
            return self.by_domain[domain_of(website)]
        return self.by_name.get(normalised_name(name))


class _Matcher:
    """Lookups built once per import: this incubator's ids, domains and names of the profiles it lists
    (``own``), and those of the profiles only others list (``others``: never matched, only reported)."""

    def __init__(self, incubator_id: int) -> None:
        self.by_external = dict(
            db.session.execute(
                sa.select(Listing.external_id, Listing.startup_id).where(
                    Listing.incubator_id == incubator_id, Listing.external_id.is_not(None)
                )
            ).all()
        )
        self.listed = set(db.session.scalars(sa.select(Listing.startup_id).where(Listing.incubator_id == incubator_id)))
        self.own, self.others = _Keys(), _Keys()
        for startup_id, website, name in db.session.execute(sa.select(Startup.id, Startup.website, Startup.name)):
            (self.own if startup_id in self.listed else self.others).remember(startup_id, website, name)

    def remember(self, startup_id: int, website: str, name: str) -> None:
        self.listed.add(startup_id)
        self.own.remember(startup_id, website, name)

    def find(self, external_id: str | None, website: str, name: str) -> int | None:
        """The profile this incubator lists that the row is about, if any."""
        if external_id and external_id in self.by_external:
            return self.by_external[external_id]
        return self.own.find(website, name)


def _reject(report: ImportReport, row_number: int, exc: InvalidInput, columns: dict[str, str]) -> None:
    for field_name, messages in exc.errors.items():
        codes = exc.codes.get(field_name, [])
        for index, message in enumerate(messages):
            code, params = codes[index] if index < len(codes) else ("", {})
            report.rejections.append(Rejection(row_number, columns.get(field_name, field_name), message, code, params))
    report.add(RowOutcome.REJECTED)


def rejection_reason(rejection: dict) -> str:
    """Why a row was rejected, in the reader's language; rows stored before codes keep their stored text."""
    return (
        rule_message(rejection["code"], rejection.get("params") or {}) if rejection.get("code") else rejection["reason"]
    )


def import_rows(
    *,
    incubator: Organisation,
    actor: User | None,
    rows: list[dict[str, str]],
    mapping: dict[str, str],
    first_row_number: int = 2,
    report: ImportReport | None = None,
    schedule_embedding: bool = True,
) -> ImportReport:
    """Validates and upserts rows (header → cell text) for one incubator; returns the counts.

    Each row is its own savepoint: a rejected row leaves no trace, the good ones stay.
    Re-embedding of new and changed profiles is scheduled after commit.
    """
    report = report or ImportReport()
    columns = {f: h for h, f in mapping.items()}
    if "name" not in columns:
        raise InvalidInput({"mapping": [_("Map one column to the startup's name.")]})
    matcher = _Matcher(incubator.id)
    actor_id = actor.id if actor else None
    for offset, row in enumerate(rows):
        row_number = first_row_number + offset
        data, external_id = row_to_fields(row, mapping)
        try:
            fields = validate(StartupInput, data)
        except InvalidInput as exc:
            _reject(report, row_number, exc, columns)
            continue
        present = [f for f in StartupInput.model_fields if f in data]
        values = fields.model_dump(include=set(present))
        existing_id = matcher.find(external_id, fields.website, fields.name)
        savepoint = db.session.begin_nested()
        try:
            outcome, startup_id = _upsert(incubator, actor_id, existing_id, fields, values, external_id, matcher)
            savepoint.commit()
        except sa.exc.IntegrityError:
            savepoint.rollback()
            _reject(
                report,
                row_number,
                InvalidInput(
                    {"external_id": [rule_message("external_id_taken", {})]},
                    codes={"external_id": [("external_id_taken", {})]},
                ),
                columns,
            )
            continue
        report.add(outcome)
        if outcome != RowOutcome.UNCHANGED:
            report.touched.add(startup_id)
        if outcome == RowOutcome.IMPORTED and existing_id is None:
            other = matcher.others.find(fields.website, fields.name)
            if other is not None:
                report.duplicates.append(LikelyDuplicate(row_number, startup_id, other))
    if report.touched and schedule_embedding:
        schedule_indexing(ProfileKind.STARTUP, report.touched)
    return report


def _upsert(incubator, actor_id, existing_id, fields, values, external_id, matcher) -> tuple[RowOutcome, int]:
    if existing_id is None:
        startup = Startup(**fields.model_dump(), slug=unique_slug(Startup, fields.name, "startup"))
        db.session.add(startup)
        db.session.flush()
        db.session.add(Listing(incubator_id=incubator.id, startup_id=startup.id, external_id=external_id))
        db.session.flush()
        record_change(
            actor_id=actor_id,
            action="startup.import",
            entity="startup",
            entity_id=startup.id,
            after=snapshot(startup, list(values)),
        )
        matcher.remember(startup.id, startup.website, startup.name)
        if external_id:
            matcher.by_external[external_id] = startup.id
        return RowOutcome.IMPORTED, startup.id

    # Locked and reloaded, like an edit (versioning.py): a concurrent edit's version bump is never lost.
    startup = db.session.get(Startup, existing_id, with_for_update=True, populate_existing=True)

    changed = False
    if external_id and external_id not in matcher.by_external:
        listing = db.session.scalar(
            sa.select(Listing).where(Listing.incubator_id == incubator.id, Listing.startup_id == startup.id)
        )
        listing.external_id = external_id
        matcher.by_external[external_id] = startup.id
        changed = True
    before = snapshot(startup, list(values))
    for name, value in values.items():
        if getattr(startup, name) != value:
            setattr(startup, name, value)
    after = snapshot(startup, list(values))
    if before != after:
        startup.updated_at = utcnow()
        startup.version += 1
        changed = True
        db.session.flush()
        record_change(
            actor_id=actor_id,
            action="startup.import",
            entity="startup",
            entity_id=startup.id,
            before=before,
            after=after,
        )
    return (RowOutcome.UPDATED if changed else RowOutcome.UNCHANGED), startup.id


def likely_duplicates_of(batch: ImportBatch, limit: int = 200) -> list[tuple[int, Startup, Startup]]:
    """The batch's rows that made a separate profile beside one other incubators list: (row, new, existing),
    for the rows whose two profiles both still exist (a merge removes one)."""
    found = batch.likely_duplicates[:limit]
    ids = {d["startup_id"] for d in found} | {d["existing_id"] for d in found}
    startups = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_(ids)))} if ids else {}
    return [
        (d["row"], startups[d["startup_id"]], startups[d["existing_id"]])
        for d in found
        if d["startup_id"] in startups and d["existing_id"] in startups
    ]


# -- batches: upload, mapping, background run ------------------------------------------------


def start_import(*, actor: User, incubator: Organisation, filename: str, data: bytes, max_rows: int) -> ImportBatch:
    """Reads the upload's headers and counts its rows, and keeps it with an automatic column mapping,
    waiting for confirmation. The file is read as a stream and no further than ``max_rows`` (the rows
    themselves are read again, a chunk at a time, by the job: imports.jobs.run_import).

    Raises PermissionDenied for someone else's incubator, InvalidInput when the file cannot be
    read or has more rows than allowed; nothing is kept then.
    """
    if not can_import_for(actor, incubator.id):
        raise PermissionDenied()
    try:
        scan = scan_table(data, max_rows=max_rows)
    except UnreadableFile as exc:
        raise InvalidInput({"file": [unreadable_message(exc)]}) from None
    batch = ImportBatch(
        incubator_id=incubator.id,
        created_by_id=actor.id,
        filename=filename[:255],
        kind=scan.kind,
        headers=scan.headers,
        mapping=auto_map(scan.headers),
        total_rows=scan.total_rows,
        data=data,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def unreadable_message(exc: UnreadableFile) -> str:
    """Why a file cannot be read, in the reader's language (reading.py speaks English templates)."""
    return _(exc.message, **exc.params)


def confirm_mapping(*, actor: User, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Stores the chosen mapping (header → field, blank = ignore) and queues the import after commit."""
    if not can_import_for(actor, batch.incubator_id):
        raise PermissionDenied()
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.FAILED):
        raise InvalidTransition(_("This import has already started."))
    chosen = {h: f for h, f in mapping.items() if f and h in batch.headers}
    unknown = [f for f in chosen.values() if f not in FIELDS]
    twice = sorted({f for f in chosen.values() if list(chosen.values()).count(f) > 1})
    errors = {}
    if unknown:
        errors["mapping"] = [_("Unknown field: %(names)s.", names=", ".join(unknown))]
    elif twice:
        errors["mapping"] = [_("Each field can take one column only: %(names)s.", names=", ".join(twice))]
    elif "name" not in chosen.values():
        errors["mapping"] = [_("Map one column to the startup's name.")]
    if errors:
        raise InvalidInput(errors)
    batch.mapping = chosen
    batch.status = ImportStatus.QUEUED
    batch.error = ""
    db.session.flush()
    enqueue("marketplace.imports.jobs.run_import", queue="default", batch_id=batch.id)
    return batch


def rejected_rows_csv(batch: ImportBatch) -> str:
    """The rejected rows as they were uploaded, plus a column saying why, safe to open in Excel."""
    by_row: dict[int, dict] = {}
    for rejection in batch.rejections:
        entry = by_row.setdefault(rejection["row"], {"values": rejection.get("values", {}), "reasons": []})
        entry["reasons"].append(f"{rejection['column']}: {rejection_reason(rejection)}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(h) for h in batch.headers] + [_("Row"), _("Why it was rejected")])
    for row_number in sorted(by_row):
        entry = by_row[row_number]
        cells = [spreadsheet_cell(str(entry["values"].get(h, ""))) for h in batch.headers]
        writer.writerow([*cells, row_number, spreadsheet_cell("; ".join(entry["reasons"]))])
    return out.getvalue()
