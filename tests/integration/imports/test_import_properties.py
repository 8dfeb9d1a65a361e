"""Property-based tests (hypothesis) of importing portfolios into the seeded database.

SQLite only: these properties are about validation and counting, not about the database engine
(tests/integration/imports/test_import_startups.py runs the import on both). The seeded app is
shared by the examples of one test and rolled back after it, so every example uses names,
websites and ids of its own.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput
from marketplace.imports.enums import ImportStatus
from marketplace.imports.mapping import FIELD_ALIASES, auto_map
from marketplace.imports.services import import_rows, start_import
from marketplace.startups.models import Listing, Startup
from tests.conftest import ZJ_MANAGER
from tests.helpers import org, user
from tests.unit.test_import_properties import any_upload

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

DB_EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_batches = itertools.count(1)

FIELDS_IN_FILE = (
    "external_id",
    "name",
    "website",
    "description",
    "founded_year",
    "stage",
    "team_size",
    "funding_raised_usd",
    "sectors",
    "contact_email",
)
text = st.text(
    st.one_of(
        st.sampled_from(list("ab Z9,;\"'=+-@\n公司科技金融")), st.characters(codec="utf-8", exclude_characters="\x00")
    ),
    max_size=30,
)

# One broken field per invalid row, and the column its rejection must name.
BREAKS = {
    "name": st.sampled_from(["", "   ", "x" * 201]),
    "founded_year": st.sampled_from([str(date.today().year + 1), "1850", "2999年"]),
    "team_size": st.sampled_from(["a dozen", "0", "-3", "1.5"]),
    "funding_raised_usd": st.sampled_from(["-1", "lots", str(10**14)]),
    "stage": st.sampled_from(["someday", "unicorn"]),
    "contact_email": st.sampled_from(["not-an-email", "a@", "@b.example"]),
}


@st.composite
def portfolio(draw):
    """Headers (each field under an English or Chinese alias) and rows, some with one broken field.

    Returns (headers, rows, broken) where broken maps a row's index to the field made invalid."""
    header_of = {f: draw(st.sampled_from(FIELD_ALIASES[f])) for f in FIELDS_IN_FILE}
    n = draw(st.integers(1, 8))
    rows, broken = [], {}
    for i in range(n):
        row = {
            "external_id": draw(st.sampled_from(["", f"PF-{{batch}}-{i}"])),
            "name": f"{draw(text).strip()} PF{{batch}}x{i:02d}",
            "website": draw(st.sampled_from(["", f"https://www.pf{{batch}}x{i:02d}.example/about"])),
            "description": draw(text),
            "founded_year": draw(st.sampled_from(["", "{y}", "{y}年5月", "founded in {y}"])).format(
                y=draw(st.integers(1900, date.today().year))
            ),
            "stage": draw(st.sampled_from(["", "A轮", "Series B", "seed", "天使轮", "Pre-IPO", "series_a"])),
            "team_size": draw(st.sampled_from(["", "{n}", "{n:,}", " {n} "])).format(n=draw(st.integers(1, 10**6))),
            "funding_raised_usd": draw(st.sampled_from(["", "{n}", "{n:,}"])).format(n=draw(st.integers(0, 10**13))),
            "sectors": draw(st.sampled_from(["", "金融科技、物联网", "Education", "space tourism; SaaS", "医疗"])),
            "contact_email": draw(st.sampled_from(["", f"bd{i}@pf.example", f"BD{i}@PF.Example"])),
        }
        if draw(st.booleans()):
            field = draw(st.sampled_from(sorted(BREAKS)))
            row[field] = draw(BREAKS[field])
            broken[i] = field
        rows.append(row)
    return header_of, rows, broken


@DB_EXAMPLES
@given(portfolio())
def test_valid_rows_are_imported_invalid_rows_rejected_and_counts_add_up(ctx, generated):
    """In a batch where some rows break a rule: each valid row becomes a new startup listed by the
    incubator, each invalid row is rejected with a reason naming its broken column (as the file
    calls it) and leaves nothing behind, and imported + updated + unchanged + rejected == rows."""
    header_of, template_rows, broken = generated
    batch = f"{next(_batches):04d}"
    rows = [{header_of[f]: value.replace("{batch}", batch) for f, value in row.items()} for row in template_rows]
    incubator = org("zhangjiang-incubator")

    with unit_of_work():
        report = import_rows(
            incubator=incubator,
            actor=None,
            rows=rows,
            mapping=auto_map(list(header_of.values())),
            schedule_embedding=False,
        )

    valid = [i for i in range(len(rows)) if i not in broken]
    assert sum(report.counts.values()) == len(rows)
    assert report.counts == {"imported": len(valid), "updated": 0, "unchanged": 0, "rejected": len(broken)}
    assert {r.row for r in report.rejections} == {2 + i for i in broken}
    for i, field in broken.items():
        reasons = [r for r in report.rejections if r.row == 2 + i]
        assert all(r.reason.strip() for r in reasons)
        assert header_of[field] in {r.column for r in reasons}, (field, reasons)

    names = db.session.scalars(sa.select(Startup.name).where(Startup.name.like(f"%PF{batch}x%"))).all()
    assert sorted(names) == sorted(rows[i][header_of["name"]].strip() for i in valid)
    listed = dict(
        db.session.execute(
            sa.select(Startup.name, Listing.external_id)
            .join(Listing, Listing.startup_id == Startup.id)
            .where(Listing.incubator_id == incubator.id, Startup.name.like(f"%PF{batch}x%"))
        ).all()
    )
    assert listed == {rows[i][header_of["name"]].strip(): rows[i][header_of["external_id"]] or None for i in valid}


@DB_EXAMPLES
@given(any_upload)
def test_any_upload_is_kept_for_mapping_or_refused_with_a_reason(ctx, data):
    """start_import, for any bytes: a batch waiting for its mapping, with as many rows as the file
    and an automatic mapping onto its own headers; or InvalidInput naming the file, with a message."""
    try:
        batch = start_import(
            actor=user(ZJ_MANAGER), incubator=org("zhangjiang-incubator"), filename="upload.bin", data=data, max_rows=50
        )
    except InvalidInput as exc:
        assert list(exc.errors) == ["file"]
        assert all(m.strip() for m in exc.errors["file"])
        return
    assert batch.id is not None and batch.status == ImportStatus.UPLOADED
    assert 0 <= batch.total_rows <= 50
    assert set(batch.mapping) <= set(batch.headers)
    assert batch.data == data
