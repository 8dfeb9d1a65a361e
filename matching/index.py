"""Vectors by position, searched exactly below a size threshold and with FAISS HNSW above it.

Updates never rebuild the graph: an updated document gets a new position and its old one a
tombstone; searches skip tombstones; ``compact()`` rebuilds when they pile up. Searching never builds
a graph either (that takes seconds at 100k vectors): until ``build()`` runs, or when a snapshot's graph
was missing or unreadable, searches take the exact path, a matrix product that is slower but complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss

# Below this many vectors an exact matrix product beats building and searching a graph.
EXACT_LIMIT = 20_000


class VectorIndex:
    def __init__(
        self,
        dim: int,
        *,
        exact_limit: int = EXACT_LIMIT,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
    ) -> None:
        self.dim = dim
        self.exact_limit = exact_limit
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self._graph: faiss.IndexHNSWFlat | None = None  # over positions, built by build() above the limit
        self._graph_size = 0

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def uses_graph(self) -> bool:
        return len(self.vectors) > self.exact_limit

    @property
    def graph_ready(self) -> bool:
        """Whether searches can use the graph: it exists and covers every position."""
        return self._graph is not None and self._graph_size == len(self.vectors)

    def add(self, vectors: np.ndarray) -> np.ndarray:
        """Appends rows; returns their positions."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = len(self.vectors)
        self.vectors = np.concatenate([self.vectors, vectors]) if start else vectors.copy()
        self.alive = np.concatenate([self.alive, np.ones(len(vectors), dtype=bool)])
        if self._graph is not None:
            self._graph.add(vectors)
            self._graph_size = len(self.vectors)
        return np.arange(start, start + len(vectors))

    def remove(self, positions: Iterable[int] | np.ndarray) -> None:
        self.alive[np.asarray(positions, dtype=np.int64)] = False

    def tombstone_share(self) -> float:
        return 0.0 if not len(self.alive) else 1.0 - self.alive.mean()

    def _ensure_graph(self) -> faiss.IndexHNSWFlat:
        import faiss  # noqa: PLC0415 (native OpenMP library, needed only for graphs above EXACT_LIMIT)

        if self._graph is None or self._graph_size != len(self.vectors):
            graph = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efConstruction = self.ef_construction
            graph.add(self.vectors)
            self._graph = graph
            self._graph_size = len(self.vectors)
        self._graph.hnsw.efSearch = max(self.ef_search, 0)
        return self._graph

    def build(self) -> None:
        """Builds the graph now (a job does this) instead of on the first search."""
        if self.uses_graph:
            self._ensure_graph()

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` live positions by inner product: (positions, scores), best first."""
        live = int(self.alive.sum())
        k = min(k, live)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        if not (self.uses_graph and self.graph_ready):
            scores = self.vectors @ query[0]
            scores = np.where(self.alive, scores, -np.inf)
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top])]
            return top.astype(np.int64), scores[top].astype(np.float32)
        graph = self._ensure_graph()
        # Over-fetch so that tombstoned positions do not shorten the answer.
        fetch = min(len(self.vectors), int(k / max(1e-3, 1.0 - self.tombstone_share())) + 16)
        # Graphs past a few hundred thousand nodes need a wider beam to keep recall@10 near 0.98.
        beam = self.ef_search if len(self.vectors) <= 300_000 else 2 * self.ef_search
        graph.hnsw.efSearch = max(beam, fetch)
        scores, positions = graph.search(query, fetch)
        keep = (positions[0] >= 0) & self.alive[np.clip(positions[0], 0, None)]
        return positions[0][keep][:k].astype(np.int64), scores[0][keep][:k].astype(np.float32)

    def scores_at(self, query: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Exact inner products at the given positions."""
        return self.vectors[positions] @ np.asarray(query, dtype=np.float32).reshape(-1)

    def compact(self) -> np.ndarray:
        """Drops tombstones; returns the old position of each kept row."""
        keep = np.flatnonzero(self.alive)
        self.vectors = np.ascontiguousarray(self.vectors[keep])
        self.alive = np.ones(len(keep), dtype=bool)
        self._graph = None
        self._graph_size = 0
        return keep

    def graph_bytes(self) -> bytes | None:
        import faiss  # noqa: PLC0415 (native OpenMP library, needed only for graphs above EXACT_LIMIT)

        if self._graph is None or self._graph_size != len(self.vectors):
            return None
        return faiss.serialize_index(self._graph).tobytes()

    def load_graph(self, data: bytes) -> None:
        import faiss  # noqa: PLC0415 (native OpenMP library, needed only for graphs above EXACT_LIMIT)

        graph = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if not isinstance(graph, faiss.IndexHNSWFlat):  # the store treats this like any damaged graph file
            raise ValueError(f"the graph file holds a {type(graph).__name__}, not an HNSW index")
        self._graph = graph
        self._graph_size = graph.ntotal
