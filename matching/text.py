"""Text handling shared by every method: sentences, passages and tokens (English and Chinese)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import jieba
import Stemmer

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(\u3400-\u4dbf\u4e00-\u9fff])|(?<=[。！？；])|\n+")
_DATA = Path(__file__).parent / "data"
_CJK_PUNCTUATION = str.maketrans(
    {
        "，": ",",
        "、": ",",
        "。": ".",
        "：": ":",
        "；": ";",
        "！": "!",
        "？": "?",
        "（": "(",
        "）": ")",
        "“": '"',
        "”": '"',
    }
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+(?:[+#]+|(?:['’][a-z]+))?")
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9][A-Za-z0-9+#'’]*")

# Words that say nothing about what a company does or what a need asks for, on top of the
# usual English stop words. Kept short and generic: no word tuned to one query.
_DOMAIN_STOP = {
    "company",
    "companies",
    "startup",
    "startups",
    "platform",
    "solution",
    "solutions",
    "product",
    "products",
    "customers",
    "customer",
    "business",
    "businesses",
    "help",
    "helps",
    "helping",
    "provide",
    "provides",
    "offer",
    "offers",
    "build",
    "builds",
    "building",
    "use",
    "uses",
    "using",
    "want",
    "wants",
    "looking",
    "need",
    "needs",
    "partner",
    "partners",
    "like",
    "also",
    "make",
    "makes",
    "new",
    "way",
    "ways",
    "based",
    "every",
    "one",
    "two",
    "today",
    "world",
    "leading",
    "across",
    "them",
    "they",
    "their",
    "lets",
    "let",
    "our",
    "ours",
    "we",
    "us",
    "you",
    "your",
    "its",
    "it",
    "can",
    "within",
    "without",
    "whoever",
    "whatever",
    "each",
    "many",
    "much",
    "more",
    "most",
    "over",
}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN  # noqa: PLC0415 (bm25s pulls in scipy: 0.4 s at first use, not at start)

    return frozenset(STOPWORDS_EN) | _DOMAIN_STOP


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def content_hash(*parts: str) -> str:
    """A stable digest of the text that goes into an embedding (with the model name as a part)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


def sentences(text: str) -> list[str]:
    """Sentences of English or Chinese text, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def passages(text: str, *, max_words: int = 60) -> list[str]:
    """Consecutive sentences grouped into passages that fit comfortably in a small model's window.

    A Chinese character counts as a word. A single over-long sentence is cut at ``max_words``.
    """
    out: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences(text):
        words = _word_count(sentence)
        if words > max_words:
            if current:
                out.append(" ".join(current))
                current, size = [], 0
            out.extend(_cut(sentence, max_words))
            continue
        if current and size + words > max_words:
            out.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += words
    if current:
        out.append(" ".join(current))
    return out


def _word_count(text: str) -> int:
    cjk = sum(len(run) for run in _CJK.findall(text))
    return cjk + len(_LATIN.findall(_CJK.sub(" ", text.lower())))


def _cut(sentence: str, max_words: int) -> list[str]:
    if has_cjk(sentence):
        return [sentence[i : i + max_words] for i in range(0, len(sentence), max_words)]
    words = sentence.split()
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]


def tokenize(text: str, *, stem: bool = True) -> list[str]:
    """Index terms: lower-cased English words (stemmed, stop words dropped) and Chinese words.

    Chinese words the bilingual glossary knows become the English index terms of their concept, so a
    Chinese need and an English profile (or the reverse) share terms; other Chinese words stay as jieba
    segments. ``stem=False`` gives each term as written instead (for explanations).
    """
    pairs = term_pairs(text)
    return [term for _written, term in pairs] if stem else [written for written, _term in pairs]


def term_pairs(text: str) -> list[tuple[str, str]]:
    """(word as written, index term) for every index term of ``text``, in order (English words lower-cased)."""
    text = text or ""
    return [(text[span.start : span.end].lower().replace("’", "'"), span.term) for span in term_spans(text)]


@dataclass(frozen=True)
class TermSpan:
    """Where an index term comes from: ``text[start:end]`` (an English word without a trailing 's, or a
    Chinese word; a Chinese word the glossary knows gives one span per index term of its concept)."""

    start: int
    end: int
    term: str


def term_spans(text: str) -> list[TermSpan]:
    """Every index term of ``text`` with the span of text it comes from, in order (what ``tokenize`` reads)."""
    text = text or ""
    stop = _stop_words()
    out: list[TermSpan] = []
    latin: list[int] = []
    for match in _TOKEN_RUN.finditer(text):
        run = match.group(0)
        if _CJK.match(run):
            out.extend(_chinese_spans(run, match.start()))
            continue
        word = run.lower().replace("’", "'")
        end = match.end()
        if word.endswith("'s"):
            word, end = word[:-2], end - 2
        if len(word) < 2 or word in stop or word.isdigit():
            continue
        latin.append(len(out))
        out.append(TermSpan(match.start(), end, word))
    for i, stemmed in zip(latin, _stemmer().stemWords([out[i].term for i in latin]), strict=True):
        out[i] = replace(out[i], term=stemmed)
    return out


def _chinese_spans(run: str, offset: int) -> list[TermSpan]:
    glossary = _glossary()
    stop = _stop_words_zh()
    spans: list[TermSpan] = []
    start = offset
    for word in _segmenter().lcut(run):
        # A word the glossary does not know may still hold ones it does (医疗机构 → 医疗, 机构).
        parts = [word] if word in glossary else _segmenter().lcut_for_search(word)
        for part in parts:
            at = start + max(word.find(part), 0)
            part = part.strip()
            if part in glossary:
                spans.extend(TermSpan(at, at + len(part), term) for term in glossary[part])
            elif len(part) > 1 and part not in stop:
                spans.append(TermSpan(at, at + len(part), part))
        start += len(word)
    return spans


def stem_words(words: list[str]) -> list[str]:
    """English words stemmed, everything else (Chinese words) unchanged, same length and order."""
    out = list(words)
    latin = [i for i, w in enumerate(out) if w.isascii()]
    for i, stemmed in zip(latin, _stemmer().stemWords([out[i] for i in latin]), strict=True):
        out[i] = stemmed
    return out


@lru_cache(maxsize=1)
def _glossary() -> dict[str, tuple[str, ...]]:
    """Chinese form → the English index terms of its concept (every English form, stemmed, deduplicated)."""
    glossary: dict[str, tuple[str, ...]] = {}
    for chinese, english in _glossary_lines():
        terms = tuple(dict.fromkeys(term for phrase in english for _w, term in term_pairs(phrase)))
        for form in chinese:
            if terms:
                glossary[form] = terms
    return glossary


def glossary_phrases(form: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each English wording of a Chinese form's concept with its index terms in order (物联网 → ("iot",
    ("iot",)), ("internet of things", ("internet", "thing"))); empty for a form the glossary does not know."""
    return _glossary_phrases().get(form, ())


@lru_cache(maxsize=1)
def _glossary_phrases() -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    phrases: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    for chinese, english in _glossary_lines():
        found = tuple((p, terms) for p in english if (terms := tuple(t for _w, t in term_pairs(p))))
        for form in chinese:
            if found:
                phrases[form] = found
    return phrases


@lru_cache(maxsize=1)
def glossary_abbreviations() -> frozenset[str]:
    """The glossary's English wordings of two letters or fewer (ai, ml, 5g): the only words that short that
    say something."""
    return frozenset(p.lower() for _chinese, english in _glossary_lines() for p in english if len(p) <= 2)


@lru_cache(maxsize=1)
def glossary_words() -> frozenset[str]:
    """The glossary's English wordings of one word, lower-cased (iot, his, 5g)."""
    return frozenset(p.lower() for _chinese, english in _glossary_lines() for p in english if " " not in p)


def stop_words() -> frozenset[str]:
    """Stop words: English (with our domain list, and their stems: "used" is indexed as "use") and Chinese;
    explanations never show them."""
    return _all_stop_words()


@lru_cache(maxsize=1)
def _all_stop_words() -> frozenset[str]:
    english = _stop_words()
    return english | frozenset(_stemmer().stemWords(sorted(english))) | _stop_words_zh()


def chip_stop_words() -> frozenset[str]:
    """Words an explanation never shows as a shared term: ``stop_words()``, NLTK's English list and the Chinese
    list that ship with bm25s, and ``data/chip_stopwords.txt`` (generic words: "see", "data", 数据); English ones
    also as stems. The glossary's Chinese forms stay shown (安全 is on bm25s's list). Display only: the index
    keeps its own, shorter list, so rankings do not change."""
    return _chip_stop_words()


@lru_cache(maxsize=1)
def _chip_stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN_PLUS  # noqa: PLC0415 (bm25s pulls in scipy)

    lines = (_DATA / "chip_stopwords.txt").read_text(encoding="utf-8").splitlines()
    listed = {word.strip().lower() for word in lines if word.strip() and not word.startswith("#")}
    english = {w for w in (*STOPWORDS_EN_PLUS, *listed) if not has_cjk(w)}
    chinese = ({w for w in (*STOPWORDS_CHINESE, *listed) if has_cjk(w)}) - set(_glossary())
    return stop_words() | english | frozenset(_stemmer().stemWords(sorted(english))) | chinese


def in_english(text: str) -> str:
    """The text with each Chinese run replaced by the main English wording of the glossary concepts in it
    (unknown Chinese words dropped): what an English-only model can read of a Chinese text. English text
    comes back unchanged."""
    if not has_cjk(text):
        return text
    main = _glossary_main()

    def english(match: re.Match) -> str:
        words = [
            main[part]
            for word in _segmenter().lcut(match.group(0))
            for part in ([word] if word in main else _segmenter().lcut_for_search(word))
            if part in main
        ]
        return f" {', '.join(dict.fromkeys(words))} " if words else " "

    text = _CJK.sub(english, text).translate(_CJK_PUNCTUATION)
    return re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip()


def glossary_forms(term: str) -> tuple[str, ...]:
    """The Chinese forms whose concept includes this English index term (for showing both sides)."""
    return _forms_by_term().get(term, ())


@lru_cache(maxsize=1)
def _forms_by_term() -> dict[str, tuple[str, ...]]:
    forms: dict[str, list[str]] = {}
    for form, terms in _glossary().items():
        for term in terms:
            forms.setdefault(term, []).append(form)
    return {term: tuple(found) for term, found in forms.items()}


@lru_cache(maxsize=1)
def _glossary_main() -> dict[str, str]:
    """Chinese form → its concept's first English form."""
    main: dict[str, str] = {}
    for chinese, english in _glossary_lines():
        for form in chinese:
            main[form] = english[0]
    return main


def canonical_label(label: str) -> str:
    """A label as the index compares it: lower case, and a Chinese label the glossary knows as its concept's
    main English form (a profile tagged 物联网 shares the label "iot" with one tagged IoT)."""
    label = label.strip()
    return _glossary_main().get(label, label).lower()


def glossary_concepts() -> list[tuple[list[str], list[str]]]:
    """The glossary's concepts: (Chinese forms, English forms), main form first."""
    return _glossary_lines()


@lru_cache(maxsize=1)
def _glossary_lines() -> list[tuple[list[str], list[str]]]:
    lines = []
    for line in (_DATA / "glossary_zh_en.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        chinese, _tab, english = line.partition("\t")
        forms = [f.strip() for f in chinese.split("|") if f.strip()]
        phrases = [p.strip() for p in english.split("|") if p.strip()]
        if forms and phrases:
            lines.append((forms, phrases))
    return lines


@lru_cache(maxsize=1)
def _stop_words_zh() -> frozenset[str]:
    lines = (_DATA / "stopwords_zh.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(word.strip() for word in lines if word.strip() and not word.startswith("#"))


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    """A jieba tokenizer of our own that knows the glossary's Chinese forms as words."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for form in _glossary():
        tokenizer.add_word(form, freq=max(tokenizer.suggest_freq(form), 50))
    return tokenizer


def surface_terms(text: str) -> dict[str, str]:
    """Index term → the first word in ``text`` that produced it, in order of appearance."""
    terms: dict[str, str] = {}
    for word, term in term_pairs(text):
        terms.setdefault(term, word)
    return terms
