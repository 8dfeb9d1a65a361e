"""The searchable set: per position an id, a vector, index terms and labels."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from matching.index import VectorIndex
from matching.keywords import KeywordIndex
from matching.text import canonical_label, tokenize
from matching.types import Document

# The keyword base is rebuilt when documents added since its build pass this share (or count).
DELTA_SHARE = 0.05
DELTA_MIN = 1000


@dataclass(frozen=True)
class Entry:
    """What the corpus keeps of one document."""

    id: int | str
    vector: np.ndarray
    tokens: tuple[str, ...]
    labels: frozenset[str] = frozenset()


class TokenTable:
    """Token lists by position, compactly: one shared vocabulary and one integer array."""

    def __init__(
        self, vocab: list[str] | None = None, ids: np.ndarray | None = None, offsets: np.ndarray | None = None
    ) -> None:
        self.vocab: list[str] = list(vocab or [])
        self.lookup: dict[str, int] = {t: i for i, t in enumerate(self.vocab)}
        self._ids = ids if ids is not None else np.zeros(0, dtype=np.int32)
        self._offsets = offsets if offsets is not None else np.zeros(1, dtype=np.int64)
        self._frozen = len(self._offsets) - 1
        self._extra: dict[int, list[int]] = {}
        self._size = self._frozen

    def __len__(self) -> int:
        return self._size

    def ids_at(self, position: int) -> list[int]:
        if position in self._extra:
            return self._extra[position]
        return self._ids[self._offsets[position] : self._offsets[position + 1]].tolist()

    def __getitem__(self, position: int) -> tuple[str, ...]:
        return tuple(self.vocab[i] for i in self.ids_at(position))

    def _encode(self, tokens: Iterable[str]) -> list[int]:
        out = []
        for token in tokens:
            index = self.lookup.get(token)
            if index is None:
                index = self.lookup[token] = len(self.vocab)
                self.vocab.append(token)
            out.append(index)
        return out

    def append(self, tokens: Iterable[str]) -> None:
        self._extra[self._size] = self._encode(tokens)
        self._size += 1

    def clear(self, position: int) -> None:
        self._extra[position] = []

    def id_lists(self) -> list[list[int]]:
        return [self.ids_at(p) for p in range(self._size)]

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(vocabulary, flat ids, offsets); cheap when edits only cleared old positions and appended."""
        cleared_only = all(not ids for p, ids in self._extra.items() if p < self._frozen)
        if cleared_only:
            lengths = np.diff(self._offsets)
            keep = np.ones(self._frozen, dtype=bool)
            keep[[p for p in self._extra if p < self._frozen]] = False
            base = self._ids[np.repeat(keep, lengths)]
            appended = [self._extra[p] for p in range(self._frozen, self._size)]
            sizes = np.concatenate([np.where(keep, lengths, 0), [len(x) for x in appended]]).astype(np.int64)
            offsets = np.zeros(self._size + 1, dtype=np.int64)
            offsets[1:] = np.cumsum(sizes)
            tail = np.fromiter((i for x in appended for i in x), dtype=np.int32)
            return self.vocab, np.concatenate([base.astype(np.int32), tail]), offsets
        lists = self.id_lists()
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(x) for x in lists])
        flat = np.fromiter((i for x in lists for i in x), dtype=np.int32, count=int(offsets[-1]))
        return self.vocab, flat, offsets

    def select(self, positions: Iterable[int]) -> TokenTable:
        table = TokenTable(self.vocab)
        for p in positions:
            table._extra[table._size] = self.ids_at(p)
            table._size += 1
        return table


class Corpus:
    def __init__(self, dim: int, *, exact_limit: int | None = None) -> None:
        kwargs = {} if exact_limit is None else {"exact_limit": exact_limit}
        self.index = VectorIndex(dim, **kwargs)
        self.ids: list = []
        self.positions: dict = {}
        self.tokens = TokenTable()
        self.labels: list[frozenset[str]] = []
        self.label_freq: Counter = Counter()
        self._keywords: KeywordIndex | None = None

    @property
    def dim(self) -> int:
        return self.index.dim

    def __len__(self) -> int:
        return len(self.positions)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.positions

    def upsert(self, entries: Iterable[Entry]) -> None:
        """Adds new documents and replaces changed ones (old positions become tombstones)."""
        entries = list(entries)
        if not entries:
            return
        self.remove(e.id for e in entries if e.id in self.positions)
        positions = self.index.add(np.stack([e.vector for e in entries]))
        for position, entry in zip(positions, entries, strict=True):
            self.ids.append(entry.id)
            self.positions[entry.id] = int(position)
            self.tokens.append(entry.tokens)
            if self._keywords is not None:
                self._keywords.append(entry.tokens)
            labels = frozenset(entry.labels)
            self.labels.append(labels)
            self.label_freq.update(labels)
        if self._keywords is not None and self._keywords.delta_size > max(
            DELTA_MIN, DELTA_SHARE * self._keywords.base_size
        ):
            self._keywords = None

    def remove(self, doc_ids: Iterable) -> None:
        gone = [self.positions.pop(i) for i in list(doc_ids) if i in self.positions]
        if not gone:
            return
        self.index.remove(gone)
        for position in gone:
            self.label_freq.subtract(self.labels[position])
            self.tokens.clear(position)
            self.labels[position] = frozenset()
            if self._keywords is not None:
                self._keywords.drop(position)
        self.label_freq = +self.label_freq

    def compact(self) -> None:
        """Forgets tombstones; the vector graph and the keyword base are rebuilt."""
        keep = self.index.compact()
        self.ids = [self.ids[p] for p in keep]
        self.tokens = self.tokens.select(keep)
        self.labels = [self.labels[p] for p in keep]
        self.positions = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self._keywords = None

    @property
    def keywords(self) -> KeywordIndex:
        if self._keywords is None:
            self._keywords = KeywordIndex(self.tokens.id_lists(), dict(self.tokens.lookup))
        return self._keywords

    def adopt_keywords(self, keywords: KeywordIndex) -> None:
        """Takes a saved keyword base covering the first positions; later ones join its delta."""
        for position in range(keywords.base_size, len(self.ids)):
            keywords.append(self.tokens[position] if self.index.alive[position] else ())
        self._keywords = keywords

    @property
    def alive(self) -> np.ndarray:
        return self.index.alive

    def label_idf(self, label: str) -> float:
        return math.log(1 + len(self) / (1 + self.label_freq.get(label, 0)))

    def vector_of(self, doc_id: int | str) -> np.ndarray:
        return self.index.vectors[self.positions[doc_id]]


def entry_for(doc: Document, vector: np.ndarray) -> Entry:
    """The corpus entry of a Document: its vector, its index terms and its labels."""
    labels = frozenset(canonical_label(label) for label in (*doc.tags, *doc.categories) if label.strip())
    return Entry(id=doc.id, vector=vector, tokens=tuple(tokenize(doc.full_text())), labels=labels)
