"""Keys that say two records are the same company: a website's domain and a normalised name."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_LEGAL_SUFFIXES = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|gmbh|co|corp|corporation|plc|sa|pte)\b\.?|有限责任公司|股份有限公司|有限公司|公司"
)


def domain_of(url: str) -> str:
    url = (url or "").strip().lower()
    if not url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.")


def normalised_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return re.sub(r"[\W_]+", "", text)
