"""Ranking latency, vector-search recall, index build/update times and memory at scale.

    python bench/ranking.py --sizes 10000 100000 [--data DIR] [--cache-dir DIR]

Synthetic corpora are grown from the real dev corpus: each synthetic profile is a real one's
embedding plus Gaussian noise, renormalised, with the real one's terms and labels, so the
vectors keep the clustered shape that real search sees (uniform random vectors would not).
Queries are the dev needs. Prints one JSON object per size; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.core.config import Settings
from matching import store  # noqa: E402
from matching.corpus import Corpus, Entry  # noqa: E402
from matching.embed import Embedder, embed_query  # noqa: E402
from matching.eval import build_corpus, document_from, log, read_jsonl  # noqa: E402
from matching.rank import HybridRanker, Query  # noqa: E402
from matching.text import tokenize  # noqa: E402


def percentile(values, q):
    return float(np.percentile(np.asarray(values) * 1000, q))


def grow(base: Corpus, size: int, noise: float, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    alive = np.flatnonzero(base.alive)
    picks = alive[rng.integers(0, len(alive), size)]
    vectors = base.index.vectors[picks] + noise * rng.standard_normal((size, base.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    corpus = Corpus(base.dim)
    started = time.perf_counter()
    corpus.upsert(Entry(i, vectors[i], base.tokens[p], base.labels[p]) for i, p in enumerate(picks))
    log(f"  upsert {size}: {time.perf_counter() - started:.1f}s")
    return corpus


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(base: Corpus, queries: list[Query], size: int, noise: float, tmp: Path) -> dict:
    corpus = grow(base, size, noise)
    result: dict = {"profiles": size}
    started = time.perf_counter()
    corpus.keywords  # noqa: B018 - builds BM25
    result["bm25_build_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    corpus.index.build()
    result["vector_index_build_s"] = round(time.perf_counter() - started, 2)
    result["vector_index"] = "hnsw" if corpus.index.uses_graph else "exact"

    # Vector search alone: recall@10 against exact inner product, latency.
    exact_top = [np.argsort(-(corpus.index.vectors @ q.vector))[:10] for q in queries]
    times, recalls = [], []
    for _ in range(5):
        for q, truth in zip(queries, exact_top, strict=False):
            t = time.perf_counter()
            found, _ = corpus.index.search(q.vector, 10)
            times.append(time.perf_counter() - t)
            recalls.append(len(set(found) & set(truth)) / 10)
    result["vector_search_ms_p50"] = round(percentile(times, 50), 2)
    result["vector_search_ms_p95"] = round(percentile(times, 95), 2)
    result["vector_recall_at_10"] = round(float(np.mean(recalls)), 4)

    ranker = HybridRanker(corpus)
    ranker.rank(queries[0], k=20)  # warm caches
    times = []
    for _ in range(5):
        for q in queries:
            t = time.perf_counter()
            ranker.rank(q, k=20)
            times.append(time.perf_counter() - t)
    result["rank_ms_p50"] = round(percentile(times, 50), 2)
    result["rank_ms_p95"] = round(percentile(times, 95), 2)

    # Persist, reload, and update one profile (what a profile edit costs the index).
    directory = tmp / f"idx-{size}"
    started = time.perf_counter()
    store.save(corpus, directory)
    result["snapshot_save_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    _v, loaded, _m = store.load(directory)
    result["snapshot_load_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    loaded.upsert([Entry(0, base.index.vectors[1], base.tokens[1], base.labels[1])])
    loaded.keywords  # noqa: B018
    loaded.index.build()
    store.save(loaded, directory)
    result["update_one_profile_s"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = round(rss_mb())
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/innomatch-bench"))
    args = parser.parse_args()

    embedder = Embedder()
    docs = [document_from(r) for r in read_jsonl(args.data / "startups-yc.jsonl")]
    base = build_corpus(embedder, docs, args.cache_dir)
    queries = [
        Query(vector=embed_query(embedder, r["text"]), tokens=tuple(tokenize(r["text"])))
        for r in read_jsonl(args.data / "needs-dev.jsonl")
    ]
    args.tmp.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        log(f"size {size}")
        print(json.dumps(bench_size(base, queries, size, args.noise, args.tmp)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
