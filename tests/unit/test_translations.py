"""The Chinese catalogue covers every user-facing string in the code and templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "marketplace" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "mail_subject": None,
    "N_": None,
}


def catalogue():
    with PO.open("rb") as fh:
        return read_po(fh)


def source_msgids() -> set[str]:
    method_map = [("marketplace/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_source_string_is_in_the_chinese_catalogue():
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue() if m.id}

    missing = sorted(source_msgids() - known)

    assert missing == []


def test_every_entry_is_translated_and_not_fuzzy():
    untranslated = [
        m.id
        for m in catalogue()
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]

    assert untranslated == []


def test_placeholders_survive_translation():

    pattern = re.compile(r"%\(\w+\)[sd]")
    broken = []
    for m in catalogue():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(pattern.findall(ids[-1]))
        if any(set(pattern.findall(s)) != wanted for s in strings):
            broken.append(m.id)

    assert broken == []
