"""A small deterministic embedder for unit tests: hashed bag of stems, L2-normalised."""

from __future__ import annotations

import hashlib

import numpy as np

from matching.text import tokenize

DIM = 64


def vector(text: str) -> np.ndarray:
    out = np.zeros(DIM, dtype=np.float32)
    for token in tokenize(text):
        out[int(hashlib.md5(token.encode()).hexdigest(), 16) % DIM] += 1.0
    norm = np.linalg.norm(out)
    return out / norm if norm else out
