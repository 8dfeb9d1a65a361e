"""Explicit relevance feedback: a query moved by the documents someone judged (Rocchio, on both sides).

A bank user who shortlists, invites or votes for startups on a need, or declines one as not a fit, has judged
them. The rest of the need's ranking should move toward the chosen and away from the declined:

- the vector: ``alpha·q + beta·mean(chosen) − gamma·mean(declined)``, normalised;
- the terms: the query keeps its own and gains the most distinctive terms of the chosen documents (tf × idf,
  terms of the declined ones counted against);
- the labels: those most of the chosen share join the query's own.

The judged documents themselves are the caller's to place (a decided startup is never hidden by its ranking).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable
from dataclasses import dataclass, replace

import numpy as np

from matching.corpus import Corpus
from matching.rank import Query


@dataclass(frozen=True)
class FeedbackSettings:
    alpha: float = 1.0
    beta: float = 0.75
    gamma: float = 0.25
    # Distinctive terms of the chosen documents added to the query; a label joins when more than this share
    # of the chosen carry it.
    terms: int = 20
    label_share: float = 0.5


def with_feedback(
    corpus: Corpus,
    query: Query,
    chosen: Collection[Hashable],
    declined: Collection[Hashable] = (),
    settings: FeedbackSettings | None = None,
) -> Query:
    """``query`` moved toward the documents ``chosen`` and away from those ``declined`` (ids of the corpus; ids it
    does not hold are ignored). With nothing judged, the query comes back unchanged."""
    s = settings or FeedbackSettings()
    good = [corpus.positions[d] for d in chosen if d in corpus.positions]
    bad = [corpus.positions[d] for d in declined if d in corpus.positions]
    if not good and not bad:
        return query
    vectors = corpus.index.vectors
    moved = s.alpha * np.asarray(query.vector, dtype=np.float64)
    if good:
        moved = moved + s.beta * vectors[good].mean(axis=0)
    if bad:
        moved = moved - s.gamma * vectors[bad].mean(axis=0)
    moved = (moved / (np.linalg.norm(moved) or 1.0)).astype(np.float32)
    return replace(
        query,
        vector=moved,
        tokens=query.tokens + _distinctive_terms(corpus, good, bad, set(query.tokens), s.terms),
        labels=query.labels | _shared_labels(corpus, good, s.label_share),
    )


def _distinctive_terms(corpus: Corpus, good: list[int], bad: list[int], own: set[str], count: int) -> tuple[str, ...]:
    if not good or count <= 0:
        return ()
    tokens = corpus.tokens
    idf = corpus.keywords.idf_by_id(len(tokens.vocab))
    scores = np.zeros(len(tokens.vocab), dtype=np.float64)
    for positions, sign in ((good, 1.0), (bad, -1.0)):
        for position in positions:
            ids = np.asarray(tokens.ids_at(position), dtype=np.int64)
            if ids.size:
                np.add.at(scores, ids, sign / (ids.size * len(positions)))
    scores *= idf
    best = [int(i) for i in np.argsort(-scores)[: count + len(own)] if scores[i] > 0]
    return tuple(term for term in (tokens.vocab[i] for i in best) if term not in own)[:count]


def _shared_labels(corpus: Corpus, good: list[int], share: float) -> frozenset[str]:
    if not good:
        return frozenset()
    counts = Counter(label for position in good for label in corpus.labels[position])
    return frozenset(label for label, n in counts.items() if n > share * len(good))
