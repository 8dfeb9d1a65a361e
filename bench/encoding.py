"""Encoding throughput and memory per embedding configuration.

    python bench/encoding.py [--data DIR] [--limit 1000] [--work /tmp/innomatch-onnx]
        [--configs torch onnx onnx-int8 use paired]

Configurations: MiniLM on torch (float32), ONNX (float32, exported locally from the packaged model) and
ONNX int8 (dynamically quantised for this CPU); ``use``: the multilingual USE v3 alone (numpy, 6-bit
embedding table: the package has no other engine); ``paired``: MiniLM int8 + USE in one vector, as the app
runs by default. For each: profiles per second for the profile vector alone (header + 60-word passages), and
for everything an import encodes (the profile vector plus one vector per sentence for explanations, as
``refresh_vectors`` does), and the resident memory the loaded model added. Quality per configuration comes
from ``python -m matching.eval`` (docs/benchmarks.md). Prints one JSON object; progress on stderr.
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

from marketplace.core.config import Settings
from matching.embed import USE_MODEL, embed_documents, load_embedder  # noqa: E402
from matching.eval import document_from, log, read_jsonl  # noqa: E402
from matching.text import sentences  # noqa: E402

CONFIGS = {
    "torch": dict(backend="torch"),
    "onnx": dict(backend="onnx"),
    "onnx-int8": dict(backend="onnx-int8"),
    "use": dict(model=USE_MODEL),
    "paired": dict(backend="onnx-int8", multilingual=USE_MODEL),
}


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(Settings.from_env().DATA_DIR))
    parser.add_argument("--limit", type=int, default=1000, help="profiles timed for throughput")
    parser.add_argument("--work", type=Path, default=Path("/tmp/innomatch-onnx"))
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    docs = [document_from(r) for r in read_jsonl(args.data / "startups-yc.jsonl")][: args.limit]
    sentence_lists = [(sentences(f"{d.summary}\n{d.body}") or [d.header()])[:40] for d in docs]
    results = {}
    for name in args.configs:
        before = rss_mb()
        embedder = load_embedder(cache_dir=args.work / "models", **CONFIGS[name])
        embed_documents(embedder, docs[:32])  # warm up (and load lazily loaded weights)
        memory = rss_mb() - before
        started = time.perf_counter()
        embed_documents(embedder, docs)
        vector_rate = len(docs) / (time.perf_counter() - started)
        started = time.perf_counter()
        embed_documents(embedder, docs)
        embedder.encode([s for group in sentence_lists for s in group])
        import_rate = len(docs) / (time.perf_counter() - started)
        log(
            f"{name}: {vector_rate:.1f} profiles/s (vector), {import_rate:.1f} profiles/s (with sentences), "
            f"+{memory:.0f} MB"
        )
        results[name] = {
            "model_id": embedder.model_id,
            "dim": embedder.dim,
            "profiles_per_s_vector": round(vector_rate, 1),
            "profiles_per_s_with_sentences": round(import_rate, 1),
            "model_rss_mb": round(memory),
        }
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
