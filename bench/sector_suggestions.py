"""How well sectors suggested from a profile's text agree with the sectors people gave, on the seeded world.

    python bench/sector_suggestions.py [--thresholds 0.5 0.8 1.0 1.2 1.5]

Seeds a scratch SQLite world (fixtures/), fits the sector model the app fits (marketplace.rankings
.services._sector_model: prototypes from the tagged profiles plus each sector's name in both languages) and,
for every tagged profile, suggests up to two sectors whose standardised closeness reaches each threshold.
Prints precision and recall against the profiles' own sectors. In-sample (a profile helps build the prototype
it is compared with), so read it as an upper bound. Progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from marketplace.rankings import services
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import seeded_app  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.8, 1.0, 1.2, 1.5])
    args = parser.parse_args()
    app = seeded_app(f"sqlite:///{tempfile.mkdtemp()}/sectors.sqlite3")

    with app.test_request_context():
        model = services._sector_model()
        _version, corpus = engine().corpus(ProfileKind.STARTUP)
    alive = np.flatnonzero(corpus.alive)
    z = (corpus.index.vectors[alive] @ model.prototypes.T - model.mean) / model.std
    truth = [{label for label in model.labels if label in corpus.labels[p]} for p in alive]
    results = {}
    for threshold in args.thresholds:
        tp = fp = fn = 0
        for row, wanted in zip(z, truth, strict=False):
            if not wanted:
                continue
            got = {model.labels[j] for j in np.argsort(-row)[:2] if row[j] >= threshold}
            tp, fp, fn = tp + len(got & wanted), fp + len(got - wanted), fn + len(wanted - got)
        results[str(threshold)] = {"precision": round(tp / max(tp + fp, 1), 3), "recall": round(tp / (tp + fn), 3)}
    print(json.dumps({"profiles": sum(1 for t in truth if t), "per_threshold": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
