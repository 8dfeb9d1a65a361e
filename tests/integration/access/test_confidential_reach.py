"""A confidential need's hidden text reaches no incubator that has not accepted its terms: not through the
rankings of its startups' pages, nor through a text search on the pages or the API (security review,
findings 2 and 4). Accepting the terms opens both."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.tokens import create_token
from marketplace.core.db import db, unit_of_work
from marketplace.needs.models import Need
from marketplace.needs.queries import has_accepted_terms
from marketplace.needs.services import accept_terms
from marketplace.rankings.services import rank_needs_for_startup
from marketplace.startups.models import Listing, Startup
from tests.conftest import PNP_MANAGER
from tests.helpers import org, user

pytestmark = pytest.mark.integration

CONFIDENTIAL = "medical-insurance-fraud-detection"


def hidden_word(need: Need) -> str:
    """A word of the description that the teaser (title, summary) does not hold."""
    teaser = f"{need.title} {need.summary}".lower()
    words = sorted({w for w in re.findall(r"[A-Za-z]{7,}", need.description) if w.lower() not in teaser}, key=len)
    assert words, need.description
    return words[-1]


def confidential_need() -> Need:
    need = db.session.scalar(sa.select(Need).where(Need.slug == CONFIDENTIAL))
    assert need.confidential
    return need


def test_a_startup_page_never_ranks_or_explains_a_need_whose_terms_are_not_accepted(ctx):
    manager = user(PNP_MANAGER)
    need = confidential_need()
    assert not has_accepted_terms(need.id, manager.organisation_id)
    startups = list(
        db.session.scalars(
            sa.select(Startup)
            .join(Listing, Listing.startup_id == Startup.id)
            .where(Listing.incubator_id == org("plug-and-play").id)
        )
    )

    for startup in startups:
        assert need.id not in {r.item.id for r in rank_needs_for_startup(manager, startup, k=100)}, startup.name

    with unit_of_work():
        accept_terms(actor=manager, need=need)
    ranked = {r.item.id for s in startups for r in rank_needs_for_startup(user(PNP_MANAGER), s, k=100)}
    assert need.id in ranked


def test_the_startup_page_lists_no_unreadable_confidential_need(app, client, auth):
    with app.app_context():
        need = confidential_need()
        title = need.title
        startup_id = db.session.scalar(
            sa.select(Listing.startup_id).where(Listing.incubator_id == org("plug-and-play").id).limit(1)
        )
    auth.login(PNP_MANAGER)

    page = client.get(f"/startups/{startup_id}").get_data(as_text=True)

    assert title not in page


def test_text_search_reads_only_what_the_viewer_may_read(app, client, auth):
    with app.app_context():
        need = confidential_need()
        need_id, word = need.id, hidden_word(need)
    auth.login(PNP_MANAGER)

    def found_on_pages() -> bool:
        return f'/needs/{need_id}"' in client.get(f"/needs/?q={word}").get_data(as_text=True)

    assert not found_on_pages()
    with app.app_context():
        token = create_token(user=user(PNP_MANAGER), name="search", can_write=False)[1]
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get(f"/api/v1/needs?q={word}", headers=headers).get_json()
    assert need_id not in {n["id"] for n in listed["items"]}

    with app.app_context(), unit_of_work():
        accept_terms(actor=db.session.get(User, user(PNP_MANAGER).id), need=confidential_need())
    assert found_on_pages()
    listed = client.get(f"/api/v1/needs?q={word}", headers=headers).get_json()
    assert need_id in {n["id"] for n in listed["items"]}
