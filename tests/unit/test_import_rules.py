"""Reading portfolio files and mapping their columns, without a database."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from marketplace.core.text_keys import domain_of, normalised_name
from marketplace.imports.enums import FileKind
from marketplace.imports.mapping import auto_map, row_to_fields, split_sectors, stage_value
from marketplace.imports.reading import UnreadableFile, read_table, sniff

pytestmark = pytest.mark.unit

CSV = "公司名称,官网,简介,成立时间,融资轮次,行业\n链融科技,https://www.lianrong.example,供应链金融风控平台,2019年5月,A轮,金融科技、物联网\n"


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_encoding_reads_the_same(encoding):
    table = read_table(CSV.encode(encoding))

    assert table.kind == FileKind.CSV
    assert table.headers[0] == "公司名称"
    assert table.rows[0]["简介"] == "供应链金融风控平台"


def test_xlsx_is_recognised_by_content_and_read():
    data = xlsx_bytes([["Company Name", "Website", "Founded"], ["Acme", "acme.example", 2020], [None, None, None]])

    table = read_table(data)

    assert table.kind == FileKind.XLSX
    assert table.rows == [{"Company Name": "Acme", "Website": "acme.example", "Founded": "2020"}]


def test_json_and_json_lines():
    records = [{"name": "A", "tags": ["x", "y"]}, {"name": "B"}]

    as_json = read_table(json.dumps(records).encode())
    as_lines = read_table("\n".join(json.dumps(r) for r in records).encode())

    assert as_json.kind == FileKind.JSON and as_lines.kind == FileKind.JSONL
    assert as_json.rows[0]["tags"] == "x, y"
    assert as_lines.headers == ["name", "tags"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04notreally", "ZIP"),
        (b"\x00\x01\x02binary", "binary"),
        (b'[{"name": ', "broken"),
        (b"[1, 2]", "object"),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(UnreadableFile, match=message):
        read_table(data)


def test_extension_does_not_matter_content_does():
    assert sniff(xlsx_bytes([["a"], ["b"]])) == FileKind.XLSX
    assert sniff(b"name,website\nA,a.example") == FileKind.CSV


def test_auto_map_knows_english_and_chinese_headers():
    headers = ["公司名称", "官网", "简介", "成立时间", "融资轮次", "Team Size", "CRM ID", "备注"]

    assert auto_map(headers) == {
        "公司名称": "name",
        "官网": "website",
        "简介": "description",
        "成立时间": "founded_year",
        "融资轮次": "stage",
        "Team Size": "team_size",
        "CRM ID": "external_id",
    }


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("A轮", "series_a"),
        ("Series B", "series_b"),
        ("天使轮", "pre_seed"),
        ("种子轮", "seed"),
        ("C+轮", "series_c_plus"),
        ("Pre-IPO", "series_c_plus"),
        ("seed", "seed"),
        ("", None),
        ("later", "later"),
    ],
)
def test_stage_words(text, stage):
    assert stage_value(text) == stage


def test_sectors_recognised_and_rest_kept_as_tags():
    assert split_sectors("金融科技、物联网; space tourism") == (["sme_finance", "iot_logistics"], ["space tourism"])


def test_row_to_fields_normalises_cells():
    table = read_table(CSV.encode())
    data, external_id = row_to_fields(table.rows[0], auto_map(table.headers))

    assert external_id is None
    assert data == {
        "name": "链融科技",
        "website": "https://www.lianrong.example",
        "description": "供应链金融风控平台",
        "founded_year": "2019",
        "stage": "series_a",
        "sectors": ["sme_finance", "iot_logistics"],
    }


@pytest.mark.parametrize(
    ("url", "domain"),
    [("https://www.Acme.example/about", "acme.example"), ("acme.example", "acme.example"), ("", "")],
)
def test_domain_of(url, domain):
    assert domain_of(url) == domain


def test_normalised_name_ignores_legal_forms_and_punctuation():
    assert normalised_name("Acme, Inc.") == normalised_name("ACME Ltd") == "acme"
    assert normalised_name("上海链融科技有限公司") == normalised_name("上海链融科技")
