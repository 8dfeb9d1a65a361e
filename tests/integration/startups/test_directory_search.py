"""Typed directory searches on the seeded world: real matches only, an honest count and an empty state."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.rankings.documents import startup_document
from marketplace.rankings.services import search_startup_page, search_startups
from marketplace.startups.models import Startup
from matching.rank import SEARCH_DENSE_FLOOR
from matching.text import tokenize
from tests.conftest import BANK_STAFF
from tests.integration.imports.test_import_api import bearer, token_for

pytestmark = pytest.mark.integration

NONSENSE = ["zzzzqqq nonsense", "qxvwk jzrtp", "黂蒐喆琸 椧吒"]
PRIVACY_QUERIES = ["secure multi-party computation", "区块链 多方安全计算"]


def clears_floor(text: str, match) -> bool:
    """Holds a word of the query (as index terms) or is close enough in meaning."""
    startup = db.session.get(Startup, match.id)
    held = set(tokenize(text)) & set(tokenize(startup_document(startup).full_text()))
    return bool(held) or match.components["dense"] >= SEARCH_DENSE_FLOOR


def sectors_of(matches) -> list[list[str]]:
    rows = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_([m.id for m in matches])))}
    return [rows[m.id].sectors for m in matches]


@pytest.mark.parametrize("text", NONSENSE)
def test_a_nonsense_search_has_no_result(ctx, text):
    assert search_startups(text) == []
    page = search_startup_page(text, allowed_ids=None, page=1, per_page=24)
    assert (page.total, page.items) == (0, [])


@pytest.mark.parametrize("text", PRIVACY_QUERIES)
def test_a_privacy_computing_search_puts_privacy_computing_startups_first(ctx, text):
    matches = search_startups(text)

    assert all("privacy_blockchain" in sectors for sectors in sectors_of(matches[:5]))
    assert len(matches) >= 5
    assert all(clears_floor(text, match) for match in matches)  # real matches only, not the whole directory


def test_the_directory_counts_the_real_matches(app, client, auth):
    auth.login(BANK_STAFF)
    text = "secure multi-party computation"

    page = client.get(f"/startups/?q={quote_plus(text)}").get_data(as_text=True)

    with app.app_context():
        expected = len(search_startups(text))
    assert re.search(rf">\s*{expected} startups\s*<", page)
    assert "No startup matches" not in page


def test_a_nonsense_search_shows_the_empty_state_not_a_list(client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/startups/?q=zzzzqqq+nonsense&sector=privacy_blockchain").get_data(as_text=True)

    assert "No startup matches “zzzzqqq nonsense”." in page
    assert "Try fewer or other words" in page
    assert 'class="card startup-card"' not in page
    assert not re.search(r">\s*0 startups\s*<", page)
    assert 'href="/startups/?sector=privacy_blockchain"' in page  # clears the words, keeps the filter


def test_the_empty_state_speaks_chinese_and_escapes_the_query(client, auth):
    auth.login(BANK_STAFF)
    client.post("/language", data={"locale": "zh_Hans", "next": "/startups/"})

    page = client.get(f"/startups/?q={quote_plus('<b>黂蒐喆琸</b>')}").get_data(as_text=True)

    assert "没有与“&lt;b&gt;黂蒐喆琸&lt;/b&gt;”相符的初创企业。" in page
    assert "请减少关键词或换用其他词语" in page
    assert "清除搜索" in page
    assert "<b>黂蒐喆琸</b>" not in page


def test_the_api_searches_startups_with_q_and_counts_the_real_matches(app, client):

    secret = token_for(app, BANK_STAFF, write=False)
    text = "secure multi-party computation"

    found = client.get(f"/api/v1/startups?q={quote_plus(text)}&per_page=5", headers=bearer(secret)).get_json()
    nonsense = client.get("/api/v1/startups?q=zzzzqqq+nonsense", headers=bearer(secret)).get_json()

    with app.app_context():
        expected = search_startups(text)
    assert found["total"] == len(expected)
    assert [item["id"] for item in found["items"]] == [m.id for m in expected[:5]]  # best match first
    assert (nonsense["total"], nonsense["items"]) == (0, [])


def test_the_api_search_keeps_the_structured_filters(app, client):

    secret = token_for(app, BANK_STAFF, write=False)
    text = quote_plus("secure multi-party computation")
    every = client.get(f"/api/v1/startups?q={text}&per_page=100", headers=bearer(secret)).get_json()
    body = client.get(
        f"/api/v1/startups?q={text}&sector=privacy_blockchain&per_page=100", headers=bearer(secret)
    ).get_json()

    assert body["items"] and all("privacy_blockchain" in item["sectors"] for item in body["items"])
    assert body["total"] < every["total"]  # the sector filter narrowed the matches
