"""Labels inferred from a profile's text, for profiles that carry none.

The ranking's strongest signal comes from labels (tags, sectors) shared with the best first-pass
results, which untagged profiles cannot use. Each label of a vocabulary (a taxonomy's sectors, the
labels other profiles carry) gets a prototype: the mean vector of the documents whose text names it,
together with its own name's vector. A document is given the labels it is unusually close to, measured
against how close every document is to that label, so a label that is near everything is not given to
everything. The embedding is multilingual and the names are matched through the bilingual glossary,
so an English label is inferred for a Chinese profile as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.text import glossary_concepts, tokenize


@dataclass(frozen=True)
class LabelSettings:
    # Labels given to one document at most, and how many standard deviations above the label's mean
    # similarity a document must sit.
    per_document: int = 3
    min_z: float = 2.0
    # Below this many documents naming a label, its prototype is its name's vector alone.
    min_seeds: int = 3
    # The name's vector's share of a prototype built from seed documents.
    name_weight: float = 0.3


@dataclass
class LabelModel:
    labels: list[str]
    prototypes: np.ndarray  # one normalised row per label
    mean: np.ndarray  # per label: the mean similarity of the documents it was fitted on
    std: np.ndarray
    settings: LabelSettings

    def infer(self, vectors: np.ndarray) -> list[tuple[str, ...]]:
        """For each document vector, its inferred labels, closest first."""
        if not len(self.labels) or not len(vectors):
            return [() for _ in range(len(vectors))]
        z = (np.asarray(vectors, np.float32) @ self.prototypes.T - self.mean) / self.std
        s = self.settings
        k = min(s.per_document, len(self.labels))
        best = np.argsort(-z, axis=1)[:, :k]
        return [tuple(self.labels[j] for j in row if z[i, j] >= s.min_z) for i, row in enumerate(best)]


def fit_labels(
    labels: Sequence[str],
    doc_vectors: np.ndarray,
    doc_tokens: Sequence[Sequence[str]],
    encode: Callable[[list[str]], np.ndarray],
    settings: LabelSettings | None = None,
    *,
    examples: Mapping[str, Sequence[int]] | None = None,
    names: Mapping[str, str] | None = None,
) -> LabelModel:
    """A label model for ``labels`` over a corpus (its vectors and index terms); ``encode`` embeds label names.

    ``examples`` gives, per label, documents known to carry it (profiles tagged by people): they stand in for
    the documents whose text names the label. ``names`` gives the text embedded for a label (e.g. its name in
    both languages) where it differs from the label itself.
    """
    s = settings or LabelSettings()
    labels = list(dict.fromkeys(label.strip().lower() for label in labels if label.strip()))
    vectors = np.asarray(doc_vectors, np.float32)
    if not labels or not len(vectors):
        dim = vectors.shape[1] if vectors.ndim == 2 else 0
        return LabelModel([], np.zeros((0, dim), np.float32), np.zeros(0), np.ones(0), s)
    names = {key.strip().lower(): text for key, text in (names or {}).items()}
    name_vectors = encode([names.get(label) or bilingual_name(label) for label in labels])
    term_sets = [frozenset(tokens) for tokens in doc_tokens]
    examples = {key.strip().lower(): list(found) for key, found in (examples or {}).items()}
    prototypes = np.empty((len(labels), vectors.shape[1]), np.float32)
    for j, label in enumerate(labels):
        if label in examples:
            seeds = examples[label]
        else:
            needed = set(tokenize(label))
            seeds = [i for i, terms in enumerate(term_sets) if needed and needed <= terms]
        if len(seeds) >= s.min_seeds:
            centre = vectors[seeds].mean(axis=0)
            centre /= np.linalg.norm(centre) or 1.0
            prototype = (1 - s.name_weight) * centre + s.name_weight * name_vectors[j]
        else:
            prototype = name_vectors[j]
        prototypes[j] = prototype / (np.linalg.norm(prototype) or 1.0)
    sims = vectors @ prototypes.T
    std = sims.std(axis=0)
    return LabelModel(labels, prototypes, sims.mean(axis=0), np.where(std > 1e-6, std, 1.0), s)


def bilingual_name(label: str) -> str:
    """A label's name with the English and Chinese wordings of the glossary concept it names, if any (so
    "AI" also reads as "artificial intelligence, 人工智能"): what is embedded for the label."""
    wanted = frozenset(tokenize(label))
    words = [label.strip().lower()]
    if wanted:
        for chinese, english in glossary_concepts():
            if any(frozenset(tokenize(form)) == wanted for form in english):
                words += [*english, *chinese[:2]]
    return ", ".join(dict.fromkeys(words))
