"""Evaluate the ranking methods on a corpus, queries and graded relevance judgements.

    python -m matching.eval --corpus CORPUS.jsonl --queries QUERIES.jsonl --qrels QRELS.tsv \
        --method hybrid|dense|bm25|all --k 10 [--model PATH|use-multilingual-v3] [--backend torch|onnx|onnx-int8]
        [--multilingual use-multilingual-v3] [--weight 0.5] [--cache-dir DIR] [--no-labels] [--infer-labels]
        [--set NAME=VALUE ...] [--feedback K]

QUERIES may be in English or Chinese (needs-dev.jsonl, needs-dev-zh.jsonl): the same qrels judge both.

Prints one JSON object on stdout keyed by method, each with ndcg@10, recall@10, recall@100 and
mrr; progress goes to stderr. With ``--feedback K`` it also measures explicit relevance feedback the standard way
(residual collection): for each need the hybrid ranking's first K results are judged from the qrels (what a bank
user's shortlist and "not a fit" would say), the query is moved by those judgements (matching.feedback), and
nDCG@k is computed over the documents left once the judged K are removed, before and after:
``"feedback": {"k": K, "residual_ndcg@10_before": ..., "residual_ndcg@10_after": ..., "needs": N}``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from matching.corpus import Corpus, entry_for
from matching.embed import PairedEmbedder, TextEmbedder, _in_english, embed_documents, embed_query, load_embedder
from matching.feedback import FeedbackSettings, with_feedback
from matching.labels import fit_labels
from matching.rank import HybridRanker, Query, RankSettings
from matching.text import content_hash, tokenize
from matching.types import Document

METHODS = ("bm25", "dense", "hybrid")
DEPTH = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 4 and int(parts[3]) > 0:
                qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def document_from(row: dict, *, labels: bool = True) -> Document:
    return Document(
        id=str(row["id"]),
        name=row.get("name", ""),
        summary=row.get("one_liner", "") or "",
        body=row.get("description", "") or "",
        tags=tuple(row.get("tags") or ()) if labels else (),
        categories=tuple(row.get("industries") or ()) if labels else (),
    )


def ndcg(ranked: list[str], rel: dict[str, int], k: int) -> float:
    dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def scores_for(ranked: list[str], rel: dict[str, int], k: int) -> dict[str, float]:
    first = next((i for i, d in enumerate(ranked) if d in rel), None)
    return {
        f"ndcg@{k}": ndcg(ranked, rel, k),
        f"recall@{k}": len([d for d in ranked[:k] if d in rel]) / len(rel),
        "recall@100": len([d for d in ranked[:100] if d in rel]) / len(rel),
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
    }


class VectorCache:
    """Document vectors on disk keyed by model + content hash, so reruns never re-encode."""

    def __init__(self, directory: Path | None, model_id: str) -> None:
        self.path = directory / f"{model_id.replace('/', '_')}.npz" if directory else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.exists():
            with np.load(self.path) as data:
                self.vectors = {k: data[k] for k in data.files}

    def save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, allow_pickle=False, **self.vectors)  # float vectors only, as np.load expects


def document_vectors(embedder: TextEmbedder, docs: list[Document], cache_dir: Path | None) -> np.ndarray:
    """Every document's vector, from the on-disk cache where it holds them (a paired embedder caches each part
    under its own model, so pairing reuses what either model already encoded)."""
    if isinstance(embedder, PairedEmbedder):
        english, multilingual = embedder.parts
        return embedder.join(
            document_vectors(english, [_in_english(d) for d in docs], cache_dir),
            document_vectors(multilingual, docs, cache_dir),
        )
    cache = VectorCache(cache_dir, embedder.model_id)
    keys = [content_hash(embedder.model_id, d.header(), d.body) for d in docs]
    missing = [i for i, key in enumerate(keys) if key not in cache.vectors]
    if missing:
        log(f"encoding {len(missing)} documents with {embedder.model_id}")
        started = time.perf_counter()
        for start in range(0, len(missing), 512):
            chunk = missing[start : start + 512]
            for i, vector in zip(chunk, embed_documents(embedder, [docs[i] for i in chunk]), strict=True):
                cache.vectors[keys[i]] = vector
            log(f"  {min(start + 512, len(missing))}/{len(missing)}")
        log(f"encoded in {time.perf_counter() - started:.1f}s")
        cache.save()
    return np.stack([cache.vectors[key] for key in keys]) if keys else np.zeros((0, embedder.dim), np.float32)


def build_corpus(
    embedder: TextEmbedder,
    docs: list[Document],
    cache_dir: Path | None,
    *,
    infer_labels: bool = False,
    vocabulary: Sequence[str] = (),
) -> Corpus:
    """The corpus of ``docs``; with ``infer_labels``, documents without labels get labels inferred from their
    text out of ``vocabulary`` (the directory's label names)."""
    vectors = document_vectors(embedder, docs, cache_dir)
    entries = [entry_for(d, v) for d, v in zip(docs, vectors, strict=True)]
    if infer_labels:
        model = fit_labels(vocabulary, vectors, [e.tokens for e in entries], embedder.encode)
        inferred = model.infer(vectors)
        entries = [
            e if e.labels else replace(e, labels=frozenset(found)) for e, found in zip(entries, inferred, strict=True)
        ]
        log(f"inferred labels for {sum(1 for e in entries if e.labels)} of {len(entries)} documents")
    corpus = Corpus(embedder.dim)
    corpus.upsert(entries)
    return corpus


def evaluate(
    ranker: HybridRanker,
    queries: list[Query],
    query_ids: list[str],
    qrels: dict[str, dict[str, int]],
    methods: Sequence[str],
    k: int,
) -> dict[str, dict[str, float]]:
    results = {}
    for method in methods:
        per_query = []
        for qid, query in zip(query_ids, queries, strict=True):
            if qid not in qrels:
                continue
            if method == "bm25":
                matches = ranker.keyword(query, DEPTH)
            elif method == "dense":
                matches = ranker.dense(query, DEPTH)
            else:
                matches = ranker.rank(query, DEPTH)
            per_query.append(scores_for([str(m.id) for m in matches], qrels[qid], k))
        results[method] = {name: round(float(np.mean([q[name] for q in per_query])), 4) for name in per_query[0]}
        log(f"{method}: {results[method]}")
    return results


def residual_feedback(
    ranker: HybridRanker,
    queries: list[Query],
    query_ids: list[str],
    qrels: dict[str, dict[str, int]],
    judged: int,
    k: int,
    settings: FeedbackSettings | None = None,
) -> dict[str, float]:
    """Residual-collection nDCG@k of the hybrid ranking before and after feedback on its first ``judged`` results;
    needs with nothing relevant left after the judged ones are not counted (there is nothing to find)."""
    before, after = [], []
    for qid, query in zip(query_ids, queries, strict=True):
        relevant = qrels.get(qid)
        if not relevant:
            continue
        first = [str(m.id) for m in ranker.rank(query, DEPTH + judged)]
        seen = set(first[:judged])
        left = {d: grade for d, grade in relevant.items() if d not in seen}
        if not left:
            continue
        chosen = [d for d in first[:judged] if d in relevant]
        declined = [d for d in first[:judged] if d not in relevant]
        moved = with_feedback(ranker.corpus, query, chosen, declined, settings)
        again = [str(m.id) for m in ranker.rank(moved, DEPTH + judged)]
        before.append(ndcg([d for d in first if d not in seen], left, k))
        after.append(ndcg([d for d in again if d not in seen], left, k))
    result = {
        "k": judged,
        f"residual_ndcg@{k}_before": round(float(np.mean(before)), 4) if before else 0.0,
        f"residual_ndcg@{k}_after": round(float(np.mean(after)), 4) if after else 0.0,
        "needs": len(before),
    }
    log(f"feedback: {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.eval", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    parser.add_argument("--method", choices=[*METHODS, "all"], default="all")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--model", default=None, help="sentence-transformers model name or folder")
    parser.add_argument("--backend", choices=["torch", "onnx", "onnx-int8"], default="torch")
    parser.add_argument("--cache-dir", type=Path, default=None, help="keep document vectors between runs")
    parser.add_argument(
        "--multilingual",
        default=None,
        metavar="MODEL",
        help="pair the model with a multilingual one, e.g. use-multilingual-v3",
    )
    parser.add_argument("--weight", type=float, default=0.5, help="the first model's share of a paired vector")
    parser.add_argument("--no-labels", action="store_true", help="ignore tags and industries (unlabelled profiles)")
    parser.add_argument(
        "--infer-labels",
        action="store_true",
        help="infer labels from the text of profiles without any (out of the directory's label names)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a RankSettings field, e.g. --set label_weight=0 (ablations)",
    )
    parser.add_argument(
        "--feedback",
        type=int,
        default=0,
        metavar="K",
        help="also measure relevance feedback on the first K hybrid results (residual nDCG before and after)",
    )
    args = parser.parse_args(argv)

    rows = read_jsonl(args.corpus)
    docs = [document_from(row, labels=not args.no_labels) for row in rows]
    vocabulary = sorted({label for row in rows for label in (*(row.get("tags") or ()), *(row.get("industries") or ()))})
    query_rows = read_jsonl(args.queries)
    qrels = read_qrels(args.qrels)
    log(f"{len(docs)} documents, {len(query_rows)} queries")
    embedder = load_embedder(
        args.model,
        backend=args.backend,
        cache_dir=(args.cache_dir or Path(tempfile.gettempdir())) / "models",
        multilingual=args.multilingual,
        weight=args.weight,
    )
    corpus = build_corpus(embedder, docs, args.cache_dir, infer_labels=args.infer_labels, vocabulary=vocabulary)
    queries = [
        Query(vector=embed_query(embedder, row["text"]), tokens=tuple(tokenize(row["text"]))) for row in query_rows
    ]
    methods = METHODS if args.method == "all" else (args.method,)
    overrides = {}
    for item in args.settings:
        name, _, value = item.partition("=")
        default = getattr(RankSettings(), name)
        overrides[name] = type(default)(value)
    ranker = HybridRanker(corpus, RankSettings(**overrides))
    query_ids = [str(r["id"]) for r in query_rows]
    results: dict[str, dict[str, float]] = evaluate(ranker, queries, query_ids, qrels, methods, args.k)
    if args.feedback > 0:
        results["feedback"] = residual_feedback(ranker, queries, query_ids, qrels, args.feedback, args.k)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
