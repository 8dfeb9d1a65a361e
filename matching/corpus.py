"""The searchable set: per position an id, a vector, index terms and labels."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from matching.index import VectorIndex
from matching.keywords import KeywordIndex


@dataclass(frozen=True)
class Entry:
    """What the corpus keeps of one document."""

    id: int | str
    vector: np.ndarray
    tokens: tuple[str, ...]
    labels: frozenset[str] = frozenset()


class Corpus:
    def __init__(self, dim: int, *, exact_limit: int | None = None) -> None:
        kwargs = {} if exact_limit is None else {"exact_limit": exact_limit}
        self.index = VectorIndex(dim, **kwargs)
        self.ids: list = []
        self.positions: dict = {}
        self.tokens: list[tuple[str, ...]] = []
        self.labels: list[frozenset[str]] = []
        self.label_freq: Counter = Counter()
        self._keywords: KeywordIndex | None = None

    @property
    def dim(self) -> int:
        return self.index.dim

    def __len__(self) -> int:
        return len(self.positions)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self.positions

    def upsert(self, entries: Iterable[Entry]) -> None:
        """Adds new documents and replaces changed ones (old positions become tombstones)."""
        entries = list(entries)
        if not entries:
            return
        self.remove(e.id for e in entries if e.id in self.positions)
        positions = self.index.add(np.stack([e.vector for e in entries]))
        for position, entry in zip(positions, entries):
            self.ids.append(entry.id)
            self.positions[entry.id] = int(position)
            self.tokens.append(tuple(entry.tokens))
            labels = frozenset(entry.labels)
            self.labels.append(labels)
            self.label_freq.update(labels)
        self._keywords = None

    def remove(self, doc_ids: Iterable) -> None:
        gone = [self.positions.pop(i) for i in list(doc_ids) if i in self.positions]
        if not gone:
            return
        self.index.remove(gone)
        for position in gone:
            self.label_freq.subtract(self.labels[position])
            self.tokens[position] = ()
            self.labels[position] = frozenset()
        self.label_freq = +self.label_freq
        self._keywords = None

    def compact(self) -> None:
        """Forgets tombstones (a full rebuild of the graph follows on next search or build)."""
        keep = self.index.compact()
        self.ids = [self.ids[p] for p in keep]
        self.tokens = [self.tokens[p] for p in keep]
        self.labels = [self.labels[p] for p in keep]
        self.positions = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self._keywords = None

    @property
    def keywords(self) -> KeywordIndex:
        if self._keywords is None:
            self._keywords = KeywordIndex(self.tokens)
        return self._keywords

    @property
    def alive(self) -> np.ndarray:
        return self.index.alive

    def label_idf(self, label: str) -> float:
        return math.log(1 + len(self) / (1 + self.label_freq.get(label, 0)))

    def vector_of(self, doc_id) -> np.ndarray:
        return self.index.vectors[self.positions[doc_id]]


def entry_for(doc, vector: np.ndarray) -> Entry:
    """The corpus entry of a Document: its vector, its index terms and its labels."""
    from matching.text import tokenize

    labels = frozenset(label.strip().lower() for label in (*doc.tags, *doc.categories) if label.strip())
    return Entry(id=doc.id, vector=vector, tokens=tuple(tokenize(doc.full_text())), labels=labels)
