"""One fit scale on every page: a need and a startup show the same fit on the need page (ranked
among everyone's startups or within an incubator's portfolio), on the startup page (needs that fit it) and in the
incubator workspace (best fit), each page with the legend that says how it is made."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.pipeline.workspace import open_needs_for
from marketplace.rankings.services import rank_needs_for_startup, rank_startups_for_need
from tests.conftest import BANK_STAFF, ZJ_MANAGER
from tests.helpers import user

pytestmark = pytest.mark.integration

LEGEND = "How is fit measured?"


def _fit_after(page: str, *anchors: str) -> int | None:
    """The first fit shown after the anchors (each found after the one before); None when one is missing."""
    at = 0
    for anchor in anchors:
        at = page.find(anchor, at)
        if at < 0:
            return None
    found = re.search(r'data-fit="(\d+)"', page[at:])
    return int(found.group(1)) if found else None


def _pair(app):
    """A need open to the Zhangjiang incubator and one of its startups that the workspace ranks for it and whose
    page ranks the need: (need id, startup id, startup name, the fit the workspace computed)."""
    with app.app_context():
        manager = user(ZJ_MANAGER)
        for item in open_needs_for(manager, {}):
            for ranked in item.matches:
                needs = rank_needs_for_startup(manager, ranked.item)
                if any(r.item.id == item.need.id for r in needs):
                    return item.need.id, ranked.item.id, ranked.item.name, ranked.fit.score
        db.session.rollback()
    pytest.fail("no need–startup pair is ranked on both sides in the seeded world")


def test_a_pair_shows_the_same_fit_on_the_need_page_the_startup_page_and_the_workspace(app, client, auth):
    need, startup, name, expected = _pair(app)
    auth.login(ZJ_MANAGER)

    workspace = client.get("/workspace").get_data(as_text=True)
    portfolio_ranking = client.get(f"/needs/{need}").get_data(as_text=True)
    startup_page = client.get(f"/startups/{startup}").get_data(as_text=True)

    assert _fit_after(workspace, 'id="open-needs"', f'href="/needs/{need}"', str(escape(name))) == expected
    assert _fit_after(portfolio_ranking, 'id="matches"', f'href="/startups/{startup}"') == expected
    assert _fit_after(startup_page, 'id="needs"', f'href="/needs/{need}"') == expected
    for page in (workspace, portfolio_ranking, startup_page):
        assert LEGEND in page and 'class="fit-legend"' in page
        assert "Meaning" in page and "Keywords" in page
    # The old mixed scale (a percentage beside a raw BM25 value) is gone.
    assert not re.search(r"Meaning \d+%", portfolio_ranking + startup_page)


def test_the_fit_does_not_depend_on_who_ranks_or_what_else_is_ranked(ctx):
    need, startup, _name, expected = _pair(ctx)

    need_row = db.session.get(Need, need)
    everyone = {r.item.id: r.fit.score for r in rank_startups_for_need(user(BANK_STAFF), need_row, k=200)}
    portfolio = {r.item.id: r.fit.score for r in rank_startups_for_need(user(ZJ_MANAGER), need_row, k=200)}
    alone = rank_startups_for_need(user(BANK_STAFF), need_row, allowed_ids={startup}, k=1)

    assert everyone[startup] == portfolio[startup] == alone[0].fit.score == expected
    # Absolute, not rescaled per list: ranked alone it is not 100.
    assert 0 < alone[0].fit.score < 100


def test_the_workspace_orders_needs_by_their_best_absolute_fit(ctx):
    items = [item for item in open_needs_for(user(ZJ_MANAGER), {}) if item.readable]

    bests = [max((r.fit.score for r in item.matches), default=-1) for item in items]
    assert bests == sorted(bests, reverse=True)
    assert any(0 < best < 100 for best in bests)  # not rescaled so that each need's best is 100
