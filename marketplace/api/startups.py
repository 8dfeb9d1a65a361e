"""/api/v1/startups and /api/v1/listings: profiles, and which incubator lists which startup."""

from __future__ import annotations

from flask_openapi3 import Tag
from pydantic import Field

from marketplace.api.blueprint import CONFLICT, NOT_FOUND, api_user, bp
from marketplace.api.paging import page_json
from marketplace.api.schemas import (
    BodyId,
    JsonBody,
    ListingOut,
    ListingPage,
    ListingQuery,
    ReadVersion,
    StartupOut,
    StartupPage,
    StartupPath,
    StartupQuery,
)
from marketplace.core.db import unit_of_work
from marketplace.pipeline.queries import opted_in_units
from marketplace.rankings.services import search_startup_page
from marketplace.startups.models import Listing, Startup, StartupInput
from marketplace.startups.queries import (
    incubator_ids_for_startup,
    listings,
    startup_by_id,
    startup_directory,
    startup_ids_where,
)
from marketplace.startups.rules import can_view_listing_ids, can_view_startup_contact
from marketplace.startups.services import create_startup, update_startup

TAG = [Tag(name="startups", description="Startup profiles and their incubators' listings.")]


class StartupBody(StartupInput, JsonBody):
    """A startup profile's fields."""


class StartupCreate(StartupBody):
    incubator_id: BodyId | None = Field(
        default=None, description="The listing incubator (organisers only; incubator managers list for their own)."
    )
    external_id: str | None = Field(
        default=None, max_length=120, pattern=r"^[^\x00]*$", description="Your CRM id for this startup."
    )


class StartupReplace(StartupBody):
    """A profile's fields, replacing all of them, and the version they were read at."""

    version: ReadVersion


def startup_json(startup: Startup) -> dict:
    user = api_user()
    listed_by = incubator_ids_for_startup(startup.id)
    out = StartupOut(
        **{
            name: getattr(startup, name)
            for name in StartupOut.model_fields
            if name not in {"incubator_ids", "contact_name", "contact_email"}
        },
        incubator_ids=sorted(listed_by),
    )
    if can_view_startup_contact(user, listed_by, opted_in_units(startup.id)):
        out.contact_name, out.contact_email = startup.contact_name, startup.contact_email
    return out.model_dump(mode="json")


def listing_json(listing: Listing) -> dict:
    visible = can_view_listing_ids(api_user(), listing.incubator_id)
    return ListingOut(
        id=listing.id,
        incubator_id=listing.incubator_id,
        startup_id=listing.startup_id,
        external_id=listing.external_id if visible else None,
        created_at=listing.created_at,
    ).model_dump(mode="json")


@bp.get("/startups", tags=TAG, responses={200: StartupPage})
def list_startups(query: StartupQuery):
    """The startup directory, by name; with ``q``, only the startups matching it, best match first (the web
    directory's search and relevance floor)."""
    text = (query.q or "").strip()
    if text:
        allowed = startup_ids_where(sector=query.sector, stage=query.stage, incubator_id=query.incubator_id)
        page = search_startup_page(text, allowed_ids=allowed, page=query.page, per_page=query.per_page)
    else:
        page = startup_directory(
            sector=query.sector,
            stage=query.stage,
            incubator_id=query.incubator_id,
            page=query.page,
            per_page=query.per_page,
        )
    return page_json(page, startup_json)


@bp.post("/startups", tags=TAG, responses={201: StartupOut})
def post_startup(body: StartupCreate):
    """Add a startup listed by your incubator (organisers name the incubator)."""
    data = body.model_dump(exclude={"incubator_id", "external_id"})
    with unit_of_work():
        startup = create_startup(
            actor=api_user(), data=data, incubator_id=body.incubator_id, external_id=body.external_id
        )
    return startup_json(startup), 201


@bp.get("/startups/<int:startup_id>", tags=TAG, responses={200: StartupOut, **NOT_FOUND})
def get_startup(path: StartupPath):
    """One startup. Contact details only for its incubators, the platform, and units whose need it chose."""
    return startup_json(startup_by_id(path.startup_id))


@bp.put("/startups/<int:startup_id>", tags=TAG, responses={200: StartupOut, **NOT_FOUND, **CONFLICT})
def put_startup(path: StartupPath, body: StartupReplace):
    """Replace a profile's fields (the incubators that list it, and organisers). Send the `version` you read: if
    the profile changed since, the answer is 409 naming what changed, and nothing is saved."""
    with unit_of_work():
        startup = update_startup(
            actor=api_user(),
            startup=startup_by_id(path.startup_id),
            data=body.model_dump(exclude={"version"}),
            expected_version=body.version,
        )
    return startup_json(startup)


@bp.get("/listings", tags=TAG, responses={200: ListingPage})
def list_listings(query: ListingQuery):
    """Which incubator lists which startup. CRM ids only for the incubator's own listings."""
    page = listings(
        incubator_id=query.incubator_id, startup_id=query.startup_id, page=query.page, per_page=query.per_page
    )
    return page_json(page, listing_json)
