"""Small helpers every list query shares: pages, text search and JSON-list filters."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from pypinyin import lazy_pinyin

from marketplace.core.db import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: sa.Select, *, page: int, per_page: int) -> Page[Any]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def text_matches(text: str, *columns) -> sa.ColumnElement[bool]:
    """Every word of ``text`` appears (case-insensitively) in at least one of the columns."""
    words = [w for w in text.split() if w][:8]
    clauses = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        clauses.append(sa.or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return sa.and_(sa.true(), *clauses)


def json_list_contains(column, value: str) -> sa.ColumnElement[bool]:
    """A JSON list column holds ``value``; portable across SQLite and PostgreSQL."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.cast(column, sa.String).like(f'%"{escaped}"%', escape="\\")


def json_list_empty(column) -> sa.ColumnElement[bool]:
    """A JSON list column of strings holds none (every string element brings a quote); SQLite and PostgreSQL."""
    return ~sa.cast(column, sa.String).like('%"%')


def slugify(text: str, fallback: str) -> str:
    """A URL slug: Latin letters and digits as they are, Chinese characters as toneless pinyin syllables."""
    ascii_text = unicodedata.normalize("NFKD", " ".join(lazy_pinyin(text))).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]
    return slug or fallback


def unique_slug(model, text: str, fallback: str) -> str:
    base = slugify(text, fallback)
    taken = set(db.session.scalars(sa.select(model.slug).where(model.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
