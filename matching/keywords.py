"""BM25 over our own tokens (English stems, jieba words for Chinese), on bm25s."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class KeywordIndex:
    """A static BM25 index over token lists; rebuild it (cheaply) when documents change."""

    def __init__(self, token_lists: Sequence[Sequence[str]], *, k1: float = 1.5, b: float = 0.75) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        self.size = len(token_lists)
        self.vocab: dict[str, int] = {}
        ids = [[self.vocab.setdefault(t, len(self.vocab)) for t in tokens] for tokens in token_lists]
        self.doc_freq = Counter(t for tokens in token_lists for t in set(tokens))
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if self.size:
            self._bm25.index(Tokenized(ids=ids, vocab=dict(self.vocab)), show_progress=False)

    def idf(self, term: str) -> float:
        return math.log(1 + self.size / (1 + self.doc_freq.get(term, 0)))

    def scores(self, query_tokens: Sequence[str], weights: dict[str, float] | None = None) -> np.ndarray:
        """BM25 score of every document (position order); ``weights`` scale individual terms."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in query_tokens if t in self.vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        if not weights:
            return self._bm25.get_scores(known).astype(np.float32)
        total = np.zeros(self.size, dtype=np.float32)
        counts = Counter(known)
        for term, count in counts.items():
            total += (count * weights.get(term, 1.0)) * self._bm25.get_scores([term]).astype(np.float32)
        return total
