"""How well a need and a profile fit, on one 0-100 scale that reads the same on every page.

The ranking's own score cannot be shown: it is a fusion of z-scores over the candidate pool, refined by feedback
from the pool's best results, so the same pair scores differently in a ranking of every startup and in one of an
incubator's portfolio, and its numbers mean nothing outside that list. The fit is made from what the pair alone
decides, so one need and one startup get the same numbers wherever they are shown:

- **meaning**: the cosine similarity of the two profiles' embeddings (the paired vector's inner product),
  times 100, below zero counted as 0;
- **keywords**: the share of the need's distinct index terms the profile uses too, each term weighted by its
  idf (rarer terms count more), times 100; terms no profile in the index uses are left out (no profile could
  hold them);
- **fit**: ``DENSE_WEIGHT`` × meaning + (1 - ``DENSE_WEIGHT``) × keywords, the ranking's own balance of the two.

All three are absolute: nothing is rescaled so that the best of a list is 100. The ranking orders by more than
these two (the tags the best matches share, the need's expanded terms), so a card can sit above one with a higher
fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from matching.rank import RankSettings

# The ranking's weight of the dense side (RankSettings.dense_weight): the fit weighs meaning and keywords the same.
DENSE_WEIGHT = RankSettings().dense_weight


@dataclass(frozen=True)
class Fit:
    """A pair's fit and its two parts, each a whole number from 0 to 100."""

    score: int
    meaning: int
    keywords: int


def meaning_points(similarity: float) -> float:
    """The embeddings' cosine similarity on the 0-100 scale: × 100, clipped to [0, 100]."""
    if not math.isfinite(similarity):
        return 0.0
    return 100.0 * min(max(similarity, 0.0), 1.0)


def keyword_points(
    need_terms: Iterable[str],
    profile_terms: Iterable[str],
    idf: Callable[[str], float],
    known: Callable[[str], bool] = lambda _term: True,
) -> float:
    """The idf-weighted share of the need's distinct index terms that the profile uses too, × 100.

    ``idf`` weighs a term; ``known`` says whether any indexed profile uses it (terms none uses are left out of
    the share). A need without a weighed term scores 0.
    """
    held = set(profile_terms)
    total = shared = 0.0
    for term in set(need_terms):
        if not known(term):
            continue
        weight = max(float(idf(term)), 0.0)
        total += weight
        if term in held:
            shared += weight
    return 100.0 * shared / total if total > 0 else 0.0


def fit_of(
    similarity: float,
    need_terms: Iterable[str],
    profile_terms: Iterable[str],
    idf: Callable[[str], float],
    known: Callable[[str], bool] = lambda _term: True,
) -> Fit:
    """The fit of a need and a profile (see the module's docstring): meaning from the embeddings' cosine
    similarity, keywords from the need's terms the profile shares, and their weighted sum, each 0-100."""
    meaning = meaning_points(similarity)
    keywords = keyword_points(need_terms, profile_terms, idf, known)
    score = DENSE_WEIGHT * meaning + (1 - DENSE_WEIGHT) * keywords
    return Fit(score=_whole(score), meaning=_whole(meaning), keywords=_whole(keywords))


def _whole(points: float) -> int:
    """Rounded half up (not to even), within 0-100."""
    return int(min(max(math.floor(points + 0.5), 0), 100))
