"""Encoding throughput and dev-set quality per sentence-transformers backend.

    python bench/encoding.py [--data ../shared/data] [--limit 1000] [--work /tmp/innomatch-onnx]

Backends: torch (float32), onnx (float32, exported locally from the packaged model) and
onnx-int8 (dynamically quantised for this CPU). For each: documents encoded per second on
the profile texts, and hybrid nDCG@10 on the dev set with vectors from that backend.
Prints one JSON object; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matching.embed import Embedder, embed_documents, embed_query  # noqa: E402
from matching.eval import (  # noqa: E402
    VectorCache, build_corpus, document_from, evaluate, log, read_jsonl, read_qrels,
)
from matching.rank import HybridRanker, Query  # noqa: E402
from matching.text import tokenize  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("INNOMATCH_DATA", "../shared/data")))
    parser.add_argument("--limit", type=int, default=1000, help="profiles timed for throughput")
    parser.add_argument("--work", type=Path, default=Path("/tmp/innomatch-onnx"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    rows = read_jsonl(args.data / "startups-yc.jsonl")
    docs = [document_from(r) for r in rows]
    queries = read_jsonl(args.data / "needs-dev.jsonl")
    qrels = read_qrels(args.data / "qrels-dev.tsv")
    results = {}
    for name in ("torch", "onnx", "onnx-int8"):
        embedder = Embedder(backend=name, cache_dir=args.work / "models")
        embed_documents(embedder, docs[:32])  # warm up
        started = time.perf_counter()
        embed_documents(embedder, docs[: args.limit])
        rate = args.limit / (time.perf_counter() - started)
        log(f"{name}: {rate:.1f} profiles/s")
        corpus = build_corpus(embedder, docs, VectorCache(args.work / "cache", embedder.model_id))
        qs = [Query(vector=embed_query(embedder, q["text"]), tokens=tuple(tokenize(q["text"]))) for q in queries]
        quality = evaluate(HybridRanker(corpus), qs, [q["id"] for q in queries], qrels, ["hybrid", "dense"], 10)
        results[name] = {"profiles_per_s": round(rate, 1), "hybrid_ndcg@10": quality["hybrid"]["ndcg@10"],
                         "dense_ndcg@10": quality["dense"]["ndcg@10"]}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
