from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.rules import require_platform
from marketplace.audit.services import reassign_history, record_change, snapshot
from marketplace.audit.versioning import check_version, lock_current
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, PermissionDenied
from marketplace.core.list_queries import unique_slug
from marketplace.core.validation import validate
from marketplace.pipeline.services import move_candidates
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import forget_profile, infer_startup_sectors, schedule_indexing
from marketplace.startups.models import Listing, Startup, StartupInput
from marketplace.startups.queries import incubator_ids_for_startup
from marketplace.startups.rules import can_create_startup, can_edit_startup, lists_for_own_incubator

AUDITED_FIELDS = list(StartupInput.model_fields)
# The audit actions that bump a startup's version (one row per bump): what changed since a version read.
VERSIONED_ACTIONS = ("startup.update", "startup.import")


def _listing_incubator(actor: User, incubator_id: int | None) -> int:
    if lists_for_own_incubator(actor):
        return actor.organisation_id
    incubator = db.session.get(Organisation, incubator_id) if incubator_id else None
    if incubator is None or incubator.kind != OrganisationKind.INCUBATOR:
        raise InvalidInput({"incubator_id": [_("Choose the incubator that lists this startup.")]})
    return incubator.id


def _check_external_id(incubator_id: int, external_id: str | None, startup_id: int | None) -> None:
    if not external_id:
        return
    clash = db.session.scalar(
        sa.select(Listing.startup_id).where(Listing.incubator_id == incubator_id, Listing.external_id == external_id)
    )
    if clash is not None and clash != startup_id:
        raise InvalidInput({"external_id": [_("Another startup of this incubator already has this id.")]})


def create_startup(
    *, actor: User, data: dict, incubator_id: int | None = None, external_id: str | None = None
) -> Startup:
    """Adds a startup profile listed by the actor's incubator (or ``incubator_id`` for the platform).

    After commit its embedding and the startup index are updated in the background.

    Raises PermissionDenied for roles that cannot add startups and InvalidInput for broken rules.
    """
    if not can_create_startup(actor):
        raise PermissionDenied()
    fields = validate(StartupInput, data)
    incubator = _listing_incubator(actor, incubator_id)
    external_id = (external_id or "").strip() or None
    _check_external_id(incubator, external_id, None)
    startup = Startup(**fields.model_dump(), slug=unique_slug(Startup, fields.name, "startup"))
    db.session.add(startup)
    db.session.flush()
    db.session.add(Listing(incubator_id=incubator, startup_id=startup.id, external_id=external_id))
    db.session.flush()
    record_change(
        actor_id=actor.id,
        action="startup.create",
        entity="startup",
        entity_id=startup.id,
        after=snapshot(startup, AUDITED_FIELDS),
    )
    schedule_indexing(ProfileKind.STARTUP, [startup.id])
    return startup


def update_startup(*, actor: User, startup: Startup, data: dict, expected_version: int | None = None) -> Startup:
    """Changes a profile, bumps its version and writes the audit row.

    ``expected_version`` is the version the edit was read at (the edit form, the API's ``version``): the profile is
    locked and reloaded first, and if it moved on since, StaleEdit names the fields the other changes touched and
    nothing is saved (versioning.py). Raises PermissionDenied unless the actor's incubator lists the startup (or the
    actor runs the platform), InvalidInput for broken rules.
    """
    lock_current(startup)
    if not can_edit_startup(actor, incubator_ids_for_startup(startup.id)):
        raise PermissionDenied()
    check_version(startup, expected_version, entity="startup", actions=VERSIONED_ACTIONS, message=_stale_startup)
    fields = validate(StartupInput, data)
    before = snapshot(startup, AUDITED_FIELDS)
    for name, value in fields.model_dump().items():
        setattr(startup, name, value)
    after = snapshot(startup, AUDITED_FIELDS)
    if before != after:
        startup.updated_at = utcnow()
        startup.version += 1
        schedule_indexing(ProfileKind.STARTUP, [startup.id])
    db.session.flush()
    record_change(
        actor_id=actor.id, action="startup.update", entity="startup", entity_id=startup.id, before=before, after=after
    )
    return startup


def _stale_startup(*, fields: str, read: int, current: int) -> str:
    return _(
        "Someone else changed this startup profile after you read it (you read version %(read)s, it is now "
        "version %(current)s; changed: %(fields)s). Nothing was saved.",
        read=read,
        current=current,
        fields=fields,
    )


def refresh_suggested_sectors(ids) -> int:
    """Suggests sectors for the given startups that have none, from their text; clears the suggestions of those
    that have sectors now. Derived data: no audit row, no version bump. Returns how many hold suggestions."""
    startups = list(db.session.scalars(sa.select(Startup).where(Startup.id.in_(list(ids))))) if ids else []
    inferred = infer_startup_sectors(startups)
    for startup in startups:
        wanted = [] if startup.sectors else inferred.get(startup.id, startup.suggested_sectors)
        if startup.suggested_sectors != wanted:
            startup.suggested_sectors = wanted
    db.session.flush()
    return sum(1 for startup in startups if startup.suggested_sectors)


def confirm_sectors(*, actor: User, startup: Startup, sectors: list[str]) -> Startup:
    """Makes the chosen sectors the profile's own (confirming or correcting a suggestion) through
    ``update_startup``: same permission, audit row and re-indexing. Raises PermissionDenied, InvalidInput."""
    lock_current(startup)  # the other fields as they are now, so confirming never undoes an edit made meanwhile
    data = {name: getattr(startup, name) for name in StartupInput.model_fields}
    data["sectors"] = sectors
    update_startup(actor=actor, startup=startup, data=data)
    if startup.sectors:
        startup.suggested_sectors = []
        db.session.flush()
    return startup


def merge_startups(*, actor: User, keep: Startup, drop: Startup) -> Startup:
    """Folds ``drop`` into ``keep``: its listings, pipeline candidates and audit history move over.

    When both sides hold the same thing (a listing by one incubator, a candidate for one need)
    the kept profile's row stays and the other's fate is written to the audit trail. The
    index drops ``drop`` after commit. Raises PermissionDenied for anyone but the platform,
    InvalidInput for a profile merged into itself.
    """
    require_platform(actor)
    if keep.id == drop.id:
        raise InvalidInput({"drop": [_("Choose two different startups.")]})
    moved = {"listings": [], "dropped_listings": []}
    kept_incubators = set(db.session.scalars(sa.select(Listing.incubator_id).where(Listing.startup_id == keep.id)))
    for listing in db.session.scalars(sa.select(Listing).where(Listing.startup_id == drop.id)).all():
        if listing.incubator_id in kept_incubators:
            moved["dropped_listings"].append({"incubator_id": listing.incubator_id, "external_id": listing.external_id})
            db.session.delete(listing)
        else:
            listing.startup_id = keep.id
            moved["listings"].append(listing.id)
    moved["candidates"], moved["dropped_candidates"] = move_candidates(
        from_startup_id=drop.id, to_startup_id=keep.id, actor_id=actor.id
    )
    reassign_history(entity="startup", from_id=drop.id, to_id=keep.id)
    forget_profile(ProfileKind.STARTUP, drop.id)
    db.session.flush()
    # All in ``after``: with a ``before`` too, record_change would keep only keys both share.
    record_change(
        actor_id=actor.id,
        action="startup.merge",
        entity="startup",
        entity_id=keep.id,
        after={"merged": {"id": drop.id, "name": drop.name, "website": drop.website}, **moved},
    )
    db.session.delete(drop)
    db.session.flush()
    return keep
