"""Embeddings, the search index and ranking, for both directions.

The only module of the marketplace that calls the ``matching`` library.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import sqlalchemy as sa
from flask_babel import force_locale
from redis.exceptions import RedisError

from marketplace.accounts.models import User
from marketplace.core.db import db, utcnow
from marketplace.core.extensions import redis_connection
from marketplace.core.list_queries import Page
from marketplace.core.taxonomy import Sector
from marketplace.jobs.queue import enqueue, enqueue_now
from marketplace.needs.models import Need
from marketplace.needs.queries import OPEN, needs_for_user, readable_need_ids
from marketplace.rankings.documents import need_document, startup_document
from marketplace.rankings.engine import engine
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.models import ProfileVector
from marketplace.rankings.rules import only_own_portfolio
from marketplace.startups.models import Listing, Startup
from matching import store
from matching.corpus import Corpus, Entry, entry_for
from matching.embed import embed_documents, embed_query
from matching.explain import Explanation, explain, pair_floors
from matching.fit import DENSE_WEIGHT, Fit, fit_of
from matching.keywords import KeywordIndex
from matching.labels import LabelSettings, fit_labels
from matching.rank import HybridRanker, Query, RankSettings, search_dense_floor
from matching.text import content_hash, sentences, tokenize
from matching.types import Document, Filters, Match

log = logging.getLogger(__name__)

MAX_SENTENCES = 40
# A directory search of a few words is a lookup: the profiles holding those words must come first. At 100k
# profiles a rare word's only profile was buried (bench/scale.py's one-word search): its dense score sat far
# below a tight pool of near neighbours, and the feedback passes pulled towards them. Short searches rank
# without feedback and with a floor under each standardised score.
LOOKUP_MAX_TERMS = 3
LOOKUP_SETTINGS = RankSettings(rocchio_beta=0.0, expansion_terms=0, label_weight=0.0, z_floor=-2.0)
# Profiles per query while refreshing vectors (PostgreSQL takes at most 65,535 parameters in one statement).
REFRESH_CHUNK = 2000
# While an index is missing or damaged: how often each process asks a worker to repair it, and how
# long its stand-in (built from the stored vectors) is used before being built again.
REPAIR_EVERY_SECONDS = 60.0
STAND_IN_SECONDS = 60.0
# A re-embed (the configured model changed; jobs.reembed): profiles encoded and committed together, how long one
# job runs before it queues its continuation (other matching jobs run in between), and how long the marker of a
# waiting job lives if that job is lost.
REEMBED_CHUNK = 64
REEMBED_SLICE_SECONDS = 120.0
REEMBED_WAITING_SECONDS = 3600
# Bump when what is derived from a profile changes (passages, sentences, tokens, labels), so stored
# vectors are recomputed on the next reindex. 3: Chinese words and labels through the bilingual glossary.
RECIPE = "3"
# Sectors suggested for an untagged profile: at most two, each one standard deviation closer than profiles are to
# it on average (bench/sector_suggestions.py: precision 0.95, recall 0.79 on the seeded world's tagged profiles;
# at 1.5 recall fell to 0.63 and clearly healthcare or education profiles went without a suggestion).
SECTOR_SETTINGS = LabelSettings(per_document=2, min_z=1.0)
# A fit's parts in percent (meaning, keywords), as its legend states them.
FIT_SHARES = (round(100 * DENSE_WEIGHT), 100 - round(100 * DENSE_WEIGHT))
_MODELS = {ProfileKind.STARTUP: Startup, ProfileKind.NEED: Need}
_DOCUMENTS = {ProfileKind.STARTUP: startup_document, ProfileKind.NEED: need_document}


@dataclass(frozen=True)
class Ranked:
    """One ranked profile with its fit (``pair_fit``: 0-100, the same for this pair on every page) and the
    reasons."""

    item: Startup | Need
    match: Match
    fit: Fit
    explanation: Explanation | None


def _hash(model_id: str, doc: Document) -> str:
    return content_hash(RECIPE, model_id, doc.header(), doc.body)


def _rows_for(kind: ProfileKind, ids: Iterable[int], model_id: str) -> dict[int, ProfileVector]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ProfileVector).where(
            ProfileVector.kind == kind, ProfileVector.model == model_id, ProfileVector.entity_id.in_(ids)
        )
    )
    return {row.entity_id: row for row in rows}


def refresh_vectors(kind: ProfileKind, ids: Iterable[int]) -> list[int]:
    """Encodes the profiles whose text changed since their vector was stored; returns their ids.

    Unchanged profiles (same model, same content hash) are never encoded again. Works through the ids in
    chunks: a whole platform's ids in one IN list would pass PostgreSQL's 65,535 parameters past 65k profiles.
    """
    ids = list(ids)
    changed: list[int] = []
    for start in range(0, len(ids), REFRESH_CHUNK):
        changed += _refresh_chunk(kind, ids[start : start + REFRESH_CHUNK])
    return changed


def _refresh_chunk(kind: ProfileKind, ids: list[int]) -> list[int]:
    eng = engine()
    model_id = eng.model_id
    model = _MODELS[kind]
    items = list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []
    # Compare hashes first; a stored row's sentences and their vectors are read only when it is replaced.
    stored = (
        dict(
            db.session.execute(
                sa.select(ProfileVector.entity_id, ProfileVector.content_hash).where(
                    ProfileVector.kind == kind, ProfileVector.model == model_id, ProfileVector.entity_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    stale: list[tuple] = []
    for item in items:
        doc = _DOCUMENTS[kind](item)
        digest = _hash(model_id, doc)
        if stored.get(item.id) != digest:
            stale.append((item, doc, digest))
    if not stale:
        return []
    existing = _rows_for(kind, [item.id for item, _d, _h in stale if item.id in stored], model_id)
    todo = [(item, doc, digest) for item, doc, digest in stale if digest not in eng.memo]
    if todo:
        vectors = embed_documents(eng.embedder, [doc for _i, doc, _d in todo])
        sentence_lists = [_explainable_sentences(doc) for _i, doc, _d in todo]
        flat = [s for group in sentence_lists for s in group]
        encoded = eng.embedder.encode(flat) if flat else np.zeros((0, vectors.shape[1]), np.float32)
        offset = 0
        for (_item, _doc, digest), vector, group in zip(todo, vectors, sentence_lists, strict=True):
            sentence_vectors = encoded[offset : offset + len(group)]
            offset += len(group)
            eng.remember(digest, (vector, group, sentence_vectors))
    for item, doc, digest in stale:
        vector, group, sentence_vectors = eng.memo[digest]
        entry = entry_for(doc, vector)
        values = dict(
            content_hash=digest,
            vector=np.asarray(vector, np.float32).tobytes(),
            sentences=list(group),
            sentence_vectors=np.asarray(sentence_vectors, np.float16).tobytes(),
            tokens=list(entry.tokens),
            labels=sorted(entry.labels),
            updated_at=utcnow(),
        )
        row = existing.get(item.id)
        if row is None:
            db.session.add(ProfileVector(kind=kind, entity_id=item.id, model=model_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
    db.session.flush()
    return [item.id for item, _d, _h in stale]


def _explainable_sentences(doc: Document) -> list[str]:
    """What a person reads in a profile (not its label list), capped."""
    found = sentences(f"{doc.summary}\n{doc.body}") or [doc.header()]
    return found[:MAX_SENTENCES]


def _entry(row: ProfileVector) -> Entry:
    return Entry(id=row.entity_id, vector=row.as_array(), tokens=tuple(row.tokens), labels=frozenset(row.labels))


def _all_entries(kind: ProfileKind, model_id: str) -> Iterator[Entry]:
    """Every stored vector of a kind as index entries, reading only the columns the index holds (not the
    sentences and their vectors, which are most of a row's bytes)."""
    rows = db.session.execute(
        sa.select(ProfileVector.entity_id, ProfileVector.vector, ProfileVector.tokens, ProfileVector.labels)
        .where(ProfileVector.kind == kind, ProfileVector.model == model_id)
        .order_by(ProfileVector.entity_id)
        .execution_options(yield_per=2000)
    )
    for entity_id, vector, tokens, labels in rows:
        yield Entry(
            id=entity_id, vector=np.frombuffer(vector, dtype=np.float32), tokens=tuple(tokens), labels=frozenset(labels)
        )


def sync_index(kind: ProfileKind, ids: Iterable[int]) -> int | None:
    """Puts the stored vectors of ``ids`` into the live index (removing ids whose profile is gone).

    Writes a new snapshot; returns its version. Builds the whole index when none exists yet and every profile
    has its vector under the configured model. Never publishes an index of another model's vectors mixed with
    the configured one's, nor a partial one: when the snapshot holds an earlier model's vectors (a model change),
    it is kept current as far as needs no model (``_sync_earlier_model``) and the re-embed is asked for; with
    no snapshot and vectors missing, the re-embed builds it (returns None: nothing was written).
    """
    eng = engine()
    ids = list(ids)
    directory = eng.directory(kind)
    version = snapshot_model = None
    with store.writer_lock(directory):
        loaded = store.load(directory)
        if loaded is None and vectors_complete(kind):
            return _write_full(kind)
        if loaded is not None:
            _version, corpus, meta = loaded
            snapshot_model = meta.get("model")
            rows = _rows_for(kind, ids, eng.model_id)
            corpus.remove(i for i in ids if i not in rows)
            if snapshot_model == eng.model_id:
                corpus.upsert(_entry(rows[i]) for i in ids if i in rows)
            else:
                _sync_earlier_model(kind, corpus, snapshot_model, rows)
            if corpus.index.tombstone_share() > 0.2:
                corpus.compact()
            corpus.index.build()
            version = store.save(corpus, directory, meta={"model": snapshot_model})
    eng.forget(kind)
    if snapshot_model != eng.model_id:
        reembed_due(kind)  # outside the writer lock: without Redis it rebuilds the index here and now
    return version


def _sync_earlier_model(
    kind: ProfileKind, corpus: Corpus, snapshot_model: str | None, rows: dict[int, ProfileVector]
) -> None:
    """Updates a snapshot of an earlier model's vectors while the re-embed for the configured one runs.

    No vector of the configured model may enter it (another dimension), and encoding with the earlier model would
    need that model loaded too. What needs no model is kept current: removals (done by the caller), and each
    changed profile's index terms and labels (from its configured-model row, just stored) with its earlier
    vector, even though that vector was computed from the old text. A profile created since the change has no
    earlier vector: it enters with a zero vector, found by its keywords until the re-embed publishes.
    """
    earlier = (
        dict(
            db.session.execute(
                sa.select(ProfileVector.entity_id, ProfileVector.vector).where(
                    ProfileVector.kind == kind,
                    ProfileVector.model == snapshot_model,
                    ProfileVector.entity_id.in_(list(rows)),
                )
            ).all()
        )
        if rows and snapshot_model
        else {}
    )
    zero = np.zeros(corpus.dim, np.float32)

    def vector(entity_id: int) -> np.ndarray:
        found = np.frombuffer(earlier[entity_id], dtype=np.float32) if entity_id in earlier else zero
        return found if found.shape == zero.shape else zero

    corpus.upsert(
        Entry(id=i, vector=vector(i), tokens=tuple(row.tokens), labels=frozenset(row.labels)) for i, row in rows.items()
    )


def _write_full(kind: ProfileKind) -> int:
    eng = engine()
    corpus = Corpus(eng.embedder.dim)
    corpus.upsert(_all_entries(kind, eng.model_id))
    corpus.index.build()
    version = store.save(corpus, eng.directory(kind), meta={"model": eng.model_id})
    eng.forget(kind)
    return version


def rebuild_index(kind: ProfileKind) -> int:
    """Re-encodes what changed, then writes a complete new index from the database alone."""
    model = _MODELS[kind]
    refresh_vectors(kind, list(db.session.scalars(sa.select(model.id).order_by(model.id))))
    profile_exists = sa.select(model.id).where(model.id == ProfileVector.entity_id).exists()
    db.session.execute(sa.delete(ProfileVector).where(ProfileVector.kind == kind, ~profile_exists))
    db.session.flush()
    with store.writer_lock(engine().directory(kind)):
        return _write_full(kind)


def infer_startup_sectors(startups: list[Startup]) -> dict[int, list[str]]:
    """Sectors inferred from the text of the given startups that have none, by id (closest first).

    Each sector's prototype is the mean vector of the indexed startups people tagged with it, with its name in
    English and Chinese; a profile gets the sectors it is unusually close to (``SECTOR_SETTINGS``). The
    inferred sectors also become the stored vector's labels, so rankings use them once the index is synced.
    Startups that have sectors, or no stored vector yet, get nothing.
    """
    untagged = [s for s in startups if not s.sectors]
    eng = engine()
    rows = _rows_for(ProfileKind.STARTUP, [s.id for s in untagged], eng.model_id)
    untagged = [s for s in untagged if s.id in rows]
    model = _sector_model() if untagged else None
    if model is None or model.prototypes.shape[1] != len(rows[untagged[0].id].as_array()):
        return {}
    sector_of = {sector.value.replace("_", " "): sector.value for sector in Sector}
    out: dict[int, list[str]] = {}
    for startup, labels in zip(untagged, model.infer(np.stack([rows[s.id].as_array() for s in untagged])), strict=True):
        out[startup.id] = [sector_of[label] for label in labels]
        row = rows[startup.id]
        row.labels = sorted({label for label in row.labels if label not in sector_of} | set(labels))
    db.session.flush()
    return out


def _sector_model():
    """The sector label model of the live startup index, fitted once per snapshot and process."""
    eng = engine()
    held = eng.corpus(ProfileKind.STARTUP)
    if held is None or eng.snapshot_model(ProfileKind.STARTUP) != eng.model_id:
        return None  # none while the index holds an earlier model's vectors (a re-embed is under way)
    version, corpus = held
    cached = eng.label_models.get(ProfileKind.STARTUP)
    if cached is not None and cached[0] == version:
        return cached[1]
    alive = np.flatnonzero(corpus.alive)
    words = {sector.value.replace("_", " "): sector for sector in Sector}
    examples = {word: [i for i, p in enumerate(alive) if word in corpus.labels[p]] for word in words}
    names = {}
    for word, sector in words.items():
        with force_locale("zh_Hans"):
            chinese = str(sector.label)
        with force_locale("en"):
            names[word] = f"{sector.label} {chinese}"
    model = fit_labels(
        list(words),
        corpus.index.vectors[alive],
        [corpus.tokens[p] for p in alive],
        eng.embedder.encode,
        SECTOR_SETTINGS,
        examples=examples,
        names=names,
    )
    eng.label_models[ProfileKind.STARTUP] = (version, model)
    return model


def schedule_indexing(kind: ProfileKind, ids: Iterable[int]) -> None:
    """After commit, re-embed these profiles and update the index (an rq job with Redis)."""
    enqueue("marketplace.rankings.jobs.index_profiles", queue="matching", kind=kind.value, ids=sorted(set(ids)))


# -- ranking ---------------------------------------------------------------------------------


def _query_for(kind: ProfileKind, item, index_model: str | None, dim: int) -> tuple[Query, ProfileVector, Document]:
    """A profile as the query against an index of ``index_model``'s vectors (of ``dim`` dimensions), its row of
    the configured model (for the explanations) and its document.

    Normally the index holds the configured model's vectors: the profile's stored vector, or one computed now if
    its job has not caught up yet. While a re-embed for a new model runs, the index still holds the earlier
    model's vectors, and the query must be one of them.
    """
    eng = engine()
    doc = _DOCUMENTS[kind](item)
    if index_model == eng.model_id:
        row = _rows_for(kind, [item.id], eng.model_id).get(item.id)
        if row is None or row.content_hash != _hash(eng.model_id, doc):
            refresh_vectors(kind, [item.id])
            row = _rows_for(kind, [item.id], eng.model_id).get(item.id)
        return Query(vector=row.as_array(), tokens=tuple(row.tokens), labels=frozenset(row.labels)), row, doc
    # The profile's vector stored under the index's model, even if its text changed since (edits store only the
    # configured model's vector; encoding with the earlier model would need it loaded); none for a profile
    # created since the change: a zero vector ranks by keywords alone. Terms and labels are the text's as it is.
    entry = entry_for(doc, np.zeros(dim, np.float32))
    earlier = _rows_for(kind, [item.id], index_model).get(item.id) if index_model else None
    vector = earlier.as_array() if earlier is not None and earlier.as_array().shape == (dim,) else entry.vector
    # Explanations compare sentences with the configured model's rows: the profile's own, or none yet.
    row = _rows_for(kind, [item.id], eng.model_id).get(item.id) or ProfileVector(
        kind=kind,
        entity_id=item.id,
        model=eng.model_id,
        content_hash="",
        vector=b"",
        sentences=[],
        sentence_vectors=b"",
        tokens=list(entry.tokens),
        labels=sorted(entry.labels),
    )
    return Query(vector=vector, tokens=entry.tokens, labels=entry.labels), row, doc


def _explanations(
    kind: ProfileKind, query_row: ProfileVector, query_doc: Document, items: list, rows: dict[int, ProfileVector]
) -> dict:
    eng = engine()
    idf = _corpus(kind).keywords.idf
    floors = pair_floors(eng.model_id)  # sentence pairs shown only when they clear the floor of their languages
    out = {}
    for item in items:
        row = rows.get(item.id)
        if row is None:
            continue
        out[item.id] = explain(
            query_sentences=query_row.sentences,
            query_vectors=query_row.sentence_array(),
            doc_sentences=row.sentences,
            doc_vectors=row.sentence_array(),
            query_text=query_doc.full_text(),
            doc_text=_DOCUMENTS[kind](item).full_text(),
            query_labels=frozenset(query_row.labels),
            doc_labels=frozenset(row.labels),
            term_weight=idf,
            min_similarity=floors,
        )
    return out


def pair_fit(
    need_row: ProfileVector | None,
    startup_row: ProfileVector | None,
    similarity: float,
    keywords: KeywordIndex | None = None,
) -> Fit:
    """The fit of a need and a startup (``matching.fit``): the one score every page shows for them.

    Meaning is the inner product of their stored vectors, computed in one order (need · startup) so both
    directions give the same number; ``similarity`` (the ranking's dense component) stands in when a vector is
    missing or of another model. Keywords weigh the need's index terms by the startup index's idf: one table
    for both directions, so the startup page and the need page agree (``keywords``: that index, when the caller
    holds it already).
    """
    need_vector = need_row.as_array() if need_row is not None and need_row.vector else None
    startup_vector = startup_row.as_array() if startup_row is not None and startup_row.vector else None
    if need_vector is not None and startup_vector is not None and need_vector.shape == startup_vector.shape:
        similarity = float(np.dot(need_vector.astype(np.float64), startup_vector.astype(np.float64)))
    if keywords is None:
        keywords = _corpus(ProfileKind.STARTUP).keywords
    return fit_of(
        similarity,
        need_row.tokens if need_row is not None else (),
        startup_row.tokens if startup_row is not None else (),
        keywords.idf,
        lambda term: keywords.doc_freq(term) > 0,
    )


def _ranked(
    kind: ProfileKind,
    matches: list[Match],
    explanations: dict | None,
    items: dict,
    query_row: ProfileVector,
    rows: dict[int, ProfileVector],
) -> list[Ranked]:
    """The matches with their items, fits and explanations, in the ranking's order."""
    keywords = _corpus(ProfileKind.STARTUP).keywords if matches else None
    out = []
    for m in matches:
        item = items.get(m.id)
        if item is None:
            continue  # deleted since the index was written
        row = rows.get(m.id) or _row_from_index(kind, m.id)
        need_row, startup_row = (query_row, row) if kind == ProfileKind.STARTUP else (row, query_row)
        fit = pair_fit(need_row, startup_row, m.components.get("dense", 0.0), keywords)
        out.append(Ranked(item, m, fit, (explanations or {}).get(m.id)))
    return out


def _row_from_index(kind: ProfileKind, entity_id: int) -> ProfileVector | None:
    """A stand-in row (index terms only, not stored) for a ranked profile without a row of the configured model (a
    re-embed is under way): its terms as the live index holds them."""
    corpus = _corpus(kind)
    position = corpus.positions.get(entity_id)
    if position is None:
        return None
    return ProfileVector(
        kind=kind,
        entity_id=entity_id,
        model="",
        content_hash="",
        vector=b"",
        tokens=list(corpus.tokens[position]),
        labels=[],
    )


def _corpus(kind: ProfileKind) -> Corpus:
    """The live index of a kind (``_ranking_index`` without its model)."""
    return _ranking_index(kind)[0]


def _ranking_index(kind: ProfileKind) -> tuple[Corpus, str | None]:
    """The live index of a kind and the model of its vectors (queries must be vectors of that model). A request
    never rebuilds it when a worker can.

    When the current snapshot is missing or damaged: without Redis (the demo) it is rebuilt here at once, as
    the job would; with workers a repair job is queued, and meanwhile rankings come from what this process
    holds (an older snapshot, or one without its graph, searched exactly) or from a stand-in built from the
    stored vectors and searched exactly (no graph to build). When it holds an earlier model's vectors (the
    configured model changed): without Redis it is rebuilt here too; with workers a re-embed job is queued
    (``request_reembed``), and rankings keep using this snapshot, and its model, until the job publishes.
    """
    eng = engine()
    held = eng.corpus(kind)
    if held is not None and kind not in eng.damaged:
        model = eng.snapshot_model(kind)
        if model == eng.model_id:
            return held[1], model
        if redis_connection() is None:
            rebuild_index(kind)
            return eng.corpus(kind)[1], eng.model_id
        request_reembed(kind)
        return held[1], model
    if redis_connection() is None:
        rebuild_index(kind)
        return eng.corpus(kind)[1], eng.model_id
    request_index_repair(kind)
    if held is not None:
        return held[1], eng.snapshot_model(kind)
    return _stand_in(kind), eng.model_id


def reembed_due(kind: ProfileKind) -> None:
    """The index must be built anew from the configured model's vectors: with workers a re-embed job (queued at
    most once a minute from each process), without Redis (the demo) a rebuild here and now."""
    if redis_connection() is None:
        rebuild_index(kind)
    else:
        request_reembed(kind)


def request_reembed(
    kind: ProfileKind, *, after: int = 0, rebuild: bool = False, continuation: bool = False
) -> str | None:
    """Queues the re-embed of a kind (``jobs.reembed``) unless one is waiting in the queue already; from each
    process at most once a minute (a running job's ``continuation`` is never held back). Returns the job's id."""
    eng = engine()
    now = time.monotonic()
    if not continuation:
        if now - eng.reembed_requested.get(kind, -REPAIR_EVERY_SECONDS) < REPAIR_EVERY_SECONDS:
            return None
        eng.reembed_requested[kind] = now
    conn = redis_connection()
    key = reembed_waiting_key(kind)
    try:
        if not conn.set(key, eng.model_id, nx=True, ex=REEMBED_WAITING_SECONDS):
            return None  # one is waiting: it goes on from wherever the stored vectors are
    except RedisError:
        log.warning("could not queue the %s re-embed: Redis does not answer", kind.value, exc_info=True)
        return None
    job_id = enqueue_now(
        "marketplace.rankings.jobs.reembed",
        queue="matching",
        kind=kind.value,
        model=eng.model_id,
        after=after,
        rebuild=rebuild,
    )
    if job_id is None:
        with contextlib.suppress(RedisError):
            conn.delete(key)
    return job_id


def reembed_waiting_key(kind: ProfileKind) -> str:
    """Set while a re-embed job of this kind waits in the queue (the job clears it as it starts)."""
    return f"innomatch:reembed-waiting:{kind.value}"


@dataclass(frozen=True)
class Reembedding:
    """A kind whose index holds an earlier model's vectors while the configured model's are being stored."""

    kind: ProfileKind
    model: str  # the configured model
    done: int  # profiles with a vector stored under it
    total: int


def reembedding(kind: ProfileKind) -> Reembedding | None:
    """How far the re-embed of a kind has come, read from the stored vectors themselves (so it survives any
    restart); None when the index already holds the configured model's vectors (or there is none)."""
    eng = engine()
    if eng.corpus(kind) is None or eng.snapshot_model(kind) == eng.model_id:
        return None
    done, total = _vector_counts(kind)
    return Reembedding(kind, eng.model_id, min(done, total), total)


def vectors_complete(kind: ProfileKind) -> bool:
    """Whether every profile of a kind has a vector stored under the configured model (fresh or not)."""
    done, total = _vector_counts(kind)
    return done >= total


def _vector_counts(kind: ProfileKind) -> tuple[int, int]:
    model = _MODELS[kind]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    done = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ProfileVector)
        .where(ProfileVector.kind == kind, ProfileVector.model == engine().model_id)
    )
    return done, total


def profile_ids_after(kind: ProfileKind, after: int, limit: int) -> list[int]:
    """The next ``limit`` profile ids above ``after``, in order (a re-embed walks them a chunk at a time)."""
    model = _MODELS[kind]
    return list(db.session.scalars(sa.select(model.id).where(model.id > after).order_by(model.id).limit(limit)))


def profile_count(kind: ProfileKind, *, up_to: int | None = None) -> int:
    model = _MODELS[kind]
    query = sa.select(sa.func.count()).select_from(model)
    return db.session.scalar(query if up_to is None else query.where(model.id <= up_to))


def request_index_repair(kind: ProfileKind) -> None:
    """Queues a rebuild of a missing or damaged index, at most once a minute from each process."""
    eng = engine()
    now = time.monotonic()
    if now - eng.repair_requested.get(kind, -REPAIR_EVERY_SECONDS) < REPAIR_EVERY_SECONDS:
        return
    eng.repair_requested[kind] = now
    enqueue_now("marketplace.rankings.jobs.repair_index", queue="matching", kind=kind.value)


def _stand_in(kind: ProfileKind) -> Corpus:
    """A corpus built in memory from the stored vectors, for rankings while the index is being rebuilt.

    Exact search (no graph), so it is complete and quick to build; rebuilt after STAND_IN_SECONDS so edits
    made meanwhile show up.
    """
    eng = engine()
    held = eng.stand_ins.get(kind)
    if held is not None and time.monotonic() - held[0] < STAND_IN_SECONDS:
        return held[1]
    entries = list(_all_entries(kind, eng.model_id))
    corpus = Corpus(len(entries[0].vector) if entries else eng.embedder.dim, exact_limit=sys.maxsize)
    corpus.upsert(entries)
    corpus.index.build()
    eng.stand_ins[kind] = (time.monotonic(), corpus)
    log.warning(
        "the %s index is missing or damaged: ranking from %d stored vectors, searched exactly, "
        "until the rebuild is published",
        kind.value,
        len(entries),
    )
    return corpus


def startup_ids_for_viewer(user: User) -> set[int] | None:
    """The startups a user may see in rankings: all, except that an incubator sees only its own."""
    if only_own_portfolio(user):
        return set(
            db.session.scalars(sa.select(Listing.startup_id).where(Listing.incubator_id == user.organisation_id))
        )
    return None


def rank_startups_for_need(
    user: User, need: Need, *, allowed_ids: set[int] | None = None, exclude_ids: Iterable[int] = (), k: int = 20
) -> list[Ranked]:
    """Startups ranked for a need the user may see, with explanations."""
    viewer = startup_ids_for_viewer(user)
    if viewer is not None:
        allowed_ids = viewer if allowed_ids is None else allowed_ids & viewer
    corpus, model = _ranking_index(ProfileKind.STARTUP)
    query, row, doc = _query_for(ProfileKind.NEED, need, model, corpus.dim)
    filters = Filters(
        exclude_ids=frozenset(exclude_ids), allowed_ids=frozenset(allowed_ids) if allowed_ids is not None else None
    )
    matches = HybridRanker(corpus).rank(query, k=k, filters=filters)
    items = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_([m.id for m in matches])))}
    rows = _rows_for(ProfileKind.STARTUP, list(items), engine().model_id)
    explanations = _explanations(ProfileKind.STARTUP, row, doc, list(items.values()), rows)
    return _ranked(ProfileKind.STARTUP, matches, explanations, items, row, rows)


def top_startup_ids_for_need(need: Need, *, k: int) -> list[int]:
    """The ids of the k startups ranking best for a need, for background work (no viewer, no reasons)."""
    corpus, model = _ranking_index(ProfileKind.STARTUP)
    query, _row, _doc = _query_for(ProfileKind.NEED, need, model, corpus.dim)
    return [m.id for m in HybridRanker(corpus).rank(query, k=k, filters=Filters())]


def rank_needs_for_startup(user: User, startup: Startup, *, k: int = 10) -> list[Ranked]:
    """Needs open for nominations (lifecycle.is_open) the user may see and read, ranked for one startup. A
    confidential need whose terms the user's organisation has not accepted is not ranked: its vector and its
    explanations come from the hidden text (needs.rules.readable_needs_clause)."""
    visible = needs_for_user(user, status=OPEN, per_page=100_000).items
    readable = readable_need_ids(user, {n.id for n in visible})
    visible = [n for n in visible if n.id in readable]
    if not visible:
        return []
    corpus, model = _ranking_index(ProfileKind.NEED)
    query, row, doc = _query_for(ProfileKind.STARTUP, startup, model, corpus.dim)
    filters = Filters(allowed_ids=frozenset(n.id for n in visible))
    matches = HybridRanker(corpus).rank(query, k=k, filters=filters)
    items = {n.id: n for n in visible}
    chosen = [items[m.id] for m in matches if m.id in items]
    rows = _rows_for(ProfileKind.NEED, [n.id for n in chosen], engine().model_id)
    return _ranked(ProfileKind.NEED, matches, _explanations(ProfileKind.NEED, row, doc, chosen, rows), items, row, rows)


def search_settings(tokens: tuple[str, ...], model_id: str) -> RankSettings:
    """How a typed search ranks: short ones as lookups, and every one with the relevance floor (only profiles
    holding a query term or close enough in meaning are matches; ``matching.rank.SEARCH_DENSE_FLOOR``)."""
    base = LOOKUP_SETTINGS if len(tokens) <= LOOKUP_MAX_TERMS else RankSettings()
    return replace(base, dense_floor=search_dense_floor(model_id))


def search_startups(text: str, *, allowed_ids: set[int] | None = None, k: int = 200) -> list[Match]:
    """Ad-hoc search over startup profiles (the web process encodes the text itself): the real matches, best
    first, at most ``k``; none when nothing clears the relevance floor."""
    eng = engine()
    query = Query(vector=embed_query(eng.embedder, text), tokens=tuple(tokenize(text)))
    filters = Filters(allowed_ids=frozenset(allowed_ids) if allowed_ids is not None else None)
    settings = search_settings(query.tokens, eng.model_id)
    return HybridRanker(_corpus(ProfileKind.STARTUP), settings).rank(query, k=k, filters=filters)


def search_startup_page(text: str, *, allowed_ids: set[int] | None, page: int, per_page: int):
    """A page of the directory ranked by relevance to ``text``: the real matches only (at most 200); the total
    counts them."""
    matches = search_startups(text, allowed_ids=allowed_ids, k=200)
    ids = [m.id for m in matches]
    page = max(1, page)
    chosen = ids[(page - 1) * per_page : page * per_page]
    rows = {s.id: s for s in db.session.scalars(sa.select(Startup).where(Startup.id.in_(chosen)))}
    return Page(items=[rows[i] for i in chosen if i in rows], total=len(ids), page=page, per_page=per_page)


def forget_profile(kind: ProfileKind, entity_id: int) -> None:
    """Drops a deleted profile's stored vector and, after commit, its place in the index."""
    db.session.execute(sa.delete(ProfileVector).where(ProfileVector.kind == kind, ProfileVector.entity_id == entity_id))
    schedule_indexing(kind, [entity_id])
