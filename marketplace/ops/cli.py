"""Command-line entry points, one click group per noun."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from marketplace.accounts.enums import OrganisationKind, UserRole
from marketplace.accounts.models import Organisation
from marketplace.accounts.services import create_user
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import redis_connection
from marketplace.events.cli import events_cli
from marketplace.imports.mapping import auto_map
from marketplace.imports.reading import UnreadableFile, read_table
from marketplace.imports.services import import_rows
from marketplace.jobs.queue import enqueue_now
from marketplace.ops.backup import BackupError, export_archive, restore_archive
from marketplace.ops.clock import clock_command, notifications_group
from marketplace.ops.seeding import load_world, row_counts
from marketplace.ops.worker import worker_command
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.jobs import REEMBED_CHUNK, reembed_in_process
from marketplace.rankings.services import rebuild_index
from marketplace.schema.migrate import make_revision, upgrade_database

db_cli = AppGroup("db", help="Database schema.")
matching_cli = AppGroup("matching", help="Embeddings and the search index.")
users_cli = AppGroup("users", help="User accounts.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the schema to a revision."""
    upgrade_database(db.engine, revision)
    click.echo(f"schema at {revision}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    make_revision(db.engine, message)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Bring the schema to head and load the seed's world (idempotent)."""
    upgrade_database(db.engine)
    with unit_of_work():
        users = load_world()
    _reindex_all()
    click.echo("Demo sign-ins:")
    for user in users:
        click.echo(f"  {user['role']:<18} {user['email']:<34} {user['password']}")
    click.echo(json.dumps(row_counts(), sort_keys=True))


def _reindex_all() -> dict[str, int]:
    versions = {}
    for kind in ProfileKind:
        with unit_of_work():
            versions[kind.value] = rebuild_index(kind)
    return versions


@matching_cli.command("reindex")
@click.option(
    "--background",
    is_flag=True,
    help="Queue one re-embed job per kind on the matching queue (needs REDIS_URL), print their ids and "
    "return; /readyz and the ranking pages show their progress.",
)
@click.option(
    "--chunk",
    default=None,
    type=click.IntRange(min=1),
    help="Profiles encoded and committed together (default: the re-embed job's).",
)
def matching_reindex(background: bool, chunk: int | None) -> None:
    """Re-embed changed profiles in committed chunks (a line per chunk) and rebuild both indexes from the database.

    Stopped midway, a second run encodes only what is left. Rankings use the current index until each new one
    is published.
    """
    if background:
        if redis_connection() is None:
            raise click.ClickException("--background needs REDIS_URL (a worker on the matching queue runs the jobs).")
        for kind in ProfileKind:
            job_id = enqueue_now(
                "marketplace.rankings.jobs.reembed",
                queue="matching",
                kind=kind.value,
                model=engine().model_id,
                rebuild=True,
            )
            if job_id is None:
                raise click.ClickException("Redis does not answer; nothing was queued.")
            click.echo(f"{kind.value} re-embed queued as job {job_id}")
        return

    def progress(step) -> None:
        click.echo(f"{step.kind.value}: {step.done}/{step.total} profiles ({step.encoded} encoded in this chunk)")

    for kind in ProfileKind:
        version = reembed_in_process(kind, chunk=chunk or REEMBED_CHUNK, on_chunk=progress)
        click.echo(f"{kind.value} index at version {version}")


@click.command("import-startups")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option("--incubator", "incubator_slug", required=True, help="Slug of the incubator that lists them.")
@with_appcontext
def import_startups_command(path: str, incubator_slug: str) -> None:
    """Import a portfolio file (CSV, XLSX, JSON, JSON Lines); the last line is JSON counts.

    Exits non-zero only when the file itself cannot be read; rejected rows are listed.
    """
    incubator = db.session.scalar(sa.select(Organisation).where(Organisation.slug == incubator_slug))
    if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
        raise click.ClickException(f"no incubator {incubator_slug!r}")
    try:
        with open(path, "rb") as fh:
            table = read_table(fh.read())
    except (OSError, UnreadableFile) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    mapping = auto_map(table.headers)
    ignored = [h for h in table.headers if h not in mapping]
    if ignored:
        click.echo(f"ignored columns: {', '.join(ignored)}", err=True)
    with unit_of_work():
        report = import_rows(incubator=incubator, actor=None, rows=table.rows, mapping=mapping)
    for rejection in report.rejections:
        click.echo(f"row {rejection.row}, {rejection.column}: {rejection.reason}", err=True)
    click.echo(json.dumps(report.counts, sort_keys=True))


@click.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=str))
@with_appcontext
def export_command(archive: str) -> None:
    """Write every row of every table (pitch decks and vectors included) to one archive file.

    The last line is JSON: rows per table.
    """
    try:
        report = export_archive(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"exported {report.rows} rows of {len(report.counts)} tables at schema revision "
        f"{report.schema_revision} to {report.path} ({report.size_bytes} bytes)"
    )
    click.echo(json.dumps(report.counts, sort_keys=True))


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=str))
@click.option("--force", is_flag=True, help="Delete everything in the database first (same transaction).")
@with_appcontext
def restore_command(archive: str, force: bool) -> None:
    """Load an archive written by `export` into an empty database, then rebuild the search indexes.

    The last line is JSON: rows per table.
    """
    try:
        report = restore_archive(archive, force=force)
    except BackupError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from None
    if report.schema_created:
        click.echo(f"created the schema at revision {report.schema_revision}")
    if report.deleted:
        click.echo(f"deleted the previous {sum(report.deleted.values())} rows (--force)")
    click.echo(f"restored {report.rows} rows of {len(report.counts)} tables from {archive}")
    if report.index_error:
        click.echo(json.dumps(report.counts, sort_keys=True))
        raise click.ClickException(
            f"the data is restored, but rebuilding the search indexes failed "
            f"({report.index_error}); run `flask --app marketplace matching reindex`"
        )
    versions = ", ".join(f"{kind} v{version}" for kind, version in report.index_versions.items())
    click.echo(f"search indexes rebuilt from the restored rows: {versions}")
    click.echo(json.dumps(report.counts, sort_keys=True))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["bank_staff", "incubator_manager", "organiser", "admin"]), required=True)
@click.option("--organisation", "organisation_slug", required=True, help="Organisation slug.")
@click.password_option()
def users_create(email: str, name: str, role: str, organisation_slug: str, password: str) -> None:
    """Add a user to an organisation."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == organisation_slug))
    if organisation is None:
        raise click.ClickException(f"no organisation {organisation_slug!r}")
    try:
        with unit_of_work():
            user = create_user(
                email=email, name=name, role=UserRole(role), organisation=organisation, password=password
            )
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created user {user.id} {user.email}")


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(matching_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(import_startups_command)
    app.cli.add_command(export_command)
    app.cli.add_command(restore_command)

    app.cli.add_command(events_cli)

    app.cli.add_command(clock_command)
    app.cli.add_command(notifications_group)
