"""Templates keep to the content-security policy: no inline styles or handlers, scripts carry the nonce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE_STYLE = re.compile(r"""\sstyle\s*=|<style[\s>]""", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""[\s(,]on[a-z]+\s*=\s*["']""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def offenders(pattern: re.Pattern) -> dict[str, list[str]]:
    found = {}
    for path in TEMPLATES:
        hits = pattern.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    return found


def test_no_inline_style_attributes_or_blocks():
    assert TEMPLATES
    assert offenders(INLINE_STYLE) == {}


def test_no_inline_event_handlers():
    assert offenders(INLINE_HANDLER) == {}


def refused_scripts(text: str) -> list[str]:
    """Script tags the policy would block: inline without the nonce, or loaded from another site."""
    refused = []
    for tag in SCRIPT_TAG.findall(text):
        if "src=" not in tag and 'nonce="{{ csp_nonce() }}"' not in tag or re.search(r"""src=["'](https?:)?//""", tag):
            refused.append(tag)
    return refused


def test_inline_scripts_carry_the_nonce_and_files_are_our_own():
    refused = {str(path.relative_to(ROOT)): refused_scripts(path.read_text(encoding="utf-8")) for path in TEMPLATES}

    assert {name: tags for name, tags in refused.items() if tags} == {}


def test_the_scanner_catches_what_it_should():
    sample = '<span style="width: 3%"></span><select onchange="go()"><script>go()</script>'

    assert INLINE_STYLE.search(sample) and INLINE_HANDLER.search(sample)
    assert refused_scripts(sample) == ["<script>"]
    assert refused_scripts('<script src="https://cdn.example/x.js">') and not refused_scripts('<script src="/x.js">')
