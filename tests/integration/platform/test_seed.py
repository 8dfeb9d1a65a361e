"""The seed's world: complete, valid, and loading it twice changes nothing."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation
from marketplace.core.db import db, unit_of_work
from marketplace.core.taxonomy import Sector
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.ops.seeding import load_world, row_counts
from marketplace.startups.models import Listing, Startup

pytestmark = pytest.mark.integration

FIRST_DAY_NEEDS = {
    "education-ecosystem-it",
    "iot-collateral-monitoring",
    "healthcare-ecosystem-it",
    "mpc-blockchain-cryptography",
}
# The same four themes as bank units wrote them in Chinese.
CHINESE_NEEDS = {
    "smart-campus-finance-zh": ["education"],
    "three-medical-linkage-it-zh": ["healthcare"],
    "movable-collateral-iot-zh": ["iot_logistics"],
    "mpc-joint-risk-control-zh": ["privacy_blockchain"],
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_seed_twice_leaves_identical_rows(ctx):
    before = row_counts()

    with unit_of_work():
        load_world()

    assert row_counts() == before


def test_seed_holds_first_day_needs_incubators_and_startups(ctx):
    counts = row_counts()
    slugs = set(db.session.scalars(sa.select(Need.slug)))
    incubators = db.session.scalar(sa.select(sa.func.count()).where(Organisation.kind == OrganisationKind.INCUBATOR))

    assert slugs >= FIRST_DAY_NEEDS
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


def test_seed_is_bilingual_chinese_needs_and_profiles_in_every_sector(ctx):
    needs = {n.slug: n for n in db.session.scalars(sa.select(Need).where(Need.slug.in_(CHINESE_NEEDS)))}
    chinese = [s for s in db.session.scalars(sa.select(Startup)) if CJK.search(s.name + s.description)]
    listed = set(db.session.scalars(sa.select(Listing.startup_id)))

    assert {slug: n.sector_tags for slug, n in needs.items()} == CHINESE_NEEDS
    for n in needs.values():
        assert n.status == NeedStatus.PUBLISHED
        assert all(CJK.search(text) for text in (n.title, n.summary, n.description, *n.scenarios)), n.slug
        assert db.session.get(Organisation, n.owner_id).kind == OrganisationKind.BANK_UNIT
    per_sector = Counter(s.sectors[0] for s in chinese)
    assert all(per_sector[sector] >= 5 for sector in Sector), per_sector
    assert all(CJK.search(s.products + s.customers) and s.id in listed for s in chinese)
