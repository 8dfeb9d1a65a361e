"""Text handling shared by every method: sentences, passages and tokens (English and Chinese)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_SENTENCE_END = re.compile(
    r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(\u3400-\u4dbf\u4e00-\u9fff])|(?<=[。！？；])|\n+"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+(?:[+#]+|(?:['’][a-z]+))?")
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9][A-Za-z0-9+#'’]*")

# Words that say nothing about what a company does or what a need asks for, on top of the
# usual English stop words. Kept short and generic: no word tuned to one query.
_DOMAIN_STOP = {
    "company", "companies", "startup", "startups", "platform", "solution", "solutions", "product",
    "products", "customers", "customer", "business", "businesses", "help", "helps", "helping",
    "provide", "provides", "offer", "offers", "build", "builds", "building", "use", "uses", "using",
    "want", "wants", "looking", "need", "needs", "partner", "partners", "like", "also", "make", "makes",
    "new", "way", "ways", "based", "every", "one", "two", "today", "world", "leading", "across",
    "them", "they", "their", "lets", "let", "our", "ours", "we", "us", "you", "your", "its", "it",
    "can", "within", "without", "whoever", "whatever", "each", "many", "much", "more", "most", "over",
}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _DOMAIN_STOP


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


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
        return [sentence[i:i + max_words] for i in range(0, len(sentence), max_words)]
    words = sentence.split()
    return [" ".join(words[i:i + max_words]) for i in range(0, len(words), max_words)]


def tokenize(text: str, *, stem: bool = True) -> list[str]:
    """Index terms: lower-cased English words (stemmed, stop words dropped) and jieba words for Chinese."""
    stop = _stop_words()
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(text or ""):
        if _CJK.match(run):
            for word in _jieba().lcut_for_search(run):
                word = word.strip()
                if len(word) > 1 or (word and not word.isspace() and word not in "的了和与及或在是"):
                    tokens.append(word)
            continue
        word = run.lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 2 or word in stop or word.isdigit():
            continue
        tokens.append(word)
    return stem_words(tokens) if stem else tokens


def stem_words(words: list[str]) -> list[str]:
    """English words stemmed, everything else (Chinese words) unchanged, same length and order."""
    out = list(words)
    latin = [i for i, w in enumerate(out) if w.isascii()]
    for i, stemmed in zip(latin, _stemmer().stemWords([out[i] for i in latin])):
        out[i] = stemmed
    return out


def surface_terms(text: str) -> dict[str, str]:
    """Index term → the first word in ``text`` that produced it, in order of appearance."""
    words = tokenize(text, stem=False)
    stems = stem_words(words)
    terms: dict[str, str] = {}
    for word, stem in zip(words, stems):
        terms.setdefault(stem, word)
    return terms
