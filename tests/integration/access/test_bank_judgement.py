"""The bank's private judgement and its internal review stay on its side (security review, findings 6 and 9):
an incubator sees no vote counts on a need's page, and no review history of the need."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.db import db, unit_of_work
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.needs.services import change_need_status
from marketplace.pipeline.services import toggle_vote
from marketplace.startups.models import Listing
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import org, user

pytestmark = pytest.mark.integration

NEED = "healthcare-ecosystem-it"  # public, Large Corporate's (staff@bank.example.com), reviewed and published


def test_votes_and_review_history_reach_the_bank_and_the_platform_only(app, client, auth):
    with app.app_context():
        need_id = db.session.scalar(sa.select(Need.id).where(Need.slug == NEED))
        portfolio = list(
            db.session.scalars(
                sa.select(Listing.startup_id).where(Listing.incubator_id == org("zhangjiang-incubator").id)
            )
        )
        with unit_of_work():
            for startup_id in portfolio:  # whichever of them the page ranks carries a vote
                toggle_vote(actor=user(BANK_STAFF), need_id=need_id, startup_id=startup_id)
        with unit_of_work():  # a review the need went through: the unit submits, the platform sends it back
            need = db.session.get(Need, need_id)
            change_need_status(actor=user(ORGANISER), need=need, to=NeedStatus.CLOSED, comment="Reviewed: internal")
            change_need_status(actor=user(ORGANISER), need=need, to=NeedStatus.PUBLISHED, comment="Reopened")

    def page(email: str) -> str:
        auth.login(email)
        text = client.get(f"/needs/{need_id}").get_data(as_text=True)
        auth.logout()
        return text

    incubator, owner, organiser = page(ZJ_MANAGER), page(BANK_STAFF), page(ORGANISER)

    assert "▲" not in incubator
    assert "▲ 1" in owner
    assert "Review history" not in incubator
    assert "Review history" in owner and "Review history" in organiser
    assert "Reviewed: internal" not in incubator
