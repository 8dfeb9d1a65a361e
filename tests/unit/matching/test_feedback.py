"""Explicit relevance feedback (matching.feedback): the query moves toward what was chosen and away from what was
declined, on its vector, its terms and its labels; nothing judged changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from matching.feedback import FeedbackSettings, with_feedback
from matching.rank import HybridRanker, RankSettings
from tests.unit.matching.test_rank import make_corpus, query

pytestmark = pytest.mark.unit


def test_nothing_judged_leaves_the_query_as_it_was():
    corpus = make_corpus()
    asked = query("privacy computing for banks")

    assert with_feedback(corpus, asked, chosen=[], declined=[]) is asked
    assert with_feedback(corpus, asked, chosen=[99], declined=[]) is asked  # ids the corpus does not hold


def test_the_vector_moves_toward_the_chosen_and_away_from_the_declined():
    corpus = make_corpus()
    asked = query("joint computation between banks")

    moved = with_feedback(corpus, asked, chosen=[2], declined=[1])

    chosen, declined = corpus.vector_of(2), corpus.vector_of(1)
    assert float(moved.vector @ chosen) > float(asked.vector @ chosen)
    assert float(moved.vector @ declined) < float(asked.vector @ declined)
    assert np.isclose(np.linalg.norm(moved.vector), 1.0)


def test_the_chosen_documents_terms_and_shared_labels_join_the_query():
    corpus = make_corpus()
    asked = query("joint computation between banks")

    moved = with_feedback(corpus, asked, chosen=[2, 6], declined=[4], settings=FeedbackSettings(terms=5))

    assert moved.tokens[: len(asked.tokens)] == asked.tokens
    added = set(moved.tokens[len(asked.tokens) :])
    assert added and not added & set(asked.tokens) and len(added) <= 5
    assert not added & set(corpus.tokens[corpus.positions[4]])  # nothing only the declined document says
    assert moved.labels == {"privacy computing"}  # both chosen carry it; federated learning and psi only one


def test_a_declined_match_sinks_and_the_chosen_kind_rises():
    corpus = make_corpus()
    ranker = HybridRanker(corpus, RankSettings(feedback_docs=1))
    asked = query("joint risk control for lenders")
    first = [m.id for m in ranker.rank(asked, 6)]

    moved = with_feedback(corpus, asked, chosen=[6], declined=[first[0]] if first[0] != 6 else [4])
    again = [m.id for m in ranker.rank(moved, 6)]

    assert again.index(6) <= first.index(6)
    if first[0] != 6:
        assert again.index(first[0]) > 0
