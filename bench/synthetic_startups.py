"""Synthetic startup profiles at scale, written straight into PostgreSQL with their stored vectors.

Used by ``bench/scale.py``. Profiles read like the seed's: they are composed from the same phrase banks
(``fixtures/startup_phrases``) with the seed generator's helpers, so names, one-liners, 25-60 word
descriptions, sectors (``marketplace.core.taxonomy.Sector`` values), tags, stages and founding years have the
seed's shape, and every row passes ``StartupInput``.

Encoding 100,000 texts with the model takes about 17 minutes on this machine, so only a few hundred
*archetypes* are encoded for real. An archetype fixes what a profile is about (sector, theme, template,
product, problem, edge, founder, customers); each profile renders one with its own name, city, year,
numbers and tag subset, and stores its archetype's vectors plus Gaussian noise (renormalised), the way
``bench/ranking.py`` grows corpora from real vectors. Sentences, index terms, labels and the content
hash come from the profile's real ``startup_document``, so ``refresh_vectors`` and ``rebuild_index`` see
every stored vector as fresh and never re-encode.

Rows go in with PostgreSQL COPY in chunks (startup, listing, profile_vector), not through the ORM.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from marketplace.core.validation import validate
from marketplace.rankings.documents import startup_document
from marketplace.rankings.services import _explainable_sentences, _hash
from marketplace.startups.models import StartupInput
from matching.corpus import entry_for
from matching.embed import embed_documents

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "fixtures"))

import generate_startups as seedgen  # noqa: E402 - the seed's own generator: phrase banks and helpers

CHUNK = 5000
MIN_WORDS, MAX_WORDS = 25, 60
# Extra syllables so 100k names are not all drawn from the phrase banks' ~20 stems per sector.
SYLLABLES = (
    "",
    "",
    "",
    "Yun",
    "Hua",
    "Xin",
    "Rui",
    "Tai",
    "Bo",
    "Kang",
    "Zhi",
    "Ling",
    "Feng",
    "Sheng",
    "Neo",
    "One",
    "Prime",
    "Nova",
    "Flux",
    "Grid",
    "Wise",
    "Core",
    "Hub",
    "Link",
)
STARTUP_COLUMNS = (
    "id",
    "slug",
    "name",
    "website",
    "founded_year",
    "city",
    "country",
    "stage",
    "team_size",
    "funding_raised_usd",
    "description",
    "products",
    "tags",
    "sectors",
    "customers",
    "contact_name",
    "contact_email",
    "created_at",
    "updated_at",
    "version",
)
LISTING_COLUMNS = ("incubator_id", "startup_id", "external_id", "created_at")
VECTOR_COLUMNS = (
    "kind",
    "entity_id",
    "model",
    "content_hash",
    "vector",
    "sentences",
    "sentence_vectors",
    "tokens",
    "labels",
    "updated_at",
)


@dataclass(frozen=True)
class Archetype:
    """What a family of profiles is about; its members differ only in names, places and numbers."""

    sector: str
    sectors: tuple[str, ...]
    theme: dict
    template: str
    product: tuple[str, str]
    problem: str
    diff: str
    founder: str
    customers: tuple[str, int]
    traction: tuple[str, int, int]

    @property
    def module(self):
        return seedgen.MODULES[self.sector]


def make_archetypes(rng: random.Random, count: int) -> list[Archetype]:
    """``count`` archetypes spread over the sectors by the seed's plan weights, each rendering to 25-60 words."""
    sectors = [sector for sector, weight in seedgen.PLAN for _ in range(weight)]
    out: list[Archetype] = []
    while len(out) < count:
        archetype = _draw_archetype(rng, rng.choice(sectors))
        words = len(render(archetype, random.Random(len(out)), 0)["description"].split())
        if MIN_WORDS + 2 <= words <= MAX_WORDS - 2:
            out.append(archetype)
    return out


def _draw_archetype(rng: random.Random, sector: str) -> Archetype:
    module = seedgen.MODULES[sector]
    theme = rng.choices(module.THEMES, weights=[t["weight"] for t in module.THEMES])[0]
    sectors = [sector]
    if theme.get("secondary") and rng.random() < 0.45:
        sectors.append(rng.choice(theme["secondary"]))
    diffs = theme.get("diffs") if rng.random() < 0.65 else None
    tractions = theme["traction"] if rng.random() < 0.75 else module.TRACTION
    founders = theme.get("founders") if rng.random() < 0.6 else None
    return Archetype(
        sector=sector,
        sectors=tuple(sectors),
        theme=theme,
        template=rng.choice(module.TEMPLATES),
        product=rng.choice(theme["products"]),
        problem=rng.choice(theme["problems"]),
        diff=rng.choice(diffs or module.DIFFERENTIATORS),
        founder=rng.choice(founders or module.FOUNDERS),
        customers=rng.choice(theme["customers"]),
        traction=rng.choice(tractions),
    )


def _place(rng: random.Random, module) -> tuple[bool, str, str, str, str, str]:
    """(international?, city, country, region, wider region, currency word), weighted like the seed."""
    if rng.random() < module.INTL_SHARE:
        city = rng.choice(sorted(seedgen.INTL_CITIES))
        country, regions, currency = seedgen.INTL_CITIES[city]
        return True, city, country, regions[0], regions[-1], currency
    city, province = seedgen.weighted(rng, [((c, p), w) for c, p, w in seedgen.CN_CITIES])
    return False, city, "China", province, seedgen.WIDER_REGION[province], "yuan"


def render(archetype: Archetype, rng: random.Random, index: int) -> dict:
    """One profile's fields (as StartupInput takes them) from an archetype and a per-profile generator."""
    module = archetype.module
    intl, city, country, region, wider, currency = _place(rng, module)
    stage = rng.choices(seedgen.STAGES, weights=seedgen.STAGE_WEIGHTS)[0]
    profile = seedgen.STAGE_PROFILE[stage]
    stems = module.STEMS_EN if intl or rng.random() < 0.2 else module.STEMS_CN
    stem = rng.choice(stems) + rng.choice(SYLLABLES).lower()
    name = seedgen.compose_name(rng, stem, stems is module.STEMS_EN, module.SUFFIXES)
    brand = name.split()[0]
    year = rng.randint(*profile["years"])
    product, pitch = archetype.product
    text, low, high = archetype.traction
    traction = text.format(k=f"{seedgen.scaled(rng, low, high, profile['frac']):,}", cur=currency)
    noun, cap = archetype.customers
    description = archetype.template.format(
        name=name,
        city=city,
        year=year,
        pname=f"{brand} {product}",
        pk=pitch,
        cust=noun,
        problem=archetype.problem,
        diff=archetype.diff,
        traction=traction,
        founder=archetype.founder,
    )
    theme_tags = archetype.theme["tags"]
    tags = rng.sample(theme_tags, min(len(theme_tags), rng.randint(2, 4))) + rng.sample(module.TAGS, 1)
    slug = f"{seedgen.slugify(name)}-{index:06d}"
    contact_name, contact_email = seedgen.make_contact(rng, city, slug)
    return {
        "name": name,
        "website": f"https://{slug}.example",
        "founded_year": year,
        "city": city,
        "country": country,
        "stage": stage,
        "team_size": rng.randint(*profile["team"]),
        "funding_raised_usd": seedgen.pick_funding(rng, stage),
        "description": seedgen.capitalise_sentences(description),
        "products": f"{brand} {product}, {pitch}.",
        "tags": list(dict.fromkeys(tags)),
        "sectors": list(archetype.sectors),
        "customers": seedgen.make_customers(rng, noun, cap, stage, not intl, region, wider),
        "contact_name": contact_name,
        "contact_email": contact_email,
        "slug": slug,
    }


@dataclass
class ArchetypeVectors:
    """The real encodings of the archetypes' prototype profiles (what refresh_vectors would store)."""

    vectors: np.ndarray
    sentence_vectors: list[np.ndarray]


def encode_archetypes(embedder, archetypes: list[Archetype]) -> ArchetypeVectors:
    """Encodes one prototype profile per archetype with the real model, as refresh_vectors does."""

    docs = [startup_document(_as_startup(-i, render(a, random.Random(i), 0))) for i, a in enumerate(archetypes)]
    vectors = embed_documents(embedder, docs)
    groups = [_explainable_sentences(doc) for doc in docs]
    flat = embedder.encode([s for group in groups for s in group])
    out, offset = [], 0
    for group in groups:
        out.append(flat[offset : offset + len(group)])
        offset += len(group)
    return ArchetypeVectors(vectors, out)


def _as_startup(startup_id: int, fields: dict) -> SimpleNamespace:
    """Just what startup_document reads, without building ORM objects for 100k rows."""
    return SimpleNamespace(id=startup_id, **fields)


def _noisy(base: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    rows = base + noise * rng.standard_normal(base.shape).astype(np.float32)
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


@dataclass
class Plan:
    """Everything that decides the rows: same arguments, same rows."""

    count: int
    seed: int = 1
    archetypes: int = 400
    noise: float = 0.03


class Generator:
    """Writes ``plan.count`` startups, one listing each and their ProfileVector rows, in COPY chunks."""

    def __init__(
        self,
        plan: Plan,
        *,
        model_id: str,
        incubators: dict[str, int],
        archetypes: list[Archetype],
        encoded: ArchetypeVectors,
    ) -> None:
        self.plan = plan
        self.model_id = model_id
        self.incubators = incubators
        self.archetypes = archetypes
        self.encoded = encoded
        self.rng = random.Random(plan.seed)
        self.noise_rng = np.random.default_rng(plan.seed)
        self.timings = {"render_validate_s": 0.0, "vectors_terms_hash_s": 0.0, "copy_s": 0.0}
        self.now = datetime.now(UTC)

    def chunks(self, first_id: int) -> Iterator[list[tuple[int, dict]]]:
        """Validated profiles with their ids, CHUNK at a time (drawn in order, so reproducible)."""

        chunk: list[tuple[int, dict]] = []
        for offset in range(self.plan.count):
            started = time.perf_counter()
            startup_id = first_id + offset
            archetype_index = self.rng.randrange(len(self.archetypes))
            fields = render(self.archetypes[archetype_index], self.rng, startup_id)
            slug = fields.pop("slug")
            clean = validate(StartupInput, fields).model_dump(mode="json")
            clean.update(slug=slug, archetype=archetype_index, incubator=self._incubator(clean["sectors"][0]))
            chunk.append((startup_id, clean))
            self.timings["render_validate_s"] += time.perf_counter() - started
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _incubator(self, sector: str) -> int:
        weights = {slug: w for slug, w in seedgen.MODULES[sector].INCUBATORS.items() if slug in self.incubators}
        return self.incubators[seedgen.weighted(self.rng, sorted(weights.items()))]

    def vector_rows(self, chunk: list[tuple[int, dict]]) -> list[tuple]:
        """ProfileVector rows exactly as refresh_vectors would write them, but with noisy archetype vectors."""

        started = time.perf_counter()
        bases = self.encoded.vectors[[fields["archetype"] for _id, fields in chunk]]
        vectors = _noisy(bases, self.noise_rng, self.plan.noise)
        rows = []
        for (startup_id, fields), vector in zip(chunk, vectors, strict=False):
            doc = startup_document(_as_startup(startup_id, _startup_fields(fields)))
            group = _explainable_sentences(doc)
            prototype = self.encoded.sentence_vectors[fields["archetype"]]
            sentence_vectors = _noisy(
                np.resize(prototype, (len(group), prototype.shape[1])), self.noise_rng, self.plan.noise
            )
            entry = entry_for(doc, vector)
            rows.append(
                (
                    "startup",
                    startup_id,
                    self.model_id,
                    _hash(self.model_id, doc),
                    vector.tobytes(),
                    json.dumps(group),
                    sentence_vectors.astype(np.float16).tobytes(),
                    json.dumps(list(entry.tokens)),
                    json.dumps(sorted(entry.labels)),
                    self.now,
                )
            )
        self.timings["vectors_terms_hash_s"] += time.perf_counter() - started
        return rows

    def startup_rows(self, chunk: list[tuple[int, dict]]) -> tuple[list[tuple], list[tuple]]:
        startups, listings = [], []
        for startup_id, fields in chunk:
            created = self.now - timedelta(days=3 + self.rng.randrange(3 * 365), seconds=self.rng.randrange(86400))
            values = {
                **_startup_fields(fields),
                "id": startup_id,
                "slug": fields["slug"],
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
            values["tags"], values["sectors"] = json.dumps(values["tags"]), json.dumps(values["sectors"])
            startups.append(tuple(values[c] for c in STARTUP_COLUMNS))
            listings.append((fields["incubator"], startup_id, f"SCALE-{startup_id:07d}", created))
        return startups, listings

    def write(self, connection, first_id: int, progress=None) -> int:
        """Generates and COPYs every chunk on a psycopg connection, committing per chunk; returns rows."""
        written = 0
        for chunk in self.chunks(first_id):
            vectors = self.vector_rows(chunk)
            startups, listings = self.startup_rows(chunk)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _copy(cursor, "startup", STARTUP_COLUMNS, startups)
                _copy(cursor, "listing", LISTING_COLUMNS, listings)
                _copy(cursor, "profile_vector", VECTOR_COLUMNS, vectors)
            connection.commit()
            self.timings["copy_s"] += time.perf_counter() - started
            written += len(chunk)
            if progress:
                progress(written)
        return written


def _startup_fields(fields: dict) -> dict:
    """The profile's own columns (the generator's bookkeeping keys dropped)."""
    return {k: v for k, v in fields.items() if k not in ("slug", "archetype", "incubator")}


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
