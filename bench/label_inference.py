"""Labels for unlabelled profiles: how much each way of inferring them gives the ranking.

    python bench/label_inference.py [--data DIR] [--cache-dir /tmp/evalcache]

Every profile of the dev directory loses its tags and industries (text and labels), as with the eval CLI's
``--no-labels``; the ranking's label feedback then sees the labels each variant infers. The supervised variants
learn from the other profiles' real labels in 5-fold cross-fitting, so no profile's labels are inferred by a
model that saw them. Prints one JSON object: per variant, label micro precision / recall / F1 against the real
labels and hybrid nDCG@10 / recall@100 for the English and the Chinese dev needs. Document vectors come from the
eval CLI's cache (paired MiniLM + multilingual USE, torch): run the CLI once with the same ``--cache-dir``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from marketplace.core.config import Settings
from matching.corpus import Corpus, entry_for  # noqa: E402
from matching.embed import USE_MODEL, embed_query, load_embedder  # noqa: E402
from matching.eval import document_from, document_vectors, evaluate, log, read_jsonl, read_qrels  # noqa: E402
from matching.labels import fit_labels  # noqa: E402
from matching.rank import HybridRanker, Query  # noqa: E402
from matching.text import canonical_label, tokenize  # noqa: E402

FOLDS = 5


def folds(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, FOLDS, n)


def knn_labels(
    vectors: np.ndarray, truth: list[frozenset], k: int = 20, threshold: float = 0.3, cap: int = 6
) -> list[frozenset]:
    """Labels voted by the k nearest profiles of the other folds (similarity-weighted share ≥ threshold)."""
    fold, out = folds(len(vectors)), [frozenset()] * len(vectors)
    for f in range(FOLDS):
        test, train = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        sims = vectors[test] @ vectors[train].T
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        for row, i in enumerate(test):
            weights = np.maximum(sims[row, top[row]], 0)
            weights = weights / (weights.sum() or 1.0)
            votes: dict[str, float] = {}
            for j, w in zip(train[top[row]], weights, strict=False):
                for label in truth[j]:
                    votes[label] = votes.get(label, 0.0) + float(w)
            best = sorted(votes.items(), key=lambda item: -item[1])[:cap]
            out[i] = frozenset(label for label, share in best if share >= threshold)
    return out


def tfidf_labels(texts: list[str], truth: list[frozenset], threshold: float = 0.2, cap: int = 5) -> list[frozenset]:
    """Labels from a ridge regression on tf-idf of the index terms, trained on the other folds."""
    # scikit-learn is not a dependency: only this comparison needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.linear_model import Ridge  # noqa: PLC0415

    names = sorted({label for labels in truth for label in labels})
    column = {name: j for j, name in enumerate(names)}
    y = np.zeros((len(truth), len(names)), np.float32)
    for i, labels in enumerate(truth):
        for label in labels:
            y[i, column[label]] = 1.0
    x = TfidfVectorizer(token_pattern=r"\S+", min_df=2, sublinear_tf=True).fit_transform(texts)
    fold, scores = folds(len(truth)), np.zeros_like(y)
    for f in range(FOLDS):
        test, train = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        scores[test] = Ridge(alpha=1.0, solver="sparse_cg").fit(x[train], y[train]).predict(x[test])
    return [frozenset(names[j] for j in np.argsort(-row)[:cap] if row[j] >= threshold) for row in scores]


def micro(pred: list[frozenset], truth: list[frozenset]) -> dict[str, float]:
    hits = sum(len(p & t) for p, t in zip(pred, truth, strict=False))
    precision = hits / max(sum(map(len, pred)), 1)
    recall = hits / max(sum(map(len, truth)), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/evalcache"))
    args = parser.parse_args()

    rows = read_jsonl(args.data / "startups-yc.jsonl")
    qrels = read_qrels(args.data / "qrels-dev.tsv")
    embedder = load_embedder(None, multilingual=USE_MODEL, cache_dir=args.cache_dir / "models")
    docs = [document_from(row, labels=False) for row in rows]
    vectors = document_vectors(embedder, docs, args.cache_dir)
    entries = [entry_for(d, v) for d, v in zip(docs, vectors, strict=False)]
    truth = [
        frozenset(
            canonical_label(label) for label in (*(r.get("tags") or ()), *(r.get("industries") or ())) if label.strip()
        )
        for r in rows
    ]
    vocabulary = sorted({label for r in rows for label in (*(r.get("tags") or ()), *(r.get("industries") or ()))})
    needs = {}
    for name in ("needs-dev.jsonl", "needs-dev-zh.jsonl"):
        found = read_jsonl(args.data / name)
        needs[name] = (
            [Query(vector=embed_query(embedder, r["text"]), tokens=tuple(tokenize(r["text"]))) for r in found],
            [str(r["id"]) for r in found],
        )

    def ranked(labels, *, in_text=False, need_labels=None) -> dict:
        corpus = Corpus(embedder.dim)
        corpus.upsert(
            [
                replace(e, labels=found, tokens=e.tokens + tuple(t for x in sorted(found) for t in tokenize(x)))
                if in_text
                else replace(e, labels=found)
                for e, found in zip(entries, labels, strict=False)
            ]
        )
        out = {}
        for name, (queries, ids) in needs.items():
            if need_labels is not None:
                inferred = need_labels.infer(np.stack([q.vector for q in queries]))
                queries = [replace(q, labels=frozenset(found)) for q, found in zip(queries, inferred, strict=False)]
            found = evaluate(HybridRanker(corpus), queries, ids, qrels, ("hybrid",), 10)["hybrid"]
            out[name] = {"ndcg@10": found["ndcg@10"], "recall@100": found["recall@100"]}
        return out

    model = fit_labels(vocabulary, vectors, [e.tokens for e in entries], embedder.encode)
    shipped = [frozenset(found) for found in model.infer(vectors)]
    variants = {
        "none": ([frozenset()] * len(rows), {}),
        "shipped (label names and the profiles naming them)": (shipped, {}),
        "shipped, plus labels inferred for the need": (shipped, {"need_labels": model}),
        "k nearest tagged neighbours, cross-fitted": (knn_labels(vectors, truth), {}),
        "ridge on tf-idf, cross-fitted": (tfidf_labels([" ".join(e.tokens) for e in entries], truth), {}),
        "the profiles' own real labels (ceiling)": (truth, {}),
        "the real labels, also in the keyword text": (truth, {"in_text": True}),
    }
    results = {}
    for name, (labels, options) in variants.items():
        log(name)
        results[name] = {"labels": micro(labels, truth), **ranked(labels, **options)}
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
