"""How far an upload is read (security review, finding 10), without a database.

Files are read as a stream and no further than the row limit; a workbook is refused from the sizes in
its ZIP directory before anything is unpacked. Each test builds its file in tmp_path, workbooks with
zipfile directly (a few lines of XML repeated), so they are fast. "Stopped at the limit" is shown
without timing: the rows past the limit are broken, so a reader that went on would fail differently.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Callable

import pytest

from marketplace.imports.enums import FileKind
from marketplace.imports.reading import (
    MAX_COLUMNS,
    MB,
    XLSX_PART_BYTES,
    XLSX_SHEET_BYTES,
    TooManyRows,
    UnreadableFile,
    first_rows,
    read_table,
    scan_table,
)
from tests.upload_files import CONTENT_TYPES, MAIN, huge_csv, workbook, zip_bomb

pytestmark = pytest.mark.unit


def peak_memory(read: Callable[[], object]) -> tuple[object, int]:
    """What read() returned or raised, and the peak of Python allocations while it ran (bytes)."""
    tracemalloc.start()
    try:
        try:
            outcome = read()
        except UnreadableFile as exc:
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_minimal_workbook_built_here_reads_like_any_other(tmp_path):
    """The builder's workbooks are real ones: the tests below refuse them for their size alone."""
    table = read_table(workbook(tmp_path / "small.xlsx", rows=3).read_bytes())

    assert table.kind == FileKind.XLSX
    assert table.headers == ["name", "website"]
    assert table.rows == [{"name": "x", "website": "x.example"}] * 3


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(tmp_path):
    data = zip_bomb(tmp_path / "bomb.xlsx").read_bytes()
    sheet = zipfile.ZipFile(tmp_path / "bomb.xlsx").getinfo("xl/worksheets/sheet1.xml")
    assert len(data) < MB and sheet.file_size > 2 * XLSX_SHEET_BYTES  # the review's: 429 KB, 3 M rows

    outcome, peak = peak_memory(lambda: scan_table(data, max_rows=20_000))

    assert isinstance(outcome, UnreadableFile)
    assert str(outcome) == (
        "The workbook is too large once unpacked: xl/worksheets/sheet1.xml holds more than "
        "64 MB. Split it into smaller files."
    )
    assert peak < 5 * MB


def test_a_workbook_is_read_no_further_than_the_row_limit(tmp_path):
    """Past row 1,001 the sheet's XML is broken: a reader that went on would say the workbook is broken.
    (The sheet says its size up front, as Excel writes it, so openpyxl does not read it through first.)"""

    def long_sheet(rows: int) -> bytes:
        return workbook(
            tmp_path / f"{rows}.xlsx", rows=rows, tail=b"<row><c><v>broken", dimension=f"A1:B{rows + 1}"
        ).read_bytes()

    with pytest.raises(TooManyRows, match="more than 1000 rows; the limit is 1000"):
        scan_table(long_sheet(50_000), max_rows=1000)
    with pytest.raises(UnreadableFile, match="cannot be opened"):  # what reading on would have met
        scan_table(long_sheet(10), max_rows=1000)


def test_a_csv_of_millions_of_rows_is_read_no_further_than_the_limit_in_bounded_memory(tmp_path):
    """The review's first file (8 million rows): had the reader gone on, it would have met the broken
    last line."""
    data = huge_csv(tmp_path / "rows.csv").read_bytes()
    assert len(data) < 16 * MB

    outcome, peak = peak_memory(lambda: scan_table(data, max_rows=20_000))

    assert isinstance(outcome, TooManyRows) and outcome.limit == 20_000
    assert peak < 10 * MB, f"{peak / MB:.1f} MB"
    with pytest.raises(UnreadableFile, match="cannot be read near line"):  # what reading on would have met
        scan_table(huge_csv(tmp_path / "short.csv", rows=10).read_bytes(), max_rows=20_000)


def json_records(kind: str, count: int) -> bytes:
    """``count`` records and a broken one after them, as a JSON list or JSON Lines."""
    if kind == "json":
        return b"[" + b'{"name": "a"}, ' * count + b"{broken]"
    return b'{"name": "a"}\n' * count + b"{broken\n"


@pytest.mark.parametrize("kind", ["json", "jsonl"])
def test_json_is_read_record_by_record_and_no_further_than_the_limit(kind):
    data = json_records(kind, 500_000)

    outcome, peak = peak_memory(lambda: scan_table(data, max_rows=20_000))

    assert isinstance(outcome, TooManyRows)
    assert peak < 2 * len(data) + MB, f"{peak / MB:.1f} MB for {len(data) / MB:.1f} MB of JSON"
    with pytest.raises(UnreadableFile, match="JSON is broken near line"):  # what reading on would have met
        scan_table(json_records(kind, 10), max_rows=20_000)


def test_the_scan_keeps_headers_a_count_and_a_preview_only():
    data = ("name,website\n" + "".join(f"s{i},s{i}.example\n" for i in range(30))).encode()

    scan = scan_table(data, max_rows=30)

    assert (scan.kind, scan.headers, scan.total_rows) == (FileKind.CSV, ["name", "website"], 30)
    assert scan.preview == [{"name": f"s{i}", "website": f"s{i}.example"} for i in range(5)]
    assert first_rows(data, 2) == scan.preview[:2]


def test_every_other_workbook_part_is_capped_smaller_than_a_sheet(tmp_path):
    """openpyxl parses the styles, the workbook and the relationships whole, as one tree each."""
    styles = f'<styleSheet xmlns="{MAIN}">'.encode() + b"<a/>" * (XLSX_PART_BYTES // 4) + b"</styleSheet>"

    with pytest.raises(UnreadableFile, match="xl/styles.xml holds more than 2 MB"):
        scan_table(
            workbook(tmp_path / "styles.xlsx", rows=2, parts={"xl/styles.xml": styles}).read_bytes(), max_rows=10
        )


def test_a_sheet_named_in_the_manifest_as_something_else_gets_the_small_cap(tmp_path):
    """The cap follows what the manifest says a part is, not where it sits: shared strings (kept in memory
    whole) moved under xl/worksheets/ do not get a sheet's room."""
    manifest = CONTENT_TYPES.replace(
        "</Types>",
        '<Override PartName="/xl/worksheets/strings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    strings = f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>a</t></si>" * (17 * MB // 17) + b"</sst>"
    path = workbook(
        tmp_path / "strings.xlsx", rows=2, parts={"[Content_Types].xml": manifest, "xl/worksheets/strings.xml": strings}
    )

    with pytest.raises(UnreadableFile, match="xl/worksheets/strings.xml holds more than 16 MB"):
        scan_table(path.read_bytes(), max_rows=10)


def test_a_million_empty_rows_below_the_data_stop_the_read_with_a_message(tmp_path):
    """A used range far below the data (openpyxl fills the gap with empty rows) is not read to the end."""
    path = workbook(
        tmp_path / "gap.xlsx", rows=3, tail=b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
    )

    with pytest.raises(UnreadableFile, match="more than 1000 empty rows. Delete them"):
        scan_table(path.read_bytes(), max_rows=10)
    assert len(read_table(path.read_bytes()).rows) == 4  # without a limit (the command line) it is all read


def test_columns_and_lines_have_limits_too():
    too_wide = (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\nx\n").encode()
    too_long = b"name\n" + b"x" * (MB + 1) + b"\n"

    with pytest.raises(UnreadableFile, match=f"more than {MAX_COLUMNS} columns"):
        scan_table(too_wide, max_rows=10)
    with pytest.raises(UnreadableFile, match="Line 2 is longer than"):
        scan_table(too_long, max_rows=10)


def test_a_used_range_wider_than_the_header_is_not_a_column_each(tmp_path):
    path = workbook(tmp_path / "wide.xlsx", rows=2, dimension="A1:XFD3")

    table = read_table(path.read_bytes())

    assert table.headers == ["name", "website"]
    assert table.rows == [{"name": "x", "website": "x.example"}] * 2
