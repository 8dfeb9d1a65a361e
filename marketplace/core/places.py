"""Countries and cities in the reader's language.

Profiles keep one spelling (the English one when we know the place: "China" whether the form or the import said
China, 中国 or PRC), so the country filter lists each place once; pages show it in the reader's language. Country
names come from Babel's CLDR territory names (every country, English and Chinese); city names from
``data/cities.tsv``, the cities startups list most. A place we do not know is kept and shown as written.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale

_CITIES = Path(__file__).parent / "data" / "cities.tsv"
_LANGUAGES = ("en", "zh_Hans", "zh_Hant")
# Names people write that CLDR does not list under the country's short name.
_COUNTRY_ALIASES = {
    "prc": "CN",
    "p.r. china": "CN",
    "mainland china": "CN",
    "中华人民共和国": "CN",
    "中国大陆": "CN",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "us": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "korea": "KR",
    "south korea": "KR",
}


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for language in _LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code.isalpha() and len(code) == 2:  # countries, not regions such as 001 (world)
                codes.setdefault(_key(name), code)
    codes.update({_key(k): v for k, v in _COUNTRY_ALIASES.items()})
    return codes


@lru_cache(maxsize=1)
def _cities() -> tuple[dict[str, str], dict[str, str]]:
    """(any spelling → English, English → Chinese)."""
    english, chinese = {}, {}
    for line in _CITIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        en, zh = line.split("\t")
        english[_key(en)] = english[_key(zh)] = en
        chinese[en] = zh
    return english, chinese


def _chinese(locale: str) -> bool:
    return str(locale).startswith("zh")


def country_code(text: str) -> str | None:
    """The ISO code of a country written in English or Chinese, or None."""
    return _country_codes().get(_key(text or ""))


def canonical_country(text: str) -> str:
    """The spelling a profile keeps: the English name of a known country, otherwise the text as written."""
    code = country_code(text)
    return Locale("en").territories[code] if code else text


def canonical_city(text: str) -> str:
    """The English name of a known city, otherwise the text as written."""
    return _cities()[0].get(_key(text or ""), text)


def country_name(text: str, locale: str) -> str:
    """A stored country in the reader's language."""
    code = country_code(text)
    if not code:
        return text
    return Locale.parse("zh_Hans" if _chinese(locale) else "en").territories[code]


def city_name(text: str, locale: str) -> str:
    """A stored city in the reader's language."""
    if not _chinese(locale):
        return text
    english = canonical_city(text)
    return _cities()[1].get(english, text)


def place(city: str, country: str, locale: str) -> str:
    """Where a startup is, in the reader's language and order: "Shanghai, China", "中国上海"; either may be blank."""
    city = city_name(city, locale) if city else ""
    country = country_name(country, locale) if country else ""
    if city == country or not country:
        return city or country
    if _chinese(locale) and _cjk(city) and _cjk(country):
        return f"{country}{city}"
    return ", ".join(p for p in (city, country) if p)


def _cjk(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" for ch in text)
