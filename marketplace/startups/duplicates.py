"""Likely duplicate startup profiles (same website domain, or names that read the same)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz

from marketplace.core.db import db
from marketplace.core.text_keys import domain_of, normalised_name
from marketplace.startups.models import Startup

NAME_SIMILARITY = 90


@dataclass(frozen=True)
class DuplicatePair:
    first_id: int
    second_id: int
    reason: str  # "domain" or "name"
    score: int


def likely_duplicates(limit: int = 200) -> list[DuplicatePair]:
    """Pairs worth a look, surest first. Names are compared within blocks of the same first
    three characters, which keeps the work near linear for tens of thousands of profiles."""
    rows = db.session.execute(sa.select(Startup.id, Startup.name, Startup.website).order_by(Startup.id)).all()
    by_domain: dict[str, list[int]] = defaultdict(list)
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for startup_id, name, website in rows:
        domain = domain_of(website)
        if domain:
            by_domain[domain].append(startup_id)
        key = normalised_name(name)
        if key:
            blocks[key[:3]].append((startup_id, key))
    pairs = _same_domain_pairs(by_domain)
    for members in blocks.values():
        _add_similar_name_pairs(members, pairs)
    return sorted(pairs.values(), key=lambda p: (-p.score, p.first_id, p.second_id))[:limit]


def _same_domain_pairs(by_domain: dict[str, list[int]]) -> dict[tuple[int, int], DuplicatePair]:
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for ids in by_domain.values():
        for i, first in enumerate(ids):
            for second in ids[i + 1 :]:
                pairs[(first, second)] = DuplicatePair(first, second, "domain", 100)
    return pairs


def _add_similar_name_pairs(members: list[tuple[int, str]], pairs: dict[tuple[int, int], DuplicatePair]) -> None:
    """Adds the pairs of one block whose names read alike (a pair already found by its domain stays so)."""
    for i, (first, a) in enumerate(members):
        for second, b in members[i + 1 :]:
            if (first, second) in pairs:
                continue
            score = int(fuzz.ratio(a, b))
            if score >= NAME_SIMILARITY:
                pairs[(first, second)] = DuplicatePair(first, second, "name", score)
