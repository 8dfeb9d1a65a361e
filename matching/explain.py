"""Why a document matched: the sentence pairs that agree best, and the shared terms and labels.

Both work across Chinese and English. Sentence pairs come from the same sentence vectors as the ranking
(with the paired models, a Chinese sentence and its English counterpart are close), and each language
pairing has its own floor (``PairFloors``). Shared terms are found by index term, which the glossary makes
language-neutral; a term shared across languages shows both forms (物联网 ↔ IoT).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matching.embed import USE_MODEL
from matching.text import chip_stop_words, glossary_abbreviations, glossary_phrases, glossary_words, has_cjk, term_spans


@dataclass(frozen=True)
class SentencePair:
    query_sentence: str
    doc_sentence: str
    similarity: float


@dataclass(frozen=True)
class SharedTerm:
    """A term both texts use, as the document writes it; ``query`` is the query's form when the query writes
    it in the other language (物联网 ↔ IoT), else empty."""

    doc: str
    query: str = ""

    def __str__(self) -> str:
        return f"{self.query} ↔ {self.doc}" if self.query else self.doc


@dataclass(frozen=True)
class Explanation:
    pairs: tuple[SentencePair, ...]
    shared_terms: tuple[SharedTerm, ...]
    shared_labels: tuple[str, ...]


@dataclass(frozen=True)
class PairFloors:
    """The least similarity at which a sentence pair is shown, by the languages of its two sentences: the
    same model scores two sentences in one language higher than an equally close pair across languages
    (and two Chinese sentences higher still), so one floor for all would hide true cross-language pairs or
    let unrelated same-language ones through."""

    english: float
    chinese: float
    across: float

    def between(self, query_chinese: np.ndarray, doc_chinese: np.ndarray) -> np.ndarray:
        """The floor for every (query sentence, document sentence), given which sentences are Chinese."""
        q, d = query_chinese[:, None], doc_chinese[None, :]
        return np.where(q & d, self.chinese, np.where(q | d, self.across, self.english)).astype(np.float32)


# Calibrated on the dev needs (Chinese translations against their English originals, and against public
# profiles judged relevant or not) with bench/explain_pairs.py; the numbers are in docs/benchmarks.md.
PAIRED_FLOORS = PairFloors(english=0.38, chinese=0.46, across=0.33)
# MiniLM alone reads English only: one floor.
SINGLE_MODEL_FLOOR = 0.3


def pair_floors(model_id: str) -> PairFloors | float:
    """The floors calibrated for the sentence vectors of this model (its stored name)."""
    return PAIRED_FLOORS if model_id.endswith(f"|{USE_MODEL}") else SINGLE_MODEL_FLOOR


def explain(
    *,
    query_sentences: list[str],
    query_vectors: np.ndarray,
    doc_sentences: list[str],
    doc_vectors: np.ndarray,
    query_text: str,
    doc_text: str,
    query_labels: frozenset[str] = frozenset(),
    doc_labels: frozenset[str] = frozenset(),
    max_pairs: int = 2,
    max_terms: int = 6,
    term_weight: Callable[[str], float] | None = None,
    min_similarity: float | PairFloors = SINGLE_MODEL_FLOOR,
) -> Explanation:
    """The best (query sentence, document sentence) pairs, each sentence used once, best first.

    A pair is shown when its similarity reaches ``min_similarity`` (one floor, or one per language pairing);
    pairs are taken by how far they clear their floor. Shared terms are ordered by ``term_weight`` (e.g. BM25
    idf), rarest first; words already shown as part of a shared label are left out.
    """
    labels = tuple(sorted(query_labels & doc_labels))
    label_words = {w for label in labels for w in label.lower().replace("-", " ").split()}
    return Explanation(
        _pairs(query_sentences, query_vectors, doc_sentences, doc_vectors, min_similarity, max_pairs),
        shared_terms(query_text, doc_text, term_weight=term_weight, max_terms=max_terms, skip=label_words),
        labels,
    )


def _pairs(
    query_sentences: Sequence[str],
    query_vectors: np.ndarray,
    doc_sentences: Sequence[str],
    doc_vectors: np.ndarray,
    floors: float | PairFloors,
    max_pairs: int,
) -> tuple[SentencePair, ...]:
    if not len(query_sentences) or not len(doc_sentences):
        return ()
    sims = np.asarray(query_vectors, dtype=np.float32) @ np.asarray(doc_vectors, dtype=np.float32).T
    if isinstance(floors, PairFloors):
        floor = floors.between(
            np.array([has_cjk(s) for s in query_sentences]), np.array([has_cjk(s) for s in doc_sentences])
        )
    else:
        floor = np.full(sims.shape, floors, dtype=np.float32)
    margin = sims - floor
    pairs: list[SentencePair] = []
    used_q: set[int] = set()
    used_d: set[int] = set()
    for flat in np.argsort(-margin, axis=None, kind="stable"):
        qi, di = divmod(int(flat), sims.shape[1])
        if margin[qi, di] < 0:
            break
        if qi in used_q or di in used_d:
            continue
        pairs.append(SentencePair(_quoted(query_sentences[qi]), _quoted(doc_sentences[di]), float(sims[qi, di])))
        used_q.add(qi)
        used_d.add(di)
        if len(pairs) == max_pairs:
            break
    return tuple(pairs)


def _quoted(sentence: str) -> str:
    """A sentence as quoted: without the separator a list item keeps ("Car-pledge financing supervision;")."""
    return sentence.rstrip(" ;；,，、")


# -- shared terms ------------------------------------------------------------------------------


_WORD_GAPS = re.compile(r"[\s\-‐–/]+")


@dataclass(frozen=True)
class _Word:
    """One written word of a text (``text[start:end]``) and its index terms (a Chinese glossary word has one
    per English index term of its concept)."""

    start: int
    end: int
    written: str
    terms: tuple[str, ...]
    chinese: bool


@lru_cache(maxsize=256)
def _words(text: str) -> tuple[_Word, ...]:
    spans: dict[tuple[int, int], list[str]] = {}
    for span in term_spans(text):
        spans.setdefault((span.start, span.end), []).append(span.term)
    return tuple(
        _Word(start, end, text[start:end], tuple(terms), has_cjk(text[start:end]))
        for (start, end), terms in spans.items()
    )


def _shown(written: str, terms: tuple[str, ...], chinese: bool) -> bool:
    """Whether a word may be a chip: no stop word (``chip_stop_words``: English, our domain and generic lists,
    Chinese; also as a stem: "used" is "use"; a Chinese glossary word whose English terms all are, 数据 as
    "data"), no single Chinese character, no English word under three letters unless it is one of the glossary's
    abbreviations written as one (AI, ML, 5G); a glossary word written in capitals is one too (HIS, not "his")."""
    stop = chip_stop_words()
    if chinese:
        return len(written) > 1 and written not in stop and not all(term in stop for term in terms)
    if written.isupper() and written.lower() in glossary_words():
        return True
    if all(term in stop for term in terms):
        return False
    if len(written) > 2:
        return True
    return written.lower() in glossary_abbreviations() and (written.isupper() or any(c.isdigit() for c in written))


def _phrase_at(
    words: tuple[_Word, ...], starts: dict[str, list[int]], text: str, phrase: tuple[str, ...]
) -> str | None:
    """The text where ``phrase`` (index terms) occurs as consecutive English words: the first place, or one
    that writes it as an abbreviation ("GPS" after a tag list's "gps")."""
    found = []
    for i in starts.get(phrase[0], ()):
        run = words[i : i + len(phrase)]
        if len(run) == len(phrase) and all(not w.chinese and w.terms[0] == t for w, t in zip(run, phrase, strict=True)):
            found.append(text[run[0].start : run[-1].end])
    return max(found, key=_casing) if found else None


def _casing(written: str) -> int:
    """How much a word is written as a name or abbreviation: capitals after its first letter (IoT, GPS)."""
    return sum(c.isupper() for c in written[1:]) + (len(written) > 1 and written.isupper())


def _same_words(a: str, b: str) -> bool:
    return _WORD_GAPS.sub(" ", a.lower()).strip() == _WORD_GAPS.sub(" ", b.lower()).strip()


def shared_terms(
    query_text: str,
    doc_text: str,
    *,
    term_weight: Callable[[str], float] | None = None,
    max_terms: int = 6,
    skip: set[str] | frozenset[str] = frozenset(),
) -> tuple[SharedTerm, ...]:
    """The terms a query and a document share, rarest first (by ``term_weight``), each written form once.

    In one language, by index term, shown as the document writes it. Across languages, a Chinese word the
    glossary knows is shared with an English text holding one of its concept's English wordings as written
    (物联网 with "IoT" or "Internet of Things", not with a stray "things"), shown in both forms. Words in
    ``skip`` (e.g. those of shared labels, already shown) are left out.
    """
    weight = term_weight or (lambda _term: 0.0)
    query, doc = _Side.of(query_text), _Side.of(doc_text)
    found = _same_language_terms(query, doc, weight)
    found += _across_languages(query, doc, weight, chinese_in_query=True)
    found += _across_languages(doc, query, weight, chinese_in_query=False)
    return _pick(found, max_terms, skip)


@dataclass(frozen=True)
class _Side:
    """One text of the pair: its words, and where each English index term starts (term -> word positions)."""

    text: str
    words: tuple[_Word, ...]
    starts: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> _Side:
        words = _words(text or "")
        starts: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            if not w.chinese:
                starts.setdefault(w.terms[0], []).append(i)
        return cls(text or "", words, starts)


# A shared term found: (weight, the query's form, the document's form, index terms, chip)
_Found = tuple[float, str, str, tuple[str, ...], SharedTerm]


def _same_language_terms(query: _Side, doc: _Side, weight: Callable[[str], float]) -> list[_Found]:
    """Index terms both texts hold, shown as the document writes them."""
    doc_first: dict[tuple[bool, str], _Word] = {}
    for w in doc.words:
        for term in w.terms:
            held = doc_first.get((w.chinese, term))
            # the first form, or the same word written as an abbreviation later ("gps" in a tag, then "GPS")
            if held is None or (
                held.written.lower() == w.written.lower() and _casing(w.written) > _casing(held.written)
            ):
                doc_first[(w.chinese, term)] = w
    found: list[_Found] = []
    for w in query.words:
        for term in w.terms:
            d = doc_first.get((w.chinese, term))
            if d is not None and _shown(w.written, (term,), w.chinese) and _shown(d.written, (term,), d.chinese):
                found.append((weight(term), w.written, d.written, (term,), SharedTerm(d.written)))
    return found


def _across_languages(
    side: _Side, other: _Side, weight: Callable[[str], float], *, chinese_in_query: bool
) -> list[_Found]:
    """The Chinese words of ``side`` the glossary knows whose concept ``other`` writes in English."""
    found: list[_Found] = []
    seen: set[str] = set()
    for w in side.words:
        if not w.chinese or w.written in seen or not _shown(w.written, w.terms, True):
            continue
        seen.add(w.written)
        # Of the concept's wordings the other text holds, the one written as the glossary writes it, else
        # the fullest ("real-time monitoring" over "monitoring"; stems make "warehouse managers" hold
        # "warehouse management", but "warehouse" is what it says).
        held = [
            (_same_words(english, wording), len(phrase), english, phrase)
            for wording, phrase in glossary_phrases(w.written)
            if (english := _phrase_at(other.words, other.starts, other.text, phrase)) is not None
            and _shown(english, phrase, False)
        ]
        if not held:
            continue
        _exact, _size, english, phrase = max(held, key=lambda h: h[:2])
        if chinese_in_query:
            found.append((max(map(weight, phrase)), w.written, english, phrase, SharedTerm(english, w.written)))
        else:
            found.append((max(map(weight, phrase)), english, w.written, phrase, SharedTerm(w.written, english)))
    return found


def _pick(found: list[_Found], max_terms: int, skip: set[str] | frozenset[str]) -> tuple[SharedTerm, ...]:
    """The rarest terms first, each written form and each index term once, none of ``skip``."""
    out: list[SharedTerm] = []
    shown_q: set[str] = set()
    shown_d: set[str] = set()
    shown_terms: set[str] = set()
    for _weight, q_form, d_form, terms, chip in sorted(found, key=lambda f: -f[0]):
        q_key, d_key = q_form.lower(), d_form.lower()
        if q_key in shown_q or d_key in shown_d or set(terms) <= shown_terms:
            continue
        if {q_key, d_key} & set(skip) or set(d_key.split()) <= set(skip):
            continue
        out.append(chip)
        shown_q.add(q_key)
        shown_d.add(d_key)
        shown_terms.update(terms)
        if len(out) == max_terms:
            break
    return tuple(out)
