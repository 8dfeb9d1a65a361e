"""A corpus on disk: versioned snapshots written atomically, so every process can pick up the newest.

Layout: ``DIR/v000042/`` holds one snapshot; ``DIR/CURRENT`` names the live one. A writer
builds a new snapshot folder, then replaces CURRENT with one atomic rename; readers compare
the version in CURRENT with the one they hold and reload when it moved.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from matching.corpus import Corpus, TokenTable
from matching.keywords import KeywordIndex

log = logging.getLogger(__name__)

FORMAT = 2
KEEP_SNAPSHOTS = 3


def current_version(directory: Path) -> int | None:
    try:
        return int((Path(directory) / "CURRENT").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """One writer at a time across processes on this machine."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def exclusive(directory: Path, name: str, *, wait: bool = True) -> Iterator[bool]:
    """A named lock beside the snapshots (other than the writer's), for work longer than one write: yields True
    once this process holds it; with ``wait=False`` yields False at once when another process holds it. The
    operating system releases it when its holder dies."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def save(corpus: Corpus, directory: Path, *, meta: dict | None = None) -> int:
    """Writes a new snapshot and makes it current; returns its version. Call under writer_lock."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    version = (current_version(directory) or 0) + 1
    target = directory / f"v{version:06d}"
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory))
    index = corpus.index
    np.save(staging / "vectors.npy", index.vectors)
    np.save(staging / "alive.npy", index.alive)
    graph = index.graph_bytes()
    if graph is not None:
        (staging / "graph.faiss").write_bytes(graph)
    vocab, token_ids, offsets = corpus.tokens.arrays()
    np.save(staging / "token_ids.npy", token_ids)
    np.save(staging / "token_offsets.npy", offsets)
    corpus.keywords.save(staging / "keywords")
    header = {
        "format": FORMAT,
        "version": version,
        "dim": corpus.dim,
        "exact_limit": index.exact_limit,
        "ids": corpus.ids,
        "vocab": vocab,
        "labels": [sorted(labels) for labels in corpus.labels],
        "meta": meta or {},
    }
    (staging / "corpus.json").write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
    os.replace(staging, target)
    pointer = directory / ".CURRENT.tmp"
    pointer.write_text(f"{version}\n")
    os.replace(pointer, directory / "CURRENT")
    _prune(directory, version)
    return version


def _prune(directory: Path, version: int) -> None:
    for old in sorted(directory.glob("v[0-9]*")):
        try:
            number = int(old.name[1:])
        except ValueError:
            continue
        if number <= version - KEEP_SNAPSHOTS:
            shutil.rmtree(old, ignore_errors=True)


def load(directory: Path) -> tuple[int, Corpus, dict] | None:
    """The current snapshot as (version, corpus, meta), or None when there is none or it is unreadable."""
    directory = Path(directory)
    version = current_version(directory)
    if version is None:
        return None
    folder = directory / f"v{version:06d}"
    try:
        header = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "vectors.npy")
        alive = np.load(folder / "alive.npy")
        token_ids = np.load(folder / "token_ids.npy")
        offsets = np.load(folder / "token_offsets.npy")
        keywords = KeywordIndex.load(folder / "keywords")
        if (
            header.get("format") != FORMAT
            or len(header["ids"]) != len(vectors)
            or len(offsets) != len(vectors) + 1
            or len(header["labels"]) != len(vectors)
            or len(alive) != len(vectors)
        ):
            return None
    except Exception:  # noqa: BLE001 - damaged files fail in many ways (numpy, json, bm25s); all mean "rebuild"
        log.warning("index snapshot %s is unreadable; it will be rebuilt from the database", folder, exc_info=True)
        return None
    corpus = Corpus(header["dim"], exact_limit=header["exact_limit"])
    corpus.index.vectors = vectors
    corpus.index.alive = alive
    corpus.ids = header["ids"]
    corpus.tokens = TokenTable(header["vocab"], token_ids, offsets)
    corpus.labels = [frozenset(labels) for labels in header["labels"]]
    corpus.positions = {doc_id: i for i, doc_id in enumerate(corpus.ids) if alive[i]}
    for labels, is_alive in zip(corpus.labels, alive, strict=True):
        if is_alive:
            corpus.label_freq.update(labels)
    corpus.adopt_keywords(keywords)
    graph = folder / "graph.faiss"
    if graph.exists():
        try:
            corpus.index.load_graph(graph.read_bytes())
        except Exception:  # noqa: BLE001 - searches take the exact path until a rebuild writes a graph again
            log.warning("index graph %s is unreadable; searching exactly until it is rebuilt", graph)
    return version, corpus, header.get("meta", {})
