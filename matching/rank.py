"""Hybrid ranking: dense + BM25 fused, refined by feedback from the first-pass top results.

First pass: a candidate pool from the vector index and from BM25, scored by a weighted sum of
z-scored dense and keyword scores. Feedback: the best first-pass documents tell what the query
is about: their vectors move the query (Rocchio), their distinctive terms expand the keyword
query (RM3-style), and their labels (tags, industries) become labels inferred for the query,
which documents carrying them gain from. The query's own labels add a small overlap boost.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from matching.corpus import Corpus
from matching.types import NO_FILTERS, Filters, Match


@dataclass(frozen=True)
class Query:
    vector: np.ndarray
    tokens: tuple[str, ...]
    labels: frozenset[str] = frozenset()


def comparable(query: Query, dim: int) -> Query:
    """The query as an index of ``dim`` dimensions can compare it: a vector of another dimension (another model's,
    e.g. a search encoded with a newly configured model while the index still holds the earlier model's vectors)
    becomes a zero vector, so the query ranks by its keywords and labels alone."""
    if np.shape(query.vector) == (dim,):
        return query
    return replace(query, vector=np.zeros(dim, dtype=np.float32))


@dataclass(frozen=True)
class RankSettings:
    pool_size: int = 300
    dense_weight: float = 0.65
    feedback_docs: int = 10
    rocchio_beta: float = 0.5
    expansion_terms: int = 10
    expansion_weight: float = 1.0
    label_weight: float = 0.5
    own_label_boost: float = 0.15
    # Small candidate sets (a filter or a small corpus) are scored exhaustively.
    exhaustive_below: int = 5000
    # When set, a profile's standardised dense and keyword scores count no lower than this: one weak side
    # cannot bury a strong other. For lookups (a rare word in one profile, whose meaning is far from the
    # query's embedding, can sit 20 standard deviations below a tight pool of 100k near neighbours).
    z_floor: float | None = None
    # When set, the relevance floor of a typed search: a profile is a match only if it holds one of the query's
    # own index terms (Chinese words count through their English index terms) or its vector's inner product
    # with the query (before any feedback moves it) reaches this. Everything else is left out, so a query that
    # means nothing answers nothing. The value depends on the embedder (see SEARCH_DENSE_FLOOR); infinity
    # keeps the keyword side alone.
    dense_floor: float | None = None


# The dense side of the relevance floor for typed directory searches, for the paired vector (0.5 MiniLM +
# 0.5 multilingual USE v3: the inner product is the mean of the two cosines), the app's default embedder.
# Calibrated with bench/search_floor.py on the 5,551 dev profiles (docs/benchmarks.md): of 400 queries of random
# letters, none reached 0.37 against any profile in Latin script (short strings that look like abbreviations
# come closest) nor 0.30 in CJK characters, hence 0.40 with a margin for the int8 encoder. The dev needs keep
# 97-98% of their relevant results as full text and lose at most 2 points of them between 0.35 and 0.40 as
# three keywords: the relevant profiles a floor drops mostly share no query word and sit below 0.30.
SEARCH_DENSE_FLOOR = 0.40
# The embedders SEARCH_DENSE_FLOOR was calibrated for (model ids without the backend suffix): another
# embedder spreads its scores differently, so its searches keep the keyword side of the floor alone.
SEARCH_FLOOR_MODELS = frozenset({"all-MiniLM-L6-v2|use-multilingual-v3"})


def search_dense_floor(model_id: str) -> float:
    """The dense floor of a typed search with this embedder: SEARCH_DENSE_FLOOR for the embedders it was
    calibrated for; for any other, infinity (no profile clears the floor by meaning alone)."""
    family = "|".join(part.split("+", 1)[0] for part in model_id.split("|"))
    return SEARCH_DENSE_FLOOR if family in SEARCH_FLOOR_MODELS else math.inf


def zscore(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - values.mean()) / std).astype(np.float32)


@dataclass
class _Pool:
    positions: np.ndarray
    components: dict = field(default_factory=dict)


class HybridRanker:
    def __init__(self, corpus: Corpus, settings: RankSettings | None = None) -> None:
        self.corpus = corpus
        self.settings = settings or RankSettings()

    # -- single methods -------------------------------------------------------------------
    def dense(self, query: Query, k: int, filters: Filters = NO_FILTERS) -> list[Match]:
        query = comparable(query, self.corpus.dim)
        pool = self._allowed_pool(filters)
        if pool is None:
            positions, scores = self.corpus.index.search(query.vector, k + len(filters.exclude_ids))
            keep = self._permitted(positions, filters)
            positions, scores = positions[keep], scores[keep]
        else:
            scores = self.corpus.index.scores_at(query.vector, pool)
            positions = pool
        order = np.argsort(-scores)[:k]
        return [
            Match(self.corpus.ids[p], float(scores[i]), {"dense": float(scores[i])})
            for i, p in zip(order, positions[order], strict=True)
        ]

    def keyword(self, query: Query, k: int, filters: Filters = NO_FILTERS) -> list[Match]:
        scores = self.corpus.keywords.scores(query.tokens)
        positions = self._top_keyword(scores, k, filters)
        return [Match(self.corpus.ids[p], float(scores[p]), {"keyword": float(scores[p])}) for p in positions]

    # -- hybrid -------------------------------------------------------------------------
    def rank(self, query: Query, k: int = 20, filters: Filters = NO_FILTERS) -> list[Match]:
        s = self.settings
        corpus = self.corpus
        if len(corpus) == 0:
            return []
        query = comparable(query, corpus.dim)
        keyword_scores = corpus.keywords.scores(query.tokens)
        pool = self._candidates(query.vector, keyword_scores, filters)
        if pool.size == 0:
            return []
        dense = corpus.index.scores_at(query.vector, pool)
        first = s.dense_weight * self._z(dense) + (1 - s.dense_weight) * self._z(keyword_scores[pool])

        # Feedback from the best first-pass documents.
        top = pool[np.argsort(-first)[: s.feedback_docs]]
        weights = np.exp(np.sort(zscore(first))[::-1][: len(top)])
        weights = weights / weights.sum()

        moved = query.vector + s.rocchio_beta * (weights[:, None] * corpus.index.vectors[top]).sum(axis=0)
        moved = (moved / (np.linalg.norm(moved) or 1.0)).astype(np.float32)
        pool = self._merge(pool, self._candidates(moved, None, filters))
        expansion = self._expansion_terms(top, weights, set(query.tokens))
        inferred = self._inferred_labels(top, weights)

        dense = corpus.index.scores_at(moved, pool)
        keyword = keyword_scores[pool]
        if expansion:
            # Expansion re-scores the pool only: a second pass over a large index costs more than it finds.
            keyword = keyword + s.expansion_weight * corpus.keywords.scores_at(list(expansion), pool)
        label_scores = np.array(
            [sum(inferred.get(label, 0.0) for label in corpus.labels[p]) for p in pool], dtype=np.float32
        )
        own = np.array([len(query.labels & corpus.labels[p]) for p in pool], dtype=np.float32)
        final = (
            s.dense_weight * self._z(dense)
            + (1 - s.dense_weight) * self._z(keyword)
            + s.label_weight * zscore(label_scores)
            + s.own_label_boost * own
        )
        if s.dense_floor is None:
            order = np.argsort(-final)[:k]
        else:
            passing = np.flatnonzero(self._clears_floor(query, keyword_scores[pool], pool))
            order = passing[np.argsort(-final[passing])][:k]
        query_dense = corpus.index.scores_at(query.vector, pool[order])
        return [
            Match(
                corpus.ids[pool[i]],
                float(final[i]),
                {
                    "dense": float(query_dense[j]),
                    "keyword": float(keyword[i]),
                    "labels": float(label_scores[i]),
                    "shared_labels": int(own[i]),
                },
            )
            for j, i in enumerate(order)
        ]

    # -- helpers --------------------------------------------------------------------------
    def _clears_floor(self, query: Query, own_keyword: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """Which pool positions clear the relevance floor: a query term held (a BM25 score above zero on the
        query's own terms, before expansion) or the unmoved query's inner product at least ``dense_floor``."""
        return (own_keyword > 0) | (self.corpus.index.scores_at(query.vector, pool) >= self.settings.dense_floor)

    def _z(self, values: np.ndarray) -> np.ndarray:
        z = zscore(values)
        return z if self.settings.z_floor is None else np.maximum(z, self.settings.z_floor)

    def _allowed_pool(self, filters: Filters) -> np.ndarray | None:
        corpus = self.corpus
        if filters.allowed_ids is not None:
            positions = [corpus.positions[i] for i in filters.allowed_ids if i in corpus.positions]
            positions = [p for p in positions if corpus.ids[p] not in filters.exclude_ids]
            if len(positions) <= self.settings.exhaustive_below:
                return np.array(sorted(positions), dtype=np.int64)
        elif len(corpus.index.vectors) <= self.settings.exhaustive_below:
            alive = np.flatnonzero(corpus.alive)
            return alive[self._permitted(alive, filters)]
        return None

    def _permitted(self, positions: np.ndarray, filters: Filters) -> np.ndarray:
        ids = self.corpus.ids
        keep = self.corpus.alive[positions].copy()
        if filters.exclude_ids:
            keep &= np.array([ids[p] not in filters.exclude_ids for p in positions], dtype=bool)
        if filters.allowed_ids is not None:
            keep &= np.array([ids[p] in filters.allowed_ids for p in positions], dtype=bool)
        return keep

    def _top_keyword(self, scores: np.ndarray, k: int, filters: Filters) -> np.ndarray:
        if scores.size == 0:
            return np.zeros(0, dtype=np.int64)
        fetch = min(scores.size, k + len(filters.exclude_ids) + 64)
        best = np.argpartition(-scores, fetch - 1)[:fetch]
        best = best[np.argsort(-scores[best])]
        best = best[self._permitted(best, filters) & (scores[best] > 0)]
        if filters.allowed_ids is not None and len(best) < k:
            allowed = self._allowed_pool(filters)
            if allowed is not None:
                best = allowed[np.argsort(-scores[allowed])]
        return best[:k]

    def _candidates(self, vector: np.ndarray, keyword_scores: np.ndarray | None, filters: Filters) -> np.ndarray:
        allowed = self._allowed_pool(filters)
        if allowed is not None:
            return allowed
        size = self.settings.pool_size
        positions, _ = self.corpus.index.search(vector, size + len(filters.exclude_ids))
        positions = positions[self._permitted(positions, filters)]
        if keyword_scores is not None:
            positions = self._merge(positions, self._top_keyword(keyword_scores, size, filters))
        return positions

    @staticmethod
    def _merge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if b.size == 0:
            return a
        return np.unique(np.concatenate([a, b]))

    def _expansion_terms(self, top: np.ndarray, weights: np.ndarray, own: set[str]) -> dict[str, float]:
        """The most distinctive terms of the feedback documents (term frequency × idf, weighted)."""
        s = self.settings
        if s.expansion_terms <= 0:
            return {}
        tokens = self.corpus.tokens
        idf = self.corpus.keywords.idf_by_id(len(tokens.vocab))
        scores = np.zeros(len(tokens.vocab), dtype=np.float64)
        for weight, position in zip(weights, top, strict=True):
            ids = np.asarray(tokens.ids_at(int(position)), dtype=np.int64)
            if ids.size:
                np.add.at(scores, ids, weight / ids.size)
        scores *= idf
        for term in own:
            index = tokens.lookup.get(term)
            if index is not None:
                scores[index] = 0.0
        best = np.argsort(-scores)[: s.expansion_terms]
        best = best[scores[best] > 0]
        if not best.size:
            return {}
        peak = scores[best[0]]
        return {tokens.vocab[i]: float(scores[i] / peak) for i in best}

    def _inferred_labels(self, top: np.ndarray, weights: np.ndarray) -> dict[str, float]:
        inferred: Counter = Counter()
        for weight, position in zip(weights, top, strict=True):
            for label in self.corpus.labels[position]:
                inferred[label] += weight * self.corpus.label_idf(label)
        return dict(inferred)
