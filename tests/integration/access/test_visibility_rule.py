"""The list query and the per-object check encode one rule: they agree for every user and need."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.needs.queries import audience_ids_for_need, has_accepted_terms, needs_for_user, readable_need_ids
from marketplace.needs.rules import can_read_full_need, can_view_need

pytestmark = pytest.mark.integration


def test_visible_needs_clause_matches_can_view_need(ctx):
    users = list(db.session.scalars(sa.select(User)))
    needs = list(db.session.scalars(sa.select(Need)))

    sees_some, misses_some = set(), set()
    for user in users:
        listed = {n.id for n in needs_for_user(user, per_page=10_000).items}
        allowed = {
            n.id for n in needs if can_view_need(user, n, invited=user.organisation_id in audience_ids_for_need(n.id))
        }
        assert listed == allowed, user.email
        if listed:
            sees_some.add(user.email)
        if len(listed) < len(needs):
            misses_some.add(user.email)

    assert sees_some and misses_some  # the rule both shows and hides: two empty sets would prove nothing


def test_readable_needs_clause_matches_can_read_full_need(ctx):
    """The SQL twin of the confidentiality rule agrees with the per-object check for every user and need,
    with terms accepted by some incubators (the seed's) and not by others."""

    users = list(db.session.scalars(sa.select(User)))
    needs = list(db.session.scalars(sa.select(Need)))
    assert any(n.confidential for n in needs)

    reads_some, withheld_some = set(), set()
    for user in users:
        readable = readable_need_ids(user, {n.id for n in needs})
        allowed = {
            n.id
            for n in needs
            if can_read_full_need(user, n, accepted_terms=has_accepted_terms(n.id, user.organisation_id))
        }
        assert readable == allowed, user.email
        if readable:
            reads_some.add(user.email)
        if len(readable) < len(needs):
            withheld_some.add(user.email)

    assert reads_some and withheld_some
