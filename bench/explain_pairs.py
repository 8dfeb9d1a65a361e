"""How similar true and unrelated sentence pairs are under the app's sentence vectors, to set
``matching.explain.PAIRED_FLOORS`` (the floors under the sentence pairs shown beside a match, one per language
pairing: both English, both Chinese, one of each).

    python bench/explain_pairs.py [--data DIR] [--profiles 10] [--seed 1] [--work /tmp/innomatch-onnx]

Reads the dev needs in place: ``needs-dev-zh.jsonl`` is ``needs-dev.jsonl`` translated line by line, with the
same sentences, so sentence i of a Chinese need and sentence i of its English original are a true pair.

- translations: the similarity of each true pair, and how often ``explain`` pairs a sentence with its own
  translation when every sentence of the other language is on offer (both directions);
- unrelated: sentences of two different needs (zh↔en, en↔en, zh↔zh): percentiles and maximum;
- profiles: for each need (English and Chinese), the best pair ``explain`` finds against the sentences of
  ``--profiles`` public profiles judged highly relevant (grade 2 in qrels-dev.tsv) and as many judged not
  relevant (absent from the judgements; a fixed random sample);
- every distribution also says how much of it passes the single floor used with MiniLM alone;
- the Chinese floor: there are no Chinese public profiles, so it is the similarity that the same share of
  Chinese sentence pairs of two different needs reaches as English pairs reach at the English floor.

Vectors are the app's default (MiniLM int8 ONNX paired with multilingual USE v3, float16 as stored). Prints
one JSON object; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from marketplace.core.config import Settings
from matching.embed import USE_MODEL, load_embedder  # noqa: E402
from matching.eval import document_from, log, read_jsonl  # noqa: E402
from matching.explain import PAIRED_FLOORS, SINGLE_MODEL_FLOOR, explain  # noqa: E402
from matching.text import sentences  # noqa: E402

MAX_SENTENCES = 40  # as marketplace.rankings.services stores them


FLOOR = {
    "en_en": PAIRED_FLOORS.english,
    "zh_zh": PAIRED_FLOORS.chinese,
    "zh_en": PAIRED_FLOORS.across,
    "en_zh": PAIRED_FLOORS.across,
}


def stats(values, floor: float) -> dict:
    a = np.asarray(values, dtype=np.float64)
    if not len(a):
        return {"n": 0}
    q = np.percentile(a, [1, 10, 50, 90, 99])
    return {
        "n": int(len(a)),
        "min": round(float(a.min()), 3),
        "p01": round(q[0], 3),
        "p10": round(q[1], 3),
        "p50": round(q[2], 3),
        "p90": round(q[3], 3),
        "p99": round(q[4], 3),
        "max": round(float(a.max()), 3),
        "floor": floor,
        "share_at_or_above_floor": round(float((a >= floor).mean()), 3),
        f"share_at_or_above_{SINGLE_MODEL_FLOOR}": round(float((a >= SINGLE_MODEL_FLOOR).mean()), 3),
    }


def encode(embedder, texts: list[str]) -> np.ndarray:
    """As stored: float16 rows (the app keeps sentence vectors in float16)."""
    return embedder.encode(texts).astype(np.float16).astype(np.float32)


def best_pair(q_sents, q_vecs, d_sents, d_vecs) -> float:
    result = explain(
        query_sentences=q_sents,
        query_vectors=q_vecs,
        doc_sentences=d_sents,
        doc_vectors=d_vecs,
        query_text="",
        doc_text="",
        max_pairs=1,
        min_similarity=-1.0,
    )
    return result.pairs[0].similarity if result.pairs else -1.0


def main() -> int:  # noqa: C901 (a benchmark's steps in order, read top to bottom)
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--profiles", type=int, default=10, help="relevant and unrelated profiles per need")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/innomatch-onnx"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    en = {r["id"]: r["text"] for r in read_jsonl(args.data / "needs-dev.jsonl")}
    zh = {r["id"]: r["text"] for r in read_jsonl(args.data / "needs-dev-zh.jsonl")}
    ids = [i for i in en if i in zh]
    split = {lang: {i: sentences(texts[i]) for i in ids} for lang, texts in (("en", en), ("zh", zh))}
    aligned = [i for i in ids if len(split["en"][i]) == len(split["zh"][i])]
    log(f"{len(ids)} needs, {len(aligned)} with as many sentences in both languages")

    embedder = load_embedder(None, backend="onnx-int8", cache_dir=args.work, multilingual=USE_MODEL)
    flat = {lang: [(i, s) for i in aligned for s in split[lang][i]] for lang in ("en", "zh")}
    vecs = {lang: encode(embedder, [s for _i, s in flat[lang]]) for lang in flat}
    need_of = {lang: np.array([i for i, _s in flat[lang]]) for lang in flat}

    # Translations: sentence k of both lists is the same sentence.
    true = stats([float(vecs["zh"][k] @ vecs["en"][k]) for k in range(len(flat["zh"]))], FLOOR["zh_en"])
    found = {}
    for q, d in (("zh", "en"), ("en", "zh")):
        hits = 0
        sims = vecs[q] @ vecs[d].T
        for k in range(len(flat[q])):
            hits += int(np.argmax(sims[k]) == k)
        found[f"{q}_to_{d}_top1_among_{len(flat[d])}"] = round(hits / len(flat[q]), 3)
        # explain() on each need against its own translation: every sentence paired with its translation?
        right = total = 0
        for i in aligned:
            rows = np.flatnonzero(need_of[q] == i)
            result = explain(
                query_sentences=[flat[q][r][1] for r in rows],
                query_vectors=vecs[q][rows],
                doc_sentences=[flat[d][r][1] for r in rows],
                doc_vectors=vecs[d][rows],
                query_text="",
                doc_text="",
                max_pairs=len(rows),
                min_similarity=PAIRED_FLOORS,
            )
            want = {(flat[q][r][1], flat[d][r][1]) for r in rows}
            right += sum((p.query_sentence, p.doc_sentence) in want for p in result.pairs)
            total += len(rows)
        found[f"{q}_to_{d}_explain_pairs_translation"] = f"{right}/{total}"

    unrelated, different = {}, {}
    for q, d in (("zh", "en"), ("en", "en"), ("zh", "zh")):
        sims = vecs[q] @ vecs[d].T
        different[f"{q}_{d}"] = sims[need_of[q][:, None] != need_of[d][None, :]]
        unrelated[f"{q}_{d}"] = stats(different[f"{q}_{d}"], FLOOR[f"{q}_{d}"])
    english_share = float((different["en_en"] >= PAIRED_FLOORS.english).mean())
    chinese_floor = {
        "english_floor_passes_share_of_english_pairs": round(english_share, 3),
        "same_share_of_chinese_pairs_passes_at": round(float(np.quantile(different["zh_zh"], 1 - english_share)), 3),
    }

    # Profiles: the best pair explain() would show, relevant vs not judged.
    qrels: dict[str, dict[int, int]] = {}
    for line in (args.data / "qrels-dev.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            qrels.setdefault(parts[0], {})[int(parts[2])] = int(parts[3])
    corpus = {int(r["id"]): document_from(r) for r in read_jsonl(args.data / "startups-yc.jsonl")}
    rng = random.Random(args.seed)
    chosen: dict[str, tuple[list[int], list[int]]] = {}
    for i in ids:
        judged = qrels.get(i, {})
        relevant = sorted(p for p, grade in judged.items() if grade >= 2 and p in corpus)
        unjudged = sorted(p for p in corpus if p not in judged)
        chosen[i] = (rng.sample(relevant, min(args.profiles, len(relevant))), rng.sample(unjudged, args.profiles))
    needed = sorted({p for rel, unrel in chosen.values() for p in rel + unrel})
    profile_sents = {
        p: (sentences(f"{corpus[p].summary}\n{corpus[p].body}") or [corpus[p].header()])[:MAX_SENTENCES] for p in needed
    }
    log(f"encoding the sentences of {len(needed)} profiles")
    all_sents = [s for p in needed for s in profile_sents[p]]
    all_vecs = encode(embedder, all_sents)
    profile_vecs, offset = {}, 0
    for p in needed:
        profile_vecs[p] = all_vecs[offset : offset + len(profile_sents[p])]
        offset += len(profile_sents[p])
    need_vecs = {lang: {i: encode(embedder, split[lang][i]) for i in ids} for lang in ("en", "zh")}
    profiles = {}
    for lang in ("zh", "en"):
        for group, pick in (("relevant", 0), ("unrelated", 1)):
            best = [
                best_pair(split[lang][i], need_vecs[lang][i], profile_sents[p], profile_vecs[p])
                for i in ids
                for p in chosen[i][pick]
            ]
            profiles[f"{lang}_need_{group}_profiles_best_pair"] = stats(best, FLOOR[f"{lang}_en"])

    print(
        json.dumps(
            {
                "model": embedder.model_id,
                "floors": FLOOR,
                "translations": {"pairs": true, **found},
                "different_need_sentences": unrelated,
                "chinese_floor": chinese_floor,
                "profiles": profiles,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
