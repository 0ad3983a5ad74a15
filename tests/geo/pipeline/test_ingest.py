"""Reading official lists: real CSV and XLSX files built in tmp_path, every row accounted for.

All contacts and phones are sample values: "示例联系人" and numbers made of zeros.
"""

import csv
import io
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import msoffcrypto.format.ooxml  # type: ignore[import-untyped]
import openpyxl
import pytest
import xlwt  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill

from geo.core.errors import GeoError, SourceError
from geo.pipeline.ingest import (
    PHONE_TEXT_SEPARATOR,
    IngestResult,
    RowRef,
    point_id,
    read_source,
)

CONTACT = "示例联系人"  # sample contact, never a real officer


def write_csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def outcomes(result: IngestResult) -> dict[RowRef, str]:
    """Each accounted row → "record", "merged" (a later row of a record's unit) or its issue's
    reason; fails if a row appears twice."""
    table: dict[RowRef, str] = {}
    merged = [(row.ref, "merged") for r in result.records for row in r.same_unit_rows]
    for ref, outcome in (
        [(r.ref, "record") for r in result.records]
        + merged
        + [(i.ref, i.reason.value) for i in result.issues]
    ):
        assert ref not in table, f"{ref} accounted for twice"
        table[ref] = outcome
    assert len(table) == result.rows_read
    return table


def xlsx_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def minimal_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["单位名称", "地址"])
    sheet.append(["示例县公安局", "示例县示例路1号"])
    return workbook


# ---- CSV ----------------------------------------------------------------------------------

CSV_ROWS = [
    ["序号", "单位名称", "地址", "负责人", "电话", "手机"],
    ["1", "示例市公安局刑侦支队", "示例市示例区１号", CONTACT,
     "０７３１－８０００００００、１３０００００００００", ""],
    ["", "", "", "", "", ""],
    ["2", "示例县公安局", "示例县示例镇2号", "", "0731-80000001", "13000000001"],
    ["3", "示例县公安局", "示例县示例镇２号", "", "0731-80000001", "13000000001"],
    ["注：样例数据，电话均为示例号码", "", "", "", "", ""],
]  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),  # Excel's "CSV UTF-8" writes a byte order mark
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),  # Excel's plain "CSV" on Chinese Windows; GB18030 reads GBK
    ],
)
def test_csv_in_each_encoding(tmp_path: Path, encoding: str, reported: str) -> None:
    result = read_source(write_csv(tmp_path / "list.csv", CSV_ROWS, encoding))

    assert (result.format, result.encoding) == ("csv", reported)
    assert outcomes(result) == {
        RowRef(None, 2): "record",
        RowRef(None, 3): "blank",
        RowRef(None, 4): "record",
        RowRef(None, 5): "merged",  # differs from row 4 only by a full-width digit
        RowRef(None, 6): "note_row",
    }
    first, second = result.records
    assert first.name == "示例市公安局刑侦支队"
    assert first.address == "示例市示例区1号"
    assert first.contact == CONTACT
    assert first.phones == ("0731-80000000", "13000000000")
    assert first.phone_text == "０７３１－８０００００００、１３０００００００００"  # as published
    assert first.original["地址"] == "示例市示例区１号"
    assert (second.contact, second.phones) == (None, ("0731-80000001", "13000000001"))
    assert second.phone_text == f"0731-80000001{PHONE_TEXT_SEPARATOR}13000000001"
    # Row 5 repeats row 4 (same officer, same phone text): kept in its record, adding nothing.
    (repeat,) = second.same_unit_rows
    assert repeat.ref == RowRef(None, 5) and repeat.address == "示例县示例镇2号"
    contacts = second.contacts()
    assert [c.source_row for c in contacts.contacts] == [4]
    assert contacts.phones == second.phones and contacts.phone_text == second.phone_text
    assert result.merged_rows() == 1


def test_rows_of_the_same_unit_merge_keeping_every_contact_and_phone_text(tmp_path: Path) -> None:
    # The Ministry's shape: an office line on one row, an officer's mobile on the next, and the
    # same unit again with both, written with full-width digits. Placeholder numbers only.
    rows = [
        ["单位名称", "地址", "负责人", "联系电话"],
        ["示例县公安局", "示例县示例路1号", "", "0731-8000001"],
        ["示例县公安局刑侦大队", "示例县示例路1号", "", "0731-8000009"],  # another unit
        ["示例县公安局", "示例县示例路１号", CONTACT, "13000000002"],
        ["示例县公安局", "示例县示例路1号", CONTACT, "13000000002"],  # row 4 again
        ["示例县公安局", "示例县示例路1号", "", "０７３１－８０００００１"],  # row 2, full-width
    ]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    assert outcomes(result) == {
        RowRef(None, 2): "record",
        RowRef(None, 3): "record",
        RowRef(None, 4): "merged",
        RowRef(None, 5): "merged",
        RowRef(None, 6): "merged",
    }
    unit = result.records[0]
    assert [row.source_row for row in unit.rows] == [2, 4, 5, 6]
    merged = unit.contacts()
    # Row 5 repeats row 4 exactly: no second entry. Row 6 has row 2's number written otherwise:
    # its text is kept verbatim, the number once.
    assert [(c.source_row, c.contact, c.phone_text) for c in merged.contacts] == [
        (2, None, "0731-8000001"),
        (4, CONTACT, "13000000002"),
        (6, None, "０７３１－８０００００１"),
    ]
    assert merged.phones == ("0731-8000001", "13000000002")
    assert merged.contact == CONTACT
    assert merged.phone_text == " | ".join(
        ["0731-8000001", "13000000002", "０７３１－８０００００１"]
    )
    every_text = {row[3] for row in rows[1:] if row[0] == "示例县公安局"}
    assert every_text == {c.phone_text for c in merged.contacts}  # every row's text, verbatim
    assert result.issue_counts() == {}


def test_gbk_file_that_a_statistical_detector_names_korean(tmp_path: Path) -> None:
    # charset-normalizer calls these bytes cp949; strict decoding in a fixed order does not guess.
    raw = "名称,地址,电话\n某某县公安局,某某路1号,0731-80000000\n".encode("gbk")
    (tmp_path / "short.csv").write_bytes(raw)

    result = read_source(tmp_path / "short.csv")

    assert result.encoding == "gb18030"
    (record,) = result.records
    assert (record.name, record.address, record.phones) == (
        "某某县公安局",
        "某某路1号",
        ("0731-80000000",),
    )


@pytest.mark.parametrize("delimiter", ["\t", ";"])  # Excel's "text" export; European locales
def test_csv_delimiter_found_by_the_header(tmp_path: Path, delimiter: str) -> None:
    rows = [["单位名称", "地址", "电话"], ["示例县公安局", "示例县示例路1号", "0731-80000000"]]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8", delimiter))

    assert [(r.name, r.address, r.phones) for r in result.records] == [
        ("示例县公安局", "示例县示例路1号", ("0731-80000000",))
    ]


HEADER_VARIANTS = [
    # (header cell as published, field it maps to)
    ("单位名称", "name"),
    ("采血点名称", "name"),
    (" 单位\n名称 ", "name"),  # line break typed inside a header cell
    ("单位名称（全称）", "name"),  # bracketed remark
    ("详细地址", "address"),
    ("采血点　地址", "address"),  # ideographic space
    ("负责人", "contact"),
    ("联系人", "contact"),
    ("电话", "office_phone"),
    ("办公电话", "office_phone"),
    ("联系电话", "office_phone"),
    ("手机", "mobile"),
    ("民警手机", "mobile"),
    ("手机号码", "mobile"),
    ("省份", "province"),
    ("地市", "city"),
    ("市（州）", "city"),
    ("区县", "district"),
    ("县（市、区）", "district"),
    ("序号", "seq"),
    ("采血时间", "extra"),  # not a field: kept in `original` only
]


@pytest.mark.parametrize(("header", "field"), HEADER_VARIANTS)
def test_header_variants(tmp_path: Path, header: str, field: str) -> None:
    if field == "name":
        rows = [[header, "地址"], ["示例县公安局", "示例路1号"]]
    elif field == "address":
        rows = [["单位名称", header], ["示例县公安局", "示例路1号"]]
    else:
        rows = [["单位名称", "地址", header], ["示例县公安局", "示例路1号", "示例值"]]
    position = 0 if field == "name" else 1 if field == "address" else 2

    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    (summary,) = result.sheets
    assert list(summary.columns.values())[position] == field
    (record,) = result.records
    assert list(record.original.values()) == rows[1]
    if field in ("province", "city", "district", "contact"):
        assert getattr(record, field) == "示例值"


def test_region_columns_are_normalised_and_absent_ones_are_none(tmp_path: Path) -> None:
    rows = [
        ["省份", "地市", "区县", "单位名称", "地址"],
        [" 湖南省\u200b", "长沙市", "", "示例县公安局", "示例路1号"],
    ]
    (record,) = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8")).records
    assert (record.province, record.city, record.district) == ("湖南省", "长沙市", None)

    rows = [["单位名称", "地址"], ["示例县公安局", "示例路1号"]]
    (record,) = read_source(write_csv(tmp_path / "bare.csv", rows, "utf-8")).records
    assert (record.province, record.city, record.district, record.contact) == (
        None,
        None,
        None,
        None,
    )


def test_title_rows_and_extra_cells_beyond_the_header(tmp_path: Path) -> None:
    rows = [
        ["示例省公安机关免费采血点一览表（样例）", "", ""],
        ["说明：样例数据", "", ""],
        ["单位名称", "地址", "电话"],
        ["示例县公安局", "示例路1号", "0731-80000000", "多出的一格"],
    ]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    assert result.sheets[0].header_rows == (3,)
    (record,) = result.records
    assert record.source_row == 4
    assert record.original == {
        "单位名称": "示例县公安局",
        "地址": "示例路1号",
        "电话": "0731-80000000",
        "(D)": "多出的一格",
    }


def test_csv_two_row_header(tmp_path: Path) -> None:
    rows = [
        ["单位名称", "地址", "联系方式", ""],
        ["", "", "办公电话", "手机"],
        ["示例县公安局", "示例路1号", "0731-80000000", "13000000000"],
    ]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    assert result.sheets[0].header_rows == (1, 2)
    assert result.sheets[0].columns == {
        "单位名称": "name",
        "地址": "address",
        "联系方式/办公电话": "office_phone",
        "手机": "mobile",
    }
    (record,) = result.records
    assert (record.source_row, record.phones) == (3, ("0731-80000000", "13000000000"))


def test_a_header_repeated_right_below_is_not_a_second_header_row(tmp_path: Path) -> None:
    rows = [
        ["单位名称", "地址", "电话"],
        ["单位名称", "地址", "电话"],
        ["示例县公安局", "示例路1号", "0731-80000000"],
    ]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    assert result.sheets[0].header_rows == (1,)
    assert outcomes(result) == {RowRef(None, 2): "repeated_header", RowRef(None, 3): "record"}


def test_same_name_at_different_addresses_is_kept_with_a_warning(tmp_path: Path) -> None:
    rows = [
        ["单位名称", "地址"],
        ["示例市公安局刑侦支队", "示例区示例路1号"],
        ["示例市公安局刑侦支队", "示例区示例路9号"],
    ]
    result = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8"))

    assert len(result.records) == 2
    (warning,) = result.warnings
    assert warning.code == "same_name_different_address"
    assert warning.refs == (RowRef(None, 2), RowRef(None, 3))
    assert "row 2" in warning.detail and "row 3" in warning.detail


def test_point_ids_are_stable_across_republishing(tmp_path: Path) -> None:
    first = read_source(write_csv(tmp_path / "v1.csv", CSV_ROWS, "utf-8"))
    # Same points re-typed: extra spaces, full-width letters and digits, different order.
    retyped = [
        CSV_ROWS[0],
        ["1", "示例县公安局 ", "示例县示例镇２号", "", "", ""],
        ["2", "示例市公安局 刑侦支队", "示例市示例区1号", "", "", ""],
    ]
    second = read_source(write_csv(tmp_path / "v2.csv", retyped, "gb18030"))

    ids = {record.name: point_id(record) for record in first.records}
    assert len(set(ids.values())) == len(ids)
    assert all(value.startswith("pt-") for value in ids.values())
    assert sorted(point_id(record) for record in second.records) == sorted(ids.values())


def test_a_phone_cell_with_digits_but_no_number_is_noted(tmp_path: Path) -> None:
    rows = [["单位名称", "地址", "电话"], ["示例县公安局", "示例路1号", "7318000000"]]
    (record,) = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8")).records

    assert record.phones == ()
    assert record.phone_text == "7318000000"
    assert record.notes == ("电话: no phone number recognised in '7318000000'",)


def test_a_number_written_without_its_trunk_zero_is_dialable_and_noted(tmp_path: Path) -> None:
    rows = [["单位名称", "地址", "电话"], ["示例县公安局", "示例路1号", "2060000000"]]
    (record,) = read_source(write_csv(tmp_path / "list.csv", rows, "utf-8")).records

    assert record.phones == ("020-60000000",)
    assert record.phone_text == "2060000000"  # the cell as published, verbatim
    assert record.notes == (
        "电话: 2060000000 read as 020-60000000 (area code written without its 0)",
    )


# ---- XLSX ---------------------------------------------------------------------------------


def build_messy_workbook(path: Path) -> Path:
    """Two provinces' sheets in the shapes official lists take, plus a notes sheet."""
    workbook = openpyxl.Workbook()
    hunan = workbook.active
    assert hunan is not None
    hunan.title = "湖南省"
    hunan["A1"] = "湖南省公安机关免费采血点一览表（样例）"
    hunan.merge_cells("A1:H1")
    hunan["A2"] = "说明：样例数据，电话均为示例号码"
    hunan.merge_cells("A2:H2")
    # Two-row header: vertical merges, "联系方式" across the two phone columns.
    top_header = ["序号", "省份", "单位\n名称", " 详细 地址 ", "负责人", "更新日期"]
    for column, text in zip("ABCDEH", top_header, strict=True):
        hunan[f"{column}3"] = text
        hunan.merge_cells(f"{column}3:{column}4")
    hunan["F3"] = "联系方式"
    hunan.merge_cells("F3:G3")
    hunan["F4"], hunan["G4"] = "办公电话", "民警手机"
    rows: dict[int, list[str | int | float | date | None]] = {
        5: [1, "湖南省", "长沙市公安局刑事侦查支队", "长沙市天心区示例路１号", CONTACT,
            "0731-80000000、13000000000", 13000000001, date(2022, 7, 1)],
        6: [2, None, "长沙县公安局", "长沙县示例镇２号", CONTACT,
            "0731-80000001/13000000002", 13000000002.0, datetime(2022, 7, 1, 0, 0)],
        7: [3, None, "浏阳市公安局", "浏阳市示例街３号", CONTACT,
            "0731-80000003", "13000000003\n13000000004", None],
        8: [4, None, "宁乡县公安局", "宁乡县示例路４号", None, None, None, None],
        9: [None] * 8,  # blank, though the province cell merged from B5 runs through it
        10: [5, None, "长沙市公安局刑事侦查支队", "长沙市天心区示例路1号", CONTACT,
             "０７３１－８０００００００", None, None],
        11: [6, None, "长沙市公安局刑事侦查支队", "长沙市岳麓区示例路６号", CONTACT,
             "0731-80000006", None, None],
        12: [7, None, "株洲市公安局", None, CONTACT, "0731-80000007", None, None],
        13: ["序号", "省份", "单位名称", "详细地址", "负责人", "办公电话", "民警手机", "更新日期"],
        14: ["长沙市", None, None, None, None, None, None, None],
        15: [8, "湖南省", None, "湘潭市示例路８号", CONTACT, None, None, None],
        16: [9, "湖南省", "  湘潭市公安局\u200b ", "湘潭市岳塘区示例路９号", CONTACT,
             7318000000, None, None],
        17: ["注：以上信息为样例，电话均为示例号码。", None, None, None, None, None, None, None],
    }  # fmt: skip
    for row_number, values in rows.items():
        for column_number, value in enumerate(values, start=1):
            if value is not None:
                hunan.cell(row_number, column_number, value)
    hunan.merge_cells("B5:B12")  # province merged down the city's rows
    hunan.merge_cells("F7:F8")  # one office phone for two points
    hunan.merge_cells("A14:H14")  # a city heading across the row
    hunan.merge_cells("A17:H17")
    hunan["F16"].number_format = "00000000000"  # keeps the leading 0 of a number-typed phone
    hunan["A19"].fill = PatternFill("solid", fgColor="FFFF00")  # formatted, empty rows at the end

    hubei = workbook.create_sheet("湖北省")
    hubei.append([" 采血点 名称 ", "地址", "联系人", "联系电话", "手机", "备用列"])
    hubei.append(["武汉市公安局刑侦局", "武汉市江岸区示例路１０号", CONTACT, "027-80000000",
                  "13000000010", "额外内容"])  # fmt: skip
    hubei.append(["武汉市公安局刑侦局", "武汉市江岸区示例路10号", CONTACT, "027-80000000",
                  "13000000010", None])  # fmt: skip
    hubei.append(["黄石市公安局", "黄石市示例路１１号", None, "0714-80000000 转 123", None])
    hubei.append(["填表人：示例联系人", None, None, None, None])

    notes = workbook.create_sheet("说明")
    notes["A1"] = "本表为样例数据"
    workbook.create_sheet("空白")
    workbook.save(path)
    return path


def test_messy_workbook_accounts_for_every_row(tmp_path: Path) -> None:
    result = read_source(build_messy_workbook(tmp_path / "list.xlsx"))

    hunan, hubei = "湖南省", "湖北省"
    assert outcomes(result) == {
        RowRef(hunan, 5): "record",
        RowRef(hunan, 6): "record",
        RowRef(hunan, 7): "record",
        RowRef(hunan, 8): "record",
        RowRef(hunan, 9): "blank",
        RowRef(hunan, 10): "merged",  # same unit and address as row 5, another phone
        RowRef(hunan, 11): "record",  # same unit, another address: kept
        RowRef(hunan, 12): "missing_address",
        RowRef(hunan, 13): "repeated_header",
        RowRef(hunan, 14): "section_row",
        RowRef(hunan, 15): "missing_name",
        RowRef(hunan, 16): "record",
        RowRef(hunan, 17): "note_row",
        RowRef(hubei, 2): "record",
        RowRef(hubei, 3): "merged",
        RowRef(hubei, 4): "record",
        RowRef(hubei, 5): "note_row",
    }
    assert result.rows_read == 17
    assert result.merged_rows() == 2
    assert result.issue_counts() == {
        "note_row": 2,
        "blank": 1,
        "missing_address": 1,
        "repeated_header": 1,
        "section_row": 1,
        "missing_name": 1,
    }
    summaries = {summary.name: summary for summary in result.sheets}
    assert summaries[hunan].header_rows == (3, 4)
    assert summaries[hunan].trailing_blank_rows == 2
    assert summaries[hubei].columns["备用列"] == "extra"
    assert summaries["说明"].skipped is not None and "1 non-blank rows" in summaries["说明"].skipped
    assert summaries["空白"].skipped == "empty"
    assert sorted(warning.code for warning in result.warnings) == [
        "same_name_different_address",
        "skipped_sheet",
    ]


def test_messy_workbook_records(tmp_path: Path) -> None:
    result = read_source(build_messy_workbook(tmp_path / "list.xlsx"))
    records = {(record.sheet, record.source_row): record for record in result.records}

    first = records[("湖南省", 5)]
    assert first.name == "长沙市公安局刑事侦查支队"
    assert first.address == "长沙市天心区示例路1号"
    assert first.province == "湖南省"
    assert first.phones == ("0731-80000000", "13000000000", "13000000001")  # office first
    assert first.phone_text == "0731-80000000、13000000000 | 13000000001"
    assert first.original["单位名称"] == "长沙市公安局刑事侦查支队"  # "单位\n名称" as a label
    assert first.original["联系方式/民警手机"] == "13000000001"  # an int cell, as digits
    assert first.original["更新日期"] == "2022-07-01"  # a date cell
    assert first.merged == {}  # B5 is the top-left of its range: its own value

    second = records[("湖南省", 6)]
    assert second.province == "湖南省"
    assert second.merged == {"省份": "B5"}
    assert second.phones == ("0731-80000001", "13000000002")  # float 13000000002.0, once
    assert second.original["联系方式/民警手机"] == "13000000002"
    assert second.original["更新日期"] == "2022-07-01"  # a datetime at midnight

    third = records[("湖南省", 7)]
    assert third.phones == ("0731-80000003", "13000000003", "13000000004")
    assert third.phone_text == "0731-80000003 | 13000000003\n13000000004"  # newline kept

    fourth = records[("湖南省", 8)]  # stale county name kept as published for the geocoder
    assert fourth.address == "宁乡县示例路4号"
    assert fourth.contact is None
    assert fourth.phones == ("0731-80000003",)
    assert fourth.merged == {"省份": "B5", "联系方式/办公电话": "F7"}

    xiangtan = records[("湖南省", 16)]
    assert xiangtan.name == "湘潭市公安局"
    assert xiangtan.original["单位名称"] == "  湘潭市公安局\u200b "  # untouched
    assert xiangtan.phones == ("0731-8000000",)  # number cell, zero-padded by its format

    wuhan = records[("湖北省", 2)]
    assert (wuhan.name, wuhan.contact) == ("武汉市公安局刑侦局", CONTACT)
    assert wuhan.province is None
    assert wuhan.phones == ("027-80000000", "13000000010")
    assert wuhan.original["备用列"] == "额外内容"
    assert records[("湖北省", 4)].phones == ("0714-80000000-123",)

    # Row 10 names row 5's unit and address with its office phone in full-width digits: one
    # point, both rows' phone texts verbatim. 湖北 row 3 repeats row 2 exactly: nothing added.
    (again,) = first.same_unit_rows
    assert again.ref == RowRef("湖南省", 10)
    merged = first.contacts()
    assert [c.phone_text for c in merged.contacts] == [
        first.phone_text,
        "０７３１－８０００００００",
    ]
    assert merged.phones == first.phones  # the same number, once
    assert [row.ref for row in wuhan.rows] == [RowRef("湖北省", 2), RowRef("湖北省", 3)]
    assert len(wuhan.contacts().contacts) == 1

    issues = {(issue.sheet, issue.source_row): issue for issue in result.issues}
    assert "省份" in issues[("湖南省", 9)].detail  # says what merged into the blank row
    assert issues[("湖南省", 15)].original["详细地址"] == "湘潭市示例路８号"
    (same_name,) = [w for w in result.warnings if w.code == "same_name_different_address"]
    assert same_name.refs == (RowRef("湖南省", 5), RowRef("湖南省", 11))


def test_phone_merged_across_office_and_mobile_columns_is_one_text(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["单位名称", "地址", "办公电话", "手机"])
    sheet.append(["示例县公安局", "示例路1号", "0731-80000000、13000000000"])
    sheet.merge_cells("C2:D2")
    workbook.save(tmp_path / "list.xlsx")

    (record,) = read_source(tmp_path / "list.xlsx").records

    assert record.phone_text == "0731-80000000、13000000000"
    assert record.phones == ("0731-80000000", "13000000000")
    assert record.merged == {"手机": "C2"}


def test_phones_stored_as_floats_come_back_as_digits(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["单位名称", "地址", "手机", "办公电话"])
    sheet.append(["示例县公安局", "示例路1号", 13000000000, 13000000001])
    # openpyxl writes integers; other writers store "1.3E+10" or "13000000001.0".
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(workbook))) as source:
        members = {name: source.read(name) for name in source.namelist()}
    xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = xml.replace(
        b"<v>13000000000</v>", b"<v>1.3E+10</v>"
    ).replace(b"<v>13000000001</v>", b"<v>13000000001.0</v>")
    assert members["xl/worksheets/sheet1.xml"] != xml
    with zipfile.ZipFile(tmp_path / "list.xlsx", "w") as target:
        for name, data in members.items():
            target.writestr(name, data)

    (record,) = read_source(tmp_path / "list.xlsx").records

    assert record.original == {
        "单位名称": "示例县公安局",
        "地址": "示例路1号",
        "手机": "13000000000",
        "办公电话": "13000000001",
    }
    assert record.phones == ("13000000001", "13000000000")  # office column first
    assert record.phone_text == "13000000000 | 13000000001"  # column order, as published


# ---- files that cannot be read ------------------------------------------------------------


def real_xls() -> bytes:
    book = xlwt.Workbook()
    book.add_sheet("湖南省").write(0, 0, "单位名称")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def encrypted_xlsx() -> bytes:
    encrypted = io.BytesIO()
    office_file = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(xlsx_bytes(minimal_workbook())))
    office_file.encrypt("sample-password", encrypted)
    return encrypted.getvalue()


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def xlsx_without_header() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["甲", "乙"])
    sheet.append(["1", "2"])
    return xlsx_bytes(workbook)


UNREADABLE = [
    # (file name, bytes, words the error must contain)
    ("list.csv", lambda: b"", "empty"),
    ("list.csv", lambda: b" \r\n\r\n", "empty"),
    ("list.csv", lambda: b"\xef\xbb\xbf\r\n", "empty"),  # a byte order mark and nothing else
    ("list.xls", real_xls, "Excel 97-2003 (.xls)"),
    ("list.xlsx", real_xls, "Excel 97-2003 (.xls)"),  # an .xls renamed
    ("list.xlsx", encrypted_xlsx, "password-protected"),
    ("list.xlsx", lambda: xlsx_bytes(minimal_workbook())[:700], "corrupt"),  # truncated
    ("list.xlsx", zip_without_workbook, "corrupt"),
    ("list.xlsx", lambda: "单位名称,地址\n".encode(), "not a zip container"),
    ("list.xlsx", xlsx_without_header, "no sheet has a recognisable header"),
    ("list.csv", lambda: xlsx_bytes(minimal_workbook()), "zip container"),
    ("list.csv", lambda: "单位名称,地址\n".encode("utf-16"), "UTF-16"),
    ("list.csv", lambda: b"\xef\xbb\xbf" + "单位名称".encode("gbk"), "byte order mark"),
    ("list.csv", lambda: "单位名称,地址\n".encode() + b"\x80\xff\n", "nor GB18030"),
    ("list.csv", lambda: "甲,乙\n1,2\n".encode(), "no recognisable header"),
    ("list.txt", lambda: "单位名称,地址\n".encode(), "unsupported file type '.txt'"),
]


@pytest.mark.parametrize(("name", "make", "expected"), UNREADABLE)
def test_unreadable_files_raise_source_error(
    tmp_path: Path, name: str, make: object, expected: str
) -> None:
    assert callable(make)
    path = tmp_path / name
    path.write_bytes(make())

    with pytest.raises(SourceError) as caught:
        read_source(path)

    assert expected in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.path == str(path)
    # No chained traceback from csv, zipfile or openpyxl behind the message.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__
    assert isinstance(caught.value, GeoError) and isinstance(caught.value, ValueError)


def test_undecodable_csv_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("单位名称,地址\n示例,示例\n".encode() + b"\x80\n")

    with pytest.raises(SourceError, match=r"byte 0x80 at offset 34, line 3"):
        read_source(path)


@pytest.mark.parametrize("rows_before", [0, 1, 300])  # the NUL in, and far past, the first 4 KiB
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_nul_byte_anywhere_in_a_csv_is_refused_with_its_line(
    tmp_path: Path, rows_before: int, encoding: str
) -> None:
    lines = ["单位名称,地址"] + [f"示例县公安局{n},示例县示例路{n}号" for n in range(rows_before)]
    raw = "\n".join(lines).encode(encoding) + b"\n\xe7\xa4\xba\x00,x\n"
    (path := tmp_path / "list.csv").write_bytes(raw)
    assert rows_before < 300 or raw.index(b"\x00") > 4096

    with pytest.raises(SourceError, match=r"NUL byte") as refused:
        read_source(path)
    if raw.index(b"\x00") > 4096:
        assert f"line {rows_before + 2}" in str(refused.value)


def test_a_csv_field_over_128_kib_names_its_line(tmp_path: Path) -> None:
    # The same cap as an XLSX cell (geo/pipeline/ingest/xlsx_bounds.py MAX_CELL_CHARS).
    (path := tmp_path / "list.csv").write_text(
        f'单位名称,地址\n示例县公安局,示例路1号\n示例县公安局,"{"号" * (128 * 1024 + 1)}"\n'
    )
    with pytest.raises(SourceError, match=r"not valid CSV at line 3 \(field larger than field"):
        read_source(path)


def test_a_csv_without_header_quotes_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("甲,乙\n1,2\n".encode("gb18030"))

    with pytest.raises(SourceError, match=r"read as gb18030.*first line reads '甲,乙'"):
        read_source(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_source(tmp_path / "absent.xlsx")


def test_the_accounting_invariant_is_checked() -> None:
    with pytest.raises(AssertionError, match="3 rows read but 0 in records"):
        IngestResult("x.csv", "csv", "utf-8", 3, (), (), (), (), sha256="0" * 64)


# ---- accounting holds for any CSV ---------------------------------------------------------

_CELL_TEXT = st.one_of(
    st.just(""),
    st.sampled_from(["示例县公安局", "示例路1号", "单位名称", "地址", "注：样例", "合计", " "]),
    st.sampled_from(["0731-80000000、13000000000", "１３０００００００００", "\u200b", "　"]),
    st.text(alphabet='单位名称地址公安局县市号注：、/,"\n 　1０-\u200b', max_size=12),
)
_HEADER = ["序号", "单位名称", "地址", "电话"]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL_TEXT, min_size=0, max_size=6), max_size=25),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_every_row_of_any_csv_is_accounted_for(rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([_HEADER, *rows])
    raw = buffer.getvalue().encode(encoding)
    written_rows = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))[1:]

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "random.csv"
        path.write_bytes(raw)
        result = read_source(path)

    table = outcomes(result)  # no row twice, and rows_read == records + issues
    assert set(table) == {RowRef(None, number) for number in range(2, 2 + result.rows_read)}
    # Rows past those read are blank; every row read with no text at all is reported blank.
    (summary,) = result.sheets
    assert result.rows_read + summary.trailing_blank_rows == len(written_rows)
    for number, row in enumerate(written_rows, start=2):
        has_text = any(cell.strip("\u200b \u3000\r\n\t") for cell in row)
        if number >= 2 + result.rows_read:
            assert not has_text
        elif not has_text:
            assert table[RowRef(None, number)] == "blank"
