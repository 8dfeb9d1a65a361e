"""The seed's world: complete, valid, and loading it twice changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.db import db, unit_of_work
from marketplace.needs.models import Need
from marketplace.seeding import load_world, row_counts
from marketplace.startups.models import Listing

pytestmark = pytest.mark.integration

FIRST_DAY_NEEDS = {
    "education-ecosystem-it",
    "iot-collateral-monitoring",
    "healthcare-ecosystem-it",
    "mpc-blockchain-cryptography",
}


def test_seed_twice_leaves_identical_rows(ctx):
    before = row_counts()

    with unit_of_work():
        load_world()

    assert row_counts() == before


def test_seed_holds_first_day_needs_incubators_and_startups(ctx):
    counts = row_counts()
    slugs = set(db.session.scalars(sa.select(Need.slug)))
    incubators = db.session.scalar(
        sa.select(sa.func.count()).where(Organisation.kind == OrganisationKind.INCUBATOR)
    )

    assert FIRST_DAY_NEEDS <= slugs
    assert incubators >= 15
    assert counts["startup"] >= 210
    assert counts["listing"] >= counts["startup"]


def test_every_incubator_lists_startups(ctx):
    rows = db.session.execute(
        sa.select(Organisation.slug, sa.func.count(Listing.id))
        .join(Listing, Listing.incubator_id == Organisation.id, isouter=True)
        .where(Organisation.kind == OrganisationKind.INCUBATOR)
        .group_by(Organisation.slug)
    )

    assert all(count >= 1 for _slug, count in rows)
