"""The optimistic-version rule and the edit form's version field, without a database (finding 17; the database
side is tests/integration/needs/test_edit_versions.py and test_concurrent_clients.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from marketplace.audit.versioning import StaleEdit, check_version
from marketplace.web.forms import read_version, shown

pytestmark = pytest.mark.unit


def _message(**parts) -> str:
    return "stale {read}->{current}: {fields}".format(**parts)


def test_the_version_read_passes_and_no_version_checks_nothing():
    need = SimpleNamespace(id=1, version=4)

    check_version(need, 4, entity="need", actions=("need.update",), message=_message)
    check_version(need, None, entity="need", actions=("need.update",), message=_message)


def test_a_version_that_never_was_is_stale_with_nothing_to_name():
    need = SimpleNamespace(id=1, version=4)

    with pytest.raises(StaleEdit) as stale:
        check_version(need, 9, entity="need", actions=("need.update",), message=_message)

    assert (stale.value.changed, stale.value.read_version, stale.value.current_version) == ([], 9, 4)
    assert str(stale.value) == "stale 9->4: —"


@pytest.mark.parametrize(
    "sent, read",
    [
        ("3", 3),
        (" 12 ", 12),
        ("", None),
        (None, None),
        ("0", None),
        ("-1", None),
        ("3.0", None),
        ("x", None),
        (str(2**31), None),
    ],
)
def test_an_edit_forms_version_is_a_positive_whole_number_or_nothing(sent, read):
    assert read_version(SimpleNamespace(version=SimpleNamespace(data=sent))) == read


def test_current_values_read_as_text():
    class Stage:
        label = "Series A"

    assert shown(None) == shown("") == shown([]) == "—"
    assert shown(["a", "b"]) == "a, b"
    assert shown(Stage()) == "Series A"
    assert shown(120000) == "120000"
