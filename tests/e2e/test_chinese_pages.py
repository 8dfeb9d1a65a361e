"""A Chinese bank user sees no English string of our catalogue on the pages a bank user uses.

The strings checked: every msgid of the Chinese catalogue whose translation differs, that is plain English
of at least two words and ten letters, with no placeholder. Exclusions, against false positives from data
(English startup profiles, need titles, organisation names): single words and short phrases ("Stage",
"Fintech" appear inside English profiles), and text matched only as whole words of a phrase."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from marketplace.core.config import REPO_ROOT
from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.e2e

CHINESE_BANK_USER = "lin.yue@bank.example.com"  # locale zh_Hans in fixtures/users.json
CATALOGUE = REPO_ROOT / "marketplace" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
PAGES = [
    "/",
    "/needs/",
    "/needs/new",
    "/startups/",
    "/events/",
    "/notifications/",
    "/account",
    "/account/password",
    "/account/tokens",
]


def english_catalogue_strings() -> set[str]:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = set()
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or not message.string or message.string == message.id:
            continue
        text = message.id.strip()
        if "%" in text or "{" in text or "<" in text or not re.fullmatch(r"[A-Za-z][A-Za-z ,.'’-]+[A-Za-z.]", text):
            continue
        if len(text.split()) >= 2 and sum(c.isalpha() for c in text) >= 10:
            found.add(text)
    return found


def english_in(text: str, strings: set[str]) -> set[str]:
    return {s for s in strings if re.search(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])", text)}


def test_a_chinese_bank_user_sees_no_english_catalogue_string(live_server, browser):
    base, _app = live_server
    strings = english_catalogue_strings()
    context, page = signed_in(browser, base, CHINESE_BANK_USER)
    try:
        paths = list(PAGES)
        for listing, detail in (
            ("/needs/", r"/needs/\d+$"),
            ("/startups/", r"/startups/\d+$"),
            ("/needs/", r"/candidates/\d+$"),
        ):
            page.goto(f"{base}{listing}")
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
            paths += [h for h in hrefs if re.match(detail, h)][:1]
        found = {}
        for path in paths:
            page.goto(f"{base}{path}")
            english = english_in(page.inner_text("body"), strings)
            if english:
                found[path] = sorted(english)
    finally:
        context.close()

    assert len(strings) > 100
    assert len(paths) >= len(PAGES) + 2
    assert found == {}
