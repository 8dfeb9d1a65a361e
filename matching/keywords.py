"""BM25 over our own tokens (English stems, jieba words for Chinese), on bm25s.

A base index covers the positions that existed when it was built; documents appended later
(new or edited profiles) form a small delta scored with the base's statistics, so an edit
never waits for a rebuild. The corpus rebuilds the base when the delta grows past a share.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

K1 = 1.5
B = 0.75


class KeywordIndex:
    def __init__(
        self, id_lists: Sequence[Sequence[int]], vocab: dict[str, int], *, k1: float = K1, b: float = B
    ) -> None:
        import bm25s  # noqa: PLC0415 (pulls in scipy: 0.4 s at the first index, not at start)
        from bm25s.tokenization import Tokenized  # noqa: PLC0415 (same)

        self.k1, self.b = k1, b
        self.vocab = vocab
        self.base_size = len(id_lists)
        lengths = [len(ids) for ids in id_lists]
        self.avgdl = (sum(lengths) / len(lengths)) if lengths and sum(lengths) else 1.0
        self._bm25 = None
        self._df = np.zeros(0, dtype=np.int64)
        if any(lengths):
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            self._bm25.index(Tokenized(ids=[list(ids) for ids in id_lists], vocab=dict(vocab)), show_progress=False)
            self._df = np.diff(self._bm25.scores["indptr"]).astype(np.int64)
        self._delta: dict[int, Counter] = {}
        self._idf_cache: np.ndarray | None = None
        self.size = self.base_size

    @classmethod
    def from_tokens(cls, token_lists: Sequence[Sequence[str]], *, k1: float = K1, b: float = B) -> KeywordIndex:
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in token_lists]
        return cls(ids, vocab, k1=k1, b=b)

    # -- growth without a rebuild ---------------------------------------------------------
    def append(self, tokens: Sequence[str]) -> int:
        """Adds the next position; scored with the base's idf and average length."""
        position = self.size
        self._delta[position] = Counter(tokens)
        self.size += 1
        return position

    def drop(self, position: int) -> None:
        self._delta.pop(position, None)

    @property
    def delta_size(self) -> int:
        return self.size - self.base_size

    # -- scoring ---------------------------------------------------------------------------
    def _doc_freq(self, term: str) -> int:
        index = self.vocab.get(term)
        return int(self._df[index]) if index is not None and index < len(self._df) else 0

    def doc_freq(self, term: str) -> int:
        """How many profiles of the base hold ``term`` (the statistics idf is computed from)."""
        return self._doc_freq(term)

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf (the variant bm25s computes)."""
        df = self._doc_freq(term)
        n = max(self.base_size, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def idf_by_id(self, size: int) -> np.ndarray:
        """Idf for term ids 0..size-1 of the vocabulary this index was built with (unknown ids: df 0)."""
        if self._idf_cache is not None and len(self._idf_cache) >= size:
            return self._idf_cache[:size]
        df = np.zeros(size, dtype=np.float64)
        known = min(size, len(self._df))
        df[:known] = self._df[:known]
        n = max(self.base_size, 1)
        self._idf_cache = np.log(1 + (n - df + 0.5) / (df + 0.5))
        return self._idf_cache

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every position (base and delta)."""
        out = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return out
        known = [t for t in query_tokens if t in self.vocab and self.vocab[t] < len(self._df)]
        if known and self._bm25 is not None:
            out[: self.base_size] = self._bm25.get_scores(known)
        if self._delta and query_tokens:
            for position, score in self._delta_scores(query_tokens).items():
                out[position] = score
        return out

    def scores_at(self, query_tokens: Sequence[str], positions: np.ndarray) -> np.ndarray:
        """BM25 scores of the given positions only: no pass over the whole index."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros(len(positions), dtype=np.float32)
        if not len(positions) or not query_tokens:
            return out
        in_base = positions < self.base_size
        if self._bm25 is not None and in_base.any():
            base_positions = positions[in_base]
            base_scores = np.zeros(len(base_positions), dtype=np.float32)
            matrix = self._bm25.scores
            for term, times in Counter(query_tokens).items():
                column = self.vocab.get(term)
                if column is None or column >= len(self._df):
                    continue
                start, end = matrix["indptr"][column], matrix["indptr"][column + 1]
                rows = matrix["indices"][start:end]
                found = np.searchsorted(rows, base_positions)
                found = np.minimum(found, max(len(rows) - 1, 0))
                hit = (rows[found] == base_positions) if len(rows) else np.zeros(len(base_positions), bool)
                base_scores[hit] += times * matrix["data"][start:end][found[hit]]
            out[in_base] = base_scores
        if self._delta:
            full_delta = self._delta_scores(query_tokens)
            for i, position in enumerate(positions):
                if position in full_delta:
                    out[i] = full_delta[position]
        return out

    def _delta_scores(self, query_tokens: Sequence[str]) -> dict[int, float]:
        weights = {t: self.idf(t) for t in set(query_tokens)}
        counts = Counter(query_tokens)
        out = {}
        for position, terms in self._delta.items():
            length = sum(terms.values())
            norm = self.k1 * (1 - self.b + self.b * length / self.avgdl)
            total = 0.0
            for term, times in counts.items():
                tf = terms.get(term, 0)
                if tf:
                    total += times * weights[term] * tf / (tf + norm)
            out[position] = total
        return out

    # -- persistence -----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Writes the base (the delta is re-derived from the corpus on load)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), show_progress=False)
        meta = {
            "base_size": self.base_size,
            "avgdl": self.avgdl,
            "k1": self.k1,
            "b": self.b,
            "bm25": self._bm25 is not None,
        }
        (directory / "keywords.json").write_text(json.dumps(meta))
        (directory / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        import bm25s  # noqa: PLC0415 (pulls in scipy: 0.4 s at the first load, not at start)

        directory = Path(directory)
        meta = json.loads((directory / "keywords.json").read_text())
        index = cls.__new__(cls)
        index.k1, index.b = meta["k1"], meta["b"]
        index.base_size = meta["base_size"]
        index.avgdl = meta["avgdl"]
        index.vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        index._delta = {}
        index._idf_cache = None
        index.size = index.base_size
        index._bm25 = None
        index._df = np.zeros(0, dtype=np.int64)
        if meta["bm25"]:
            index._bm25 = bm25s.BM25.load(str(directory), show_progress=False)
            index._df = np.diff(index._bm25.scores["indptr"]).astype(np.int64)
        return index
