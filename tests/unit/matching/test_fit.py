"""The fit scale (matching.fit): bounded, monotone, absolute (never rescaled per list), and the same for a pair
whichever ranking it comes from."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.corpus import Corpus, entry_for
from matching.fit import DENSE_WEIGHT, Fit, fit_of, keyword_points, meaning_points
from matching.rank import HybridRanker, Query, RankSettings
from matching.text import tokenize
from matching.types import Document, Filters
from tests.unit.matching.fake_embedder import DIM, vector

pytestmark = pytest.mark.unit

IDF = {"loan": 1.0, "sme": 3.0, "ledger": 2.0, "gps": 4.0}.get


def idf(term):
    return IDF(term, 1.0)


def test_meaning_is_the_cosine_times_100_clipped():
    assert meaning_points(0.42) == pytest.approx(42.0)
    assert meaning_points(-0.3) == 0.0
    assert meaning_points(1.2) == 100.0
    assert meaning_points(math.nan) == 0.0


def test_keywords_are_the_idf_weighted_share_of_the_need_terms_the_profile_holds():
    need = ["sme", "loan", "ledger", "loan"]  # distinct terms: sme 3 + loan 1 + ledger 2 = 6

    assert keyword_points(need, ["sme", "ledger", "other"], idf) == pytest.approx(100 * 5 / 6)
    assert keyword_points(need, ["loan"], idf) == pytest.approx(100 * 1 / 6)
    assert keyword_points(need, need, idf) == pytest.approx(100.0)
    assert keyword_points(need, [], idf) == 0.0
    assert keyword_points([], ["sme"], idf) == 0.0


def test_terms_no_profile_uses_are_left_out_of_the_share():
    need = ["sme", "loan", "typo"]

    assert keyword_points(need, ["sme", "loan"], idf, known=lambda t: t != "typo") == pytest.approx(100.0)
    assert keyword_points(need, ["sme", "loan"], idf) == pytest.approx(100 * 4 / 5)


def test_fit_weighs_meaning_and_keywords_as_the_ranking_does():
    fit = fit_of(0.5, ["sme", "loan"], ["sme"], idf)

    assert RankSettings().dense_weight == DENSE_WEIGHT
    assert fit == Fit(score=round(DENSE_WEIGHT * 50 + (1 - DENSE_WEIGHT) * 75), meaning=50, keywords=75)


def test_a_perfect_pair_is_100_and_an_unrelated_one_is_0():
    assert fit_of(1.0, ["sme"], ["sme"], idf) == Fit(100, 100, 100)
    assert fit_of(0.0, ["sme"], ["gps"], idf) == Fit(0, 0, 0)


similarities = st.floats(min_value=-1.5, max_value=1.5, allow_nan=False)
terms = st.lists(st.sampled_from(["sme", "loan", "ledger", "gps", "iot", "pledge"]), max_size=8)


@given(similarities, terms, terms)
def test_every_number_is_a_whole_number_from_0_to_100(similarity, need, profile):
    fit = fit_of(similarity, need, profile, idf)

    for value in (fit.score, fit.meaning, fit.keywords):
        assert isinstance(value, int) and 0 <= value <= 100


@given(similarities, similarities, terms, terms)
def test_more_similar_never_fits_less(a, b, need, profile):
    low, high = sorted((a, b))

    assert fit_of(low, need, profile, idf).score <= fit_of(high, need, profile, idf).score


@given(similarities, terms, terms, terms)
def test_holding_more_of_the_need_terms_never_fits_less(similarity, need, profile, more):
    before = fit_of(similarity, need, profile, idf)
    after = fit_of(similarity, need, [*profile, *more], idf)

    assert after.keywords >= before.keywords and after.score >= before.score


# -- the same pair in different rankings --------------------------------------------------------------------

DOCS = [
    Document(1, "LedgerLend", "Working capital loans for SMEs underwritten from bank ledgers and sales data."),
    Document(2, "InvoiceFlow", "Accounts-payable automation: supplier invoices, approvals and payments."),
    Document(3, "PledgeEye", "GPS trackers monitor pledged vehicles for car-pledge loans."),
    Document(4, "CampusPay", "Campus card and tuition payments for universities."),
    Document(5, "SMEScore", "Credit scores for small businesses from accounting ledgers and tax records."),
]
NEED = "Lend working capital to SMEs within minutes, underwriting them from ledgers and sales instead of collateral."


def _fit(corpus: Corpus, query: Query, match) -> Fit:
    """The fit of a ranked match from what the pair alone decides: the ranking's dense component (the unmoved
    query's inner product) and the two term lists."""
    keywords = corpus.keywords
    return fit_of(
        match.components["dense"],
        query.tokens,
        corpus.tokens[corpus.positions[match.id]],
        keywords.idf,
        lambda term: keywords.doc_freq(term) > 0,
    )


def test_a_pair_fits_the_same_in_a_ranking_of_everyone_and_in_a_portfolio_ranking():
    corpus = Corpus(DIM)
    corpus.upsert(entry_for(d, vector(d.full_text())) for d in DOCS)
    query = Query(vector=vector(NEED), tokens=tuple(tokenize(NEED)))
    ranker = HybridRanker(corpus)

    everyone = {m.id: m for m in ranker.rank(query, k=5)}
    portfolio = {m.id: m for m in ranker.rank(query, k=5, filters=Filters(allowed_ids=frozenset({1, 4})))}

    # The ranking's own score depends on the list (z-scores over the pool); the fit does not.
    assert everyone[1].score != pytest.approx(portfolio[1].score)
    assert _fit(corpus, query, everyone[1]) == _fit(corpus, query, portfolio[1])
    assert _fit(corpus, query, everyone[4]) == _fit(corpus, query, portfolio[4])
    best = _fit(corpus, query, everyone[1])
    assert best.score > _fit(corpus, query, everyone[4]).score
    assert 0 < best.score < 100  # absolute: the best of a list is not rescaled to 100
