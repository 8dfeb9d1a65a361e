"""Why a document matched: the sentence pairs that agree best, and the shared terms and labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matching.text import surface_terms


@dataclass(frozen=True)
class SentencePair:
    query_sentence: str
    doc_sentence: str
    similarity: float


@dataclass(frozen=True)
class Explanation:
    pairs: tuple[SentencePair, ...]
    shared_terms: tuple[str, ...]
    shared_labels: tuple[str, ...]


def explain(
    *,
    query_sentences: list[str],
    query_vectors: np.ndarray,
    doc_sentences: list[str],
    doc_vectors: np.ndarray,
    query_text: str,
    doc_text: str,
    query_labels: frozenset[str] = frozenset(),
    doc_labels: frozenset[str] = frozenset(),
    max_pairs: int = 2,
    max_terms: int = 6,
    term_weight: Callable[[str], float] | None = None,
    min_similarity: float = 0.3,
) -> Explanation:
    """The best (query sentence, document sentence) pairs, each sentence used once, best first.

    Shared terms are ordered by ``term_weight`` (e.g. BM25 idf), rarest first; words already
    shown as part of a shared label are left out.
    """
    pairs: list[SentencePair] = []
    if len(query_sentences) and len(doc_sentences):
        sims = np.asarray(query_vectors, dtype=np.float32) @ np.asarray(doc_vectors, dtype=np.float32).T
        used_q: set[int] = set()
        used_d: set[int] = set()
        for flat in np.argsort(-sims, axis=None):
            qi, di = divmod(int(flat), sims.shape[1])
            if sims[qi, di] < min_similarity:
                break
            if qi in used_q or di in used_d:
                continue
            pairs.append(SentencePair(query_sentences[qi], doc_sentences[di], float(sims[qi, di])))
            used_q.add(qi)
            used_d.add(di)
            if len(pairs) == max_pairs:
                break
    labels = tuple(sorted(query_labels & doc_labels))
    label_words = {w for label in labels for w in label.replace("-", " ").split()}
    query_terms = surface_terms(query_text)
    doc_terms = surface_terms(doc_text)
    shared = [stem for stem in query_terms if stem in doc_terms and doc_terms[stem] not in label_words
              and len(doc_terms[stem]) > 2]
    if term_weight is not None:
        shared.sort(key=lambda stem: -term_weight(stem))
    return Explanation(tuple(pairs), tuple(doc_terms[s] for s in shared[:max_terms]), labels)
