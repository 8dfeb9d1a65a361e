"""Exact and HNSW search agree; snapshots are versioned, atomic and survive a reload."""

import numpy as np
import pytest

from matching import store
from matching.corpus import Corpus, Entry
from matching.index import VectorIndex

pytestmark = pytest.mark.unit


def clustered(n, dim=32, seed=7):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    data = centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    return (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)


def test_hnsw_finds_what_exact_search_finds():
    data = clustered(3000)
    exact = VectorIndex(32, exact_limit=10_000)
    graph = VectorIndex(32, exact_limit=100)
    exact.add(data)
    graph.add(data)
    graph.build()
    queries = clustered(50, seed=9)

    recall = np.mean([len(set(exact.search(q, 10)[0]) & set(graph.search(q, 10)[0])) / 10 for q in queries])

    assert graph.uses_graph and graph.graph_ready and not exact.uses_graph
    assert recall >= 0.95


def test_search_takes_the_exact_path_until_the_graph_is_built():
    """A search never builds the graph (seconds at scale): a missing graph means exact answers meanwhile."""
    data = clustered(1000)
    exact = VectorIndex(32, exact_limit=10_000)
    pending = VectorIndex(32, exact_limit=100)
    exact.add(data)
    pending.add(data)

    for query in clustered(20, seed=3):
        assert pending.search(query, 10)[0].tolist() == exact.search(query, 10)[0].tolist()
    assert pending.uses_graph and not pending.graph_ready

    pending.build()
    pending.add(clustered(5, seed=4))
    assert pending.graph_ready  # rows added after a build go into the graph too


def test_tombstones_are_skipped_by_both_search_paths():
    data = clustered(500)
    for limit in (10_000, 100):
        index = VectorIndex(32, exact_limit=limit)
        index.add(data)
        index.build()
        top = index.search(data[0], 1)[0][0]
        index.remove([top])

        assert top not in index.search(data[0], 20)[0]


def test_compact_drops_tombstones():
    index = VectorIndex(4)
    index.add(np.eye(4, dtype=np.float32))
    index.remove([1, 2])

    kept = index.compact()

    assert kept.tolist() == [0, 3]
    assert len(index.vectors) == 2 and index.tombstone_share() == 0.0


def corpus_of(n):
    corpus = Corpus(4)
    corpus.upsert(Entry(i, np.eye(4, dtype=np.float32)[i % 4], (f"t{i}",), frozenset({f"l{i}"})) for i in range(n))
    return corpus


def test_save_and_load_round_trip(tmp_path):
    corpus = corpus_of(4)
    corpus.remove([2])

    version = store.save(corpus, tmp_path, meta={"model": "m"})
    loaded_version, loaded, meta = store.load(tmp_path)

    assert (version, loaded_version, meta) == (1, 1, {"model": "m"})
    assert sorted(loaded.positions) == [0, 1, 3]
    assert loaded.tokens[3] == ("t3",) and loaded.labels[3] == frozenset({"l3"})
    assert loaded.label_freq["l2"] == 0


def test_each_save_is_a_new_version_and_old_ones_are_pruned(tmp_path):
    for _ in range(5):
        store.save(corpus_of(2), tmp_path)

    assert store.current_version(tmp_path) == 5
    assert sorted(p.name for p in tmp_path.glob("v*")) == ["v000003", "v000004", "v000005"]


def test_missing_or_corrupt_snapshot_loads_as_none(tmp_path):
    assert store.load(tmp_path) is None
    store.save(corpus_of(2), tmp_path)
    (tmp_path / "v000001" / "vectors.npy").write_bytes(b"garbage")

    assert store.load(tmp_path) is None


def test_graph_is_saved_and_reused(tmp_path):
    corpus = Corpus(32, exact_limit=50)
    data = clustered(200)
    corpus.upsert(Entry(i, data[i], ()) for i in range(200))
    corpus.index.build()

    store.save(corpus, tmp_path)
    _v, loaded, _m = store.load(tmp_path)

    assert loaded.index._graph is not None
    assert loaded.index.search(data[5], 1)[0][0] == 5


@pytest.mark.parametrize("damage", ["corpus.json", "keywords", "token_ids.npy", "CURRENT"])
def test_any_damaged_part_makes_the_snapshot_unreadable(tmp_path, damage):
    store.save(corpus_of(3), tmp_path)
    target = tmp_path / damage if damage == "CURRENT" else tmp_path / "v000001" / damage
    if target.is_dir():
        for part in target.iterdir():
            part.write_bytes(b"\x00garbage")
    else:
        target.write_bytes(b"\x00garbage")

    assert store.load(tmp_path) is None


def test_an_unreadable_graph_loads_the_rest_and_searches_exactly(tmp_path):
    corpus = Corpus(32, exact_limit=50)
    data = clustered(200)
    corpus.upsert(Entry(i, data[i], ()) for i in range(200))
    corpus.index.build()
    store.save(corpus, tmp_path)
    (tmp_path / "v000001" / "graph.faiss").write_bytes(b"not a faiss index")

    _v, loaded, _m = store.load(tmp_path)

    assert not loaded.index.graph_ready
    assert loaded.index.search(data[5], 1)[0][0] == 5
