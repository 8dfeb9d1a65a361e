"""Calibrates the relevance floor of typed directory searches (matching.rank.SEARCH_DENSE_FLOOR).

    python bench/search_floor.py [--data DIR] [--cache-dir /tmp/evalcache] [--backend torch]
        [--random 50] [--seed 1] [--short-words 3] [--floors 0.25 0.30 0.35 0.40 0.45]

A profile is a real match for a typed search when it holds one of the query's index terms (Chinese words
through the glossary's English terms) or its paired vector's inner product with the query reaches the floor.
This prints, over the 5,551 dev profiles:

* for the 20 dev needs in English and in Chinese, as full text and as a short keyword version (the need's
  ``--short-words`` domain words of highest idf, as written in it: see ``short_version``),
  ranked as the directory search ranks them (``search_settings``, 200 results): how many results and how many
  relevant ones (qrels) the search without the floor returns, and the share of each kept at every floor;
* for ``--random`` queries of random letters (half Latin words, half runs of random CJK characters): how many
  profiles clear each floor;
* the same ranked with the shipped floor, end to end: results per query and nDCG@10 with and without it.

Document vectors come from ``--cache-dir`` (as ``python -m matching.eval`` writes them); the app encodes
queries with int8 ONNX MiniLM, this script with ``--backend`` (torch matches the cache). Reads the data in place;
``--data`` or INNOMATCH_DATA points elsewhere. Prints Markdown tables on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from marketplace.core.config import Settings
from marketplace.rankings.services import search_settings  # noqa: E402
from matching.embed import USE_MODEL, embed_query, load_embedder  # noqa: E402
from matching.eval import build_corpus, document_from, log, ndcg, read_jsonl, read_qrels  # noqa: E402
from matching.rank import SEARCH_DENSE_FLOOR, HybridRanker, Query  # noqa: E402
from matching.text import glossary_forms, term_pairs, tokenize  # noqa: E402

# A short query's words are terms at least this many profiles use: a user types words the directory knows.
MIN_DF = 5
RESULTS = 200
LATIN = "abcdefghijklmnopqrstuvwxyz"
CJK_RANGE = (0x4E00, 0x9FA5)  # the CJK Unified Ideographs block as GB/Unicode fonts cover it


def short_version(text: str, corpus, words: int) -> str:
    """A mechanical keyword version of a need: its ``words`` domain words of highest idf, as written in it.

    Domain words are those whose index term the bilingual glossary knows (in either language; in Chinese that
    is every word that reaches the English directory) and at least MIN_DF profiles use; a word adding no index
    term beyond those already chosen is skipped.
    """
    keywords = corpus.keywords
    candidates: dict[str, tuple[float, set[str]]] = {}
    for written, term in term_pairs(text):
        if glossary_forms(term) and keywords._doc_freq(term) >= MIN_DF:
            score, terms = candidates.get(written, (0.0, set()))
            candidates[written] = (max(score, keywords.idf(term)), terms | {term})
    chosen: list[str] = []
    covered: set[str] = set()
    for written in sorted(candidates, key=lambda w: -candidates[w][0]):
        if len(chosen) < words and not candidates[written][1] <= covered:
            chosen.append(written)
            covered |= candidates[written][1]
    return " ".join(sorted(chosen, key=text.lower().find))


def random_queries(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if i % 2 == 0:
            text = " ".join(
                "".join(rng.choice(LATIN) for _ in range(rng.randint(3, 10))) for _ in range(rng.randint(1, 3))
            )
            out.append(("latin", text))
        else:
            text = " ".join(
                "".join(chr(rng.randint(*CJK_RANGE)) for _ in range(rng.randint(2, 4)))
                for _ in range(rng.randint(1, 2))
            )
            out.append(("cjk", text))
    return out


def query_for(embedder, text: str) -> Query:
    return Query(vector=embed_query(embedder, text), tokens=tuple(tokenize(text)))


def main() -> int:  # noqa: C901 (a benchmark's steps in order, read top to bottom)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--cache-dir", type=Path, default=None, help="document vectors kept between runs")
    parser.add_argument("--backend", choices=["torch", "onnx", "onnx-int8"], default="torch")
    parser.add_argument("--random", type=int, default=50, help="random-letter queries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--short-words", type=int, default=3)
    parser.add_argument("--floors", type=float, nargs="+", default=[0.25, 0.30, 0.33, 0.35, 0.38, 0.40, 0.45])
    args = parser.parse_args()

    docs = [document_from(r) for r in read_jsonl(args.data / "startups-yc.jsonl")]
    qrels = read_qrels(args.data / "qrels-dev.tsv")
    embedder = load_embedder(
        None,
        backend=args.backend,
        multilingual=USE_MODEL,
        cache_dir=(args.cache_dir or Path(tempfile.gettempdir())) / "models",
    )
    corpus = build_corpus(embedder, docs, args.cache_dir)
    vectors = corpus.index.vectors
    floors = sorted(set(args.floors) | {SEARCH_DENSE_FLOOR})
    log(f"{len(docs)} profiles, embedder {embedder.model_id}")

    # -- dev needs: what each floor keeps of the unfloored search ----------------------------------------------
    sets = []
    for language, name in (("English", "needs-dev.jsonl"), ("Chinese", "needs-dev-zh.jsonl")):
        rows = read_jsonl(args.data / name)
        full = [(r["id"], r["text"]) for r in rows]
        short = [(r["id"], short_version(r["text"], corpus, args.short_words)) for r in rows]
        sets += [(language, "full text", full), (language, f"{args.short_words} keywords", short)]
    examples = {}
    needs_table = []
    shipped_table = []
    for language, form, queries in sets:
        results = relevant = 0
        kept_results = {f: 0 for f in floors}
        kept_relevant = {f: 0 for f in floors}
        by_keyword = 0
        shipped_count = []
        ndcg_before, ndcg_after = [], []
        for qid, text in queries:
            query = query_for(embedder, text)
            settings = search_settings(query.tokens, embedder.model_id)
            ranker = HybridRanker(corpus, replace(settings, dense_floor=None))
            matches = ranker.rank(query, k=RESULTS)
            holds = corpus.keywords.scores(query.tokens)
            rel = qrels.get(qid, {})
            for m in matches:
                position = corpus.positions[m.id]
                is_relevant = m.id in rel
                results += 1
                relevant += is_relevant
                by_keyword += is_relevant and holds[position] > 0
                for f in floors:
                    passes = holds[position] > 0 or m.components["dense"] >= f
                    kept_results[f] += passes
                    kept_relevant[f] += passes and is_relevant
            floored = HybridRanker(corpus, settings).rank(query, k=RESULTS)
            shipped_count.append(len(floored))
            ndcg_before.append(ndcg([m.id for m in matches], rel, 10))
            ndcg_after.append(ndcg([m.id for m in floored], rel, 10))
            if form != "full text" and qid in ("d01", "d07", "d13"):
                examples[(language, qid)] = text
        needs_table.append(
            (
                language,
                form,
                len(queries),
                results,
                relevant,
                by_keyword,
                {f: kept_results[f] / max(results, 1) for f in floors},
                {f: kept_relevant[f] / max(relevant, 1) for f in floors},
            )
        )
        shipped_table.append(
            (
                language,
                form,
                min(shipped_count),
                float(np.median(shipped_count)),
                float(np.mean(ndcg_before)),
                float(np.mean(ndcg_after)),
            )
        )
        log(f"{language} {form}: done")

    # -- nonsense: how many profiles clear each floor -----------------------------------------------------------
    nonsense = []
    for script, text in random_queries(args.random, args.seed):
        query = query_for(embedder, text)
        holds = corpus.keywords.scores(query.tokens) > 0
        dense = vectors @ query.vector
        clearing = {f: int((holds | (dense >= f)).sum()) for f in floors}
        shipped = len(HybridRanker(corpus, search_settings(query.tokens, embedder.model_id)).rank(query, k=RESULTS))
        nonsense.append((script, text, float(dense.max()), int(holds.sum()), clearing, shipped))
    log("random queries: done")

    # -- report -------------------------------------------------------------------------------------------------
    print(f"Embedder {embedder.model_id}; {len(docs)} profiles; shipped floor {SEARCH_DENSE_FLOOR}.\n")
    print(
        "Short keyword queries (examples): "
        + "; ".join(f"{qid} {lang}: `{text}`" for (lang, qid), text in examples.items())
        + "\n"
    )
    header = " | ".join(f"{f:.2f}" for f in floors)
    print(
        "Dev needs, 200 results each without the floor: share of relevant results kept (share of all results "
        "kept) at each floor\n"
    )
    print(f"| queries | results | relevant | relevant holding a query term | {header} |")
    print("| --- | ---: | ---: | ---: |" + " ---: |" * len(floors))
    for language, form, n, results, relevant, by_keyword, kept_all, kept_rel in needs_table:
        cells = " | ".join(f"{kept_rel[f]:.1%} ({kept_all[f]:.0%})" for f in floors)
        print(f"| {language}, {form} ({n}) | {results} | {relevant} | {by_keyword / max(relevant, 1):.1%} | {cells} |")
    print(f"\nWith the shipped floor ({SEARCH_DENSE_FLOOR}), end to end: results per query and nDCG@10\n")
    print("| queries | fewest results | median results | nDCG@10 without the floor | with it |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for language, form, fewest, median, before, after in shipped_table:
        print(f"| {language}, {form} | {fewest} | {median:.0f} | {before:.3f} | {after:.3f} |")
    print(f"\nRandom-letter queries ({len(nonsense)}): profiles clearing each floor (of {len(docs)})\n")
    print(f"| script | queries | highest inner product | holding a query term | {header} | results (shipped) |")
    print("| --- | ---: | ---: | ---: |" + " ---: |" * len(floors) + " ---: |")
    for script in ("latin", "cjk"):
        group = [row for row in nonsense if row[0] == script]
        if not group:
            continue
        cells = " | ".join(
            f"{sum(row[4][f] for row in group)} in {sum(1 for row in group if row[4][f])}" for f in floors
        )
        print(
            f"| {'Latin' if script == 'latin' else 'CJK'} | {len(group)} | {max(row[2] for row in group):.3f} | "
            f"{sum(1 for row in group if row[3])} | {cells} | {sum(row[5] for row in group)} |"
        )
    print(
        '\n("N in Q": N profiles in total over Q queries.) Queries: '
        + ", ".join(f"`{text}`" for _s, text, *_rest in nonsense[:6])
        + ", …"
    )
    closest = sorted(nonsense, key=lambda row: -row[2])[:3]
    print(
        "Closest in meaning: "
        + ", ".join(f"`{text}` {top:.3f}" for _s, text, top, *_rest in closest)
        + ". Holding an index term: "
        + (", ".join(f"`{row[1]}` ({row[3]} profiles)" for row in nonsense if row[3]) or "none")
        + "."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
