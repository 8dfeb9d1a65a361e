"""Cross-language matching on the seeded world with the real model: the bank's needs written in Chinese rank
startups of their theme first, English and Chinese profiles alike, and explain themselves with sentence pairs
on the theme; the English needs reach Chinese profiles too."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.rankings.engine import engine
from marketplace.rankings.services import Ranked, rank_startups_for_need
from matching import explain
from tests.conftest import BANK_STAFF, ORGANISER
from tests.helpers import user

pytestmark = pytest.mark.integration

CJK = re.compile(r"[\u4e00-\u9fff]")

# The programme's four themes as a bank unit wrote them in Chinese: slug → (sector, how many of the top
# places must be that sector's startups).
CHINESE_NEEDS = {
    "three-medical-linkage-it-zh": ("healthcare", 5),
    "movable-collateral-iot-zh": ("iot_logistics", 3),
    "smart-campus-finance-zh": ("education", 3),
    "mpc-joint-risk-control-zh": ("privacy_blockchain", 3),
}
CHINESE_HEALTHCARE_NEED = "three-medical-linkage-it-zh"


def need(slug: str) -> Need:
    return db.session.scalar(sa.select(Need).where(Need.slug == slug))


def is_chinese(startup) -> bool:
    return bool(CJK.search(startup.name + startup.description))


def describe(ranking: list[Ranked]) -> str:
    """The ranking as a failure message shows it."""
    return "\n".join(
        f"{i:2d}. {r.match.score:6.3f} {'zh' if is_chinese(r.item) else 'en'} {r.item.name} {r.item.sectors}"
        for i, r in enumerate(ranking, 1)
    )


def need_text(item: Need) -> str:
    return "\n".join([item.title, item.summary, item.description, "; ".join(item.scenarios)])


def startup_text(startup) -> str:
    return "\n".join([startup.name, startup.products, startup.description, startup.customers])


@pytest.mark.parametrize(("slug", "sector", "top"), [(s, *v) for s, v in CHINESE_NEEDS.items()])
def test_a_chinese_need_ranks_startups_of_its_theme_first(ctx, slug, sector, top):
    item = need(slug)
    assert CJK.search(item.title) and CJK.search(item.description) and item.sector_tags == [sector]

    ranking = rank_startups_for_need(user(ORGANISER), item, k=10)

    assert len(ranking) == 10
    assert all(sector in r.item.sectors for r in ranking[:top]), describe(ranking)


@pytest.mark.parametrize("slug", list(CHINESE_NEEDS))
def test_a_chinese_need_reaches_english_profiles_of_its_theme(ctx, slug):
    sector = CHINESE_NEEDS[slug][0]

    ranking = rank_startups_for_need(user(ORGANISER), need(slug), k=10)

    assert any(not is_chinese(r.item) and sector in r.item.sectors for r in ranking), describe(ranking)


@pytest.mark.parametrize(
    ("slug", "sector"), [("healthcare-ecosystem-it", "healthcare"), ("iot-collateral-monitoring", "iot_logistics")]
)
def test_an_english_need_reaches_chinese_profiles_of_its_theme(ctx, slug, sector):
    item = need(slug)
    assert not CJK.search(need_text(item))

    ranking = rank_startups_for_need(user(BANK_STAFF), item, k=10)

    assert any(is_chinese(r.item) and sector in r.item.sectors for r in ranking), describe(ranking)


def test_the_chinese_healthcare_needs_reasons_pair_it_with_healthcare_sentences(ctx):
    item = need(CHINESE_HEALTHCARE_NEED)

    top = rank_startups_for_need(user(BANK_STAFF), item, k=10)[:5]

    assert all("healthcare" in r.item.sectors for r in top), describe(top)
    for r in top:
        assert r.explanation is not None and r.explanation.pairs, r.item.name
        for pair in r.explanation.pairs:
            # the need's sentence and a sentence of this healthcare profile, as close as a shown pair must be
            assert pair.query_sentence in need_text(item), pair
            assert pair.doc_sentence in startup_text(r.item), (r.item.name, pair)
            assert pair.similarity >= shown_from(pair), (r.item.name, pair)


def shown_from(pair) -> float:
    """The least similarity at which matching/explain.py shows this pair: the floor for the languages of its two
    sentences under the app's model (``pair_floors``), or explain()'s one floor where it has no such table."""
    floors = (
        explain.pair_floors(engine().model_id)
        if hasattr(explain, "pair_floors")
        else inspect.signature(explain.explain).parameters["min_similarity"].default
    )
    if isinstance(floors, float):
        return floors
    query_zh, doc_zh = bool(CJK.search(pair.query_sentence)), bool(CJK.search(pair.doc_sentence))
    return float(floors.between(np.array([query_zh]), np.array([doc_zh]))[0, 0])
