"""Property-based tests (hypothesis) of reading and mapping portfolio files, without a database.

Each property is stated in the test's docstring; every example is derandomised so CI sees the
same inputs on every run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from marketplace.core.taxonomy import Sector, StartupStage, clean_tags
from marketplace.imports.enums import FileKind
from marketplace.imports.mapping import (
    FIELD_ALIASES,
    FIELDS,
    TEMPLATE_HEADERS,
    auto_map,
    founded_value,
    normalise_header,
    number_value,
    row_to_fields,
    split_sectors,
    stage_value,
)
from marketplace.imports.reading import Table, UnreadableFile, read_table
from tests.unit.test_import_rules import xlsx_bytes

pytestmark = pytest.mark.unit

FAST = settings(max_examples=200, deadline=None, derandomize=True)
SLOW = settings(max_examples=60, deadline=None, derandomize=True)  # each example builds a workbook


SAMPLE_XLSX = xlsx_bytes(
    [["公司名称", "Website", "Founded"]] + [[f"公司{i}", f"s{i}.example", 2000 + i] for i in range(300)]
)


def _member_span(data: bytes, name: str) -> tuple[int, int]:
    """Where a ZIP member's compressed bytes lie in the archive."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return start, start + info.compress_size


SHEET_SPAN = _member_span(SAMPLE_XLSX, "xl/worksheets/sheet1.xml")


def broken_sheet_xlsx() -> bytes:
    """A zeroed byte in the middle of the sheet: opens fine, fails while the rows are read."""
    data = bytearray(SAMPLE_XLSX)
    data[sum(SHEET_SPAN) // 2] = 0
    return bytes(data)


def unsupported_zip_version_xlsx() -> bytes:
    """The central directory says a member needs ZIP version 19.9 to extract."""
    data = bytearray(SAMPLE_XLSX)
    data[data.index(b"PK\x01\x02") + 6] = 199
    return bytes(data)


def bad_utf8_name_xlsx() -> bytes:
    """The central directory flags a member's name as UTF-8, and it is not."""
    data = bytearray(SAMPLE_XLSX)
    entry = data.index(b"PK\x01\x02")
    data[entry + 9] |= 0x08  # general purpose flag bit 11: the name is UTF-8
    data[entry + 46] = 0xFF  # the name's first byte
    return bytes(data)


# -- strategies ---------------------------------------------------------------------------------

# Text a portfolio cell may hold: Latin, Chinese, CSV/JSON syntax, formula starts, line breaks.
CELL_CHARS = st.one_of(
    st.sampled_from(list("abcXYZ019 ,;\t\"'=+-@\n\r.:/|()，、；：（）")),
    st.sampled_from(list("公司名称科技金融物联网区块链医疗教育上海北京深圳链融")),
    st.characters(codec="utf-8", exclude_characters="\x00"),
)
cell_text = st.text(CELL_CHARS, max_size=25).map(str.strip)


@st.composite
def mutated_xlsx(draw) -> bytes:
    """A real workbook with a few bytes changed (anywhere, or inside the sheet's compressed XML), or cut short."""
    data = bytearray(SAMPLE_XLSX)
    how = draw(st.sampled_from(["anywhere", "sheet", "truncate"]))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    lo, hi = (0, len(data)) if how == "anywhere" else SHEET_SPAN
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.integers(lo, hi - 1))] = draw(st.integers(0, 255))
    return bytes(data)


PREFIXES = st.sampled_from(
    [
        b"",
        b"PK\x03\x04",
        b"[",
        b"{",
        b"\xef\xbb\xbf",
        b"[{",
        b'{"name": ',
        b"name,website\n",
        b"\xef\xbb\xbf[",
        b"[" * 5000,
        b'[{"n": ' + b"9" * 5000,
        b"a\r\n",
        b"a\rb\r",
    ]
)


any_upload = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda p, b: p + b, PREFIXES, st.binary(max_size=200)),
    st.builds(
        lambda p, t, enc: p + t.encode(enc),
        PREFIXES,
        st.text(CELL_CHARS, max_size=200),
        st.sampled_from(["utf-8", "gb18030"]),
    ),
    mutated_xlsx(),
)


# -- reading any bytes --------------------------------------------------------------------------


@FAST
@given(any_upload)
@example(b"[" * 100_000)  # deeper than Python's recursion limit
@example(b'[{"name": ' + b"1" * 5000 + b"}]")  # an integer longer than int() accepts
@example(b"name,website\n" + b"x" * 200_000)  # a field longer than the csv module's limit
@example(b"name,website\rAcme,acme.example\r")  # classic Mac line endings
@example(broken_sheet_xlsx())
@example(b'[{"name": "Nul\\u0000 Co", "tags": ["a\\u0000", 1]}]')  # JSON escapes for NUL
@example(b"name,website\n" + b"a" * 5000 + b",b\nNul\x00 Co,x.example\n")  # a NUL byte past the binary check
@example(unsupported_zip_version_xlsx())
@example(bad_utf8_name_xlsx())
def test_any_bytes_read_as_rows_or_fail_with_a_message(data):
    """Whatever is uploaded, reading gives a well-formed table or UnreadableFile with a message a
    person can read (start_import turns that into InvalidInput); never any other exception. No
    cell holds a NUL character, which PostgreSQL text columns refuse (the whole import failed)."""
    try:
        table = read_table(data)
    except UnreadableFile as exc:
        assert str(exc).strip()
        return
    assert isinstance(table, Table) and table.kind in FileKind
    assert table.headers and all(isinstance(h, str) for h in table.headers)
    for row in table.rows:
        assert set(row) <= set(table.headers)
        assert all(isinstance(v, str) and "\x00" not in v for v in row.values())


# -- round trips --------------------------------------------------------------------------------


@st.composite
def records(draw, *, cells=cell_text, max_columns: int = 5, max_rows: int = 6):
    """Distinct non-empty headers and rows of cells (text with no surrounding whitespace).

    Headers are column names, so they hold no ";" or tab: "a;b" alone on a line is as much two
    semicolon-separated columns as one, and the reader has to guess the delimiter. The first
    header does not start with what marks another kind of file: "[" or "{" (JSON) or a
    byte-order mark; such a file is read by its content as JSON (see reading.sniff)."""
    name = cells.filter(lambda h: h and not re.search("[;\t]", h))
    headers = draw(
        st.lists(name, min_size=1, max_size=max_columns, unique=True).filter(
            lambda hs: not hs[0].startswith(("[", "{", "\ufeff"))
        )
    )
    rows = draw(st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers)), max_size=max_rows))
    return headers, rows


def csv_bytes(headers, rows, encoding: str = "utf-8", **fmt) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, **fmt)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def expected_rows(headers, rows):
    """What a reader returns: blank lines dropped, each row a header → cell dict."""
    return [dict(zip(headers, row, strict=True)) for row in rows if any(row)]


# How spreadsheets and CRMs write CSV: Excel's \r\n with minimal quoting, or \n with every cell
# quoted (Python 3.11's writer leaves a lone \r unquoted when the line ends in \n alone).
WRITERS = st.sampled_from([{"lineterminator": "\r\n"}, {"lineterminator": "\n", "quoting": csv.QUOTE_ALL}])


@FAST
@given(records(), st.sampled_from(["utf-8", "utf-8-sig"]), WRITERS)
@example((["name", "notes"], [["Acme", "a;b;c"], ["Beta", "x;y"]]), "utf-8", {"lineterminator": "\r\n"})
@example(
    (["公司名称", "简介"], [["链融", "=1+1"], ["'quoted'", 'say "hi", then\nbye']]),
    "utf-8-sig",
    {"lineterminator": "\n", "quoting": csv.QUOTE_ALL},
)
@example((["name", "note"], [["'a'", '"'], ["b", "x\ry"]]), "utf-8", {"lineterminator": "\r\n"})
def test_csv_written_from_records_reads_back_the_same(data, encoding, writer):
    """A CSV written by a standard writer (quotes, commas, semicolons, line breaks, Chinese,
    formula-looking cells) reads back to the same headers and values: nothing lost, split,
    merged or neutralised on the way in."""
    headers, rows = data
    table = read_table(csv_bytes(headers, rows, encoding, **writer))

    assert table.kind == FileKind.CSV
    assert table.headers == headers
    assert table.rows == expected_rows(headers, rows)


@FAST
@given(records())
def test_json_and_json_lines_read_back_the_same(data):
    """The same records as a JSON list and as JSON Lines read back to the same table."""
    headers, rows = data
    objects = [dict(zip(headers, row, strict=True)) for row in rows]
    assume(objects)
    as_json = read_table(json.dumps(objects, ensure_ascii=False).encode())
    as_lines = read_table("\n".join(json.dumps(o) for o in objects).encode())

    assert as_json.headers == as_lines.headers == headers
    assert as_json.rows == as_lines.rows == objects


# Characters an .xlsx cell can hold (XML 1.0 has no control characters but tab and line breaks).
xlsx_cell = st.text(
    st.one_of(
        st.sampled_from(list("ab Z9,;\"'=+-@\n\t公司科技")),
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    ),
    max_size=20,
).map(str.strip)


@SLOW
@given(records(cells=xlsx_cell, max_columns=4, max_rows=4))
def test_xlsx_reads_back_what_csv_reads(data):
    """The same grid as a workbook and as a CSV reads to the same headers and rows."""
    headers, rows = data
    workbook = read_table(xlsx_bytes([headers, *rows]))
    text = read_table(csv_bytes(headers, rows))

    assert workbook.kind == FileKind.XLSX
    assert (workbook.headers, workbook.rows) == (text.headers, text.rows) == (headers, expected_rows(headers, rows))


# Chinese text GBK can encode (GBK has no emoji nor rare CJK extensions), with ASCII mixed in.
gbk_cell = st.text(
    st.one_of(st.sampled_from(list("abc 019,.\"'=-\n")), st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)),
    max_size=15,
).map(str.strip)


@FAST
@given(st.lists(st.lists(gbk_cell, min_size=3, max_size=3), min_size=1, max_size=5))
def test_utf8_and_gbk_of_the_same_chinese_text_read_the_same(rows):
    """A Chinese CRM export in UTF-8, UTF-8 with BOM, GBK or GB18030 reads to the same table.

    The header row is the Chinese template's (as real exports have), which is never valid UTF-8
    in GBK: a file of only a few Chinese characters can be valid in both, and then no reader can
    know which was meant."""
    headers = TEMPLATE_HEADERS["zh"][:3]
    tables = [read_table(csv_bytes(headers, rows, encoding)) for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030")]

    assert all(t.kind == FileKind.CSV for t in tables)
    assert all((t.headers, t.rows) == (headers, expected_rows(headers, rows)) for t in tables)


# -- header mapping -----------------------------------------------------------------------------

ALIASES = [(field, alias) for field, aliases in FIELD_ALIASES.items() for alias in aliases]
SEPARATORS = st.text(st.sampled_from(list(" _-/().:：（）\t")), max_size=2)


@st.composite
def spelled(draw, alias: str) -> str:
    """The alias as people type it: any case, with spaces, underscores, dots or brackets in between."""
    out = draw(SEPARATORS)
    for ch in alias:
        out += (ch.upper() if draw(st.booleans()) else ch) + draw(SEPARATORS)
    return out


@FAST
@given(st.sampled_from(ALIASES).flatmap(lambda fa: st.tuples(st.just(fa[0]), spelled(fa[1]))))
def test_header_maps_to_its_field_whatever_the_case_spacing_or_punctuation(field_and_header):
    """Any alias (English or Chinese), in any case and with separators anywhere, maps to its field."""
    field, header = field_and_header

    assert auto_map([header]) == {header: field}


def _has_latin_and_chinese(aliases) -> bool:
    return any(a.isascii() for a in aliases) and any(not a.isascii() for a in aliases)


@FAST
@given(st.permutations(FIELDS), st.lists(st.booleans(), min_size=len(FIELDS), max_size=len(FIELDS)), st.randoms())
def test_english_and_chinese_headers_give_the_same_mapping(order, use_chinese, rnd):
    """A file with one header per field, each header in English or Chinese as it happens, in any
    column order, maps every column to its field: the language of the aliases does not matter."""
    headers = {}
    for field, chinese in zip(order, use_chinese, strict=True):
        pool = [a for a in FIELD_ALIASES[field] if a.isascii() != chinese] or list(FIELD_ALIASES[field])
        headers[field] = rnd.choice(pool)

    mapping = auto_map([headers[f] for f in order])

    assert {headers[f]: f for f in FIELDS} == mapping


def test_every_field_has_english_and_chinese_aliases_and_no_alias_is_shared():
    """The alias table itself: both languages for every field, and no alias claimed by two fields
    (auto_map would silently pick one)."""
    seen: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        assert _has_latin_and_chinese(aliases), field
        for alias in aliases:
            assert alias == normalise_header(alias), alias  # compared after normalising
            assert seen.setdefault(alias, field) == field, f"{alias} is an alias of {seen[alias]} and {field}"


@FAST
@given(st.lists(st.sampled_from([a for _, a in ALIASES]) | cell_text, max_size=8))
def test_auto_map_takes_each_field_once_from_its_first_column(headers):
    """auto_map never maps two columns to one field, and a field's column is its first matching one."""
    mapping = auto_map(headers)

    assert len(set(mapping.values())) == len(mapping)
    for header, field in mapping.items():
        first = next(h for h in headers if auto_map([h]).get(h) == field)
        assert header == first


# -- cell normalisation -------------------------------------------------------------------------

free_text = st.text(CELL_CHARS, max_size=30)
stage_text = st.one_of(
    free_text,
    st.sampled_from(
        ["A轮", "Pre-A", "Series B", "天使轮", "种子轮", "C+轮", "Pre-IPO", "seed", "b", " SERIES  a ", "later", "上市"]
        + [s.value for s in StartupStage]
    ),
)
sector_text = st.one_of(
    free_text,
    st.lists(
        st.sampled_from(
            [
                "金融科技",
                "物联网",
                "Education",
                "space tourism",
                "SaaS",
                "区块链",
                "医疗",
                "health",
                "iot_logistics",
                "sme_finance",
                "  ",
                "retail",
                "/",
                "、",
            ]
        ),
        max_size=5,
    ).map("、".join),
)


@FAST
@given(free_text)
def test_header_normalisation_is_idempotent(text):
    """normalise_header(normalise_header(x)) == normalise_header(x)."""
    assert normalise_header(normalise_header(text)) == normalise_header(text)


@FAST
@given(stage_text)
def test_stage_normalisation_is_idempotent_and_lands_on_a_stage_when_it_can(text):
    """Normalising a stage twice changes nothing; a recognised stage is one of StartupStage's values."""
    once = stage_value(text)
    assert stage_value(once or "") == once
    if once is not None and once != text.strip().lower():
        assert once in {s.value for s in StartupStage}


@FAST
@given(st.one_of(free_text, st.from_regex(r"\A.{0,6}(19|20)\d\d.{0,6}\Z")))
def test_founded_year_and_number_normalisation_are_idempotent(text):
    """Year and number cells normalise to a fixed point at once; a cell holding a year 19xx/20xx
    normalises to exactly that year."""
    assert founded_value(founded_value(text) or "") == founded_value(text)
    assert number_value(number_value(text) or "") == number_value(text)
    year = founded_value(text)
    if year and re.search(r"(19|20)\d\d", text):
        assert re.fullmatch(r"(19|20)\d\d", year)


@FAST
@given(sector_text)
def test_sector_splitting_is_idempotent_and_loses_nothing(text):
    """Recognised sectors re-split to themselves; leftovers (kept as tags) are never sectors and
    re-split to themselves; no non-blank part of the cell disappears."""
    sectors, leftovers = split_sectors(text)

    assert all(s in {x.value for x in Sector} for s in sectors)
    assert len(set(sectors)) == len(sectors)
    assert split_sectors(", ".join(sectors)) == (sectors, [])
    assert split_sectors(",".join(leftovers)) == ([], leftovers)
    parts = [p.strip() for p in re.split(r"[,;，；、/|]+", text) if p.strip()]
    assert leftovers == [p for p in parts if not split_sectors(p)[0]]
    assert sectors == list(dict.fromkeys(s for p in parts for s in split_sectors(p)[0]))


@FAST
@given(free_text)
def test_tag_cleaning_is_idempotent(text):
    """Cleaned tags (trimmed, lower case, distinct, no separators left) clean to themselves."""
    once = clean_tags(text, lower=True)

    assert clean_tags(", ".join(once), lower=True) == once
    assert all(t and t == t.strip() and not re.search(r"[,，；;\n]", t) for t in once)


def _as_cells(data: dict) -> dict[str, str]:
    """Normalised fields written back as the cells of a file with the field names as headers."""
    return {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in data.items()}


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "name": free_text,
            "website": free_text,
            "description": free_text,
            "founded_year": free_text,
            "stage": stage_text,
            "team_size": free_text,
            "funding_raised_usd": free_text,
            "tags": free_text,
            "sectors": sector_text,
            "contact_email": free_text,
            "external_id": free_text,
        },
    )
)
def test_row_normalisation_is_idempotent(row):
    """A row normalised once and written back as cells normalises to the same fields again."""
    once, external_id = row_to_fields(row, {f: f for f in row})
    cells = {**_as_cells(once), "external_id": external_id or ""}
    again, external_again = row_to_fields(cells, {f: f for f in cells})

    assert again == once
    assert external_again == external_id
