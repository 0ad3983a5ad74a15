"""The bounded, streaming XLSX reader: what real writers produce still reads as before."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from geo.core.errors import SourceError
from geo.pipeline.ingest import read_source
from geo.pipeline.ingest.xlsx import read_xlsx
from geo.pipeline.ingest.xlsx_bounds import MAX_CELL_CHARS
from tests.scripts import hostile_files as hostile


def _sheet_xml(raw: bytes, rows: bytes, extra: bytes = b"") -> bytes:
    """The workbook with its sheet data replaced by `rows` (and `extra` after it)."""
    files = hostile.members(raw)
    sheet = files[hostile.SHEET]
    start = sheet.index(b"<sheetData>") + len(b"<sheetData>")
    end = sheet.index(b"</sheetData>")
    files[hostile.SHEET] = sheet[:start] + rows + b"</sheetData>" + extra + sheet[end + 12 :]
    return hostile.rezip(files)


def _inline(text: str, ref: str = "") -> bytes:
    at = f' r="{ref}"' if ref else ""
    return f'<c{at} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def test_rows_and_cells_without_coordinates_follow_the_previous_ones(tmp_path: Path):
    # The format lets a writer omit r= on rows and cells; both readers must place them alike.
    header = b"<row>" + _inline("单位名称") + _inline("地址") + b"</row>"
    first = b"<row>" + _inline("示例县公安局") + _inline("示例县示例路1号") + b"</row>"
    later = b'<row r="5">' + _inline("示例市公安局", "B5") + _inline("示例市示例路2号") + b"</row>"
    raw = _sheet_xml(hostile.small_workbook(0), header + first + later)
    (sheet,), _ = read_xlsx(tmp_path / "list.xlsx", raw)
    assert [row.number for row in sheet.rows] == [1, 2, 3, 4, 5]
    assert [cell.text for cell in sheet.rows[4].cells] == ["", "示例市公安局", "示例市示例路2号"]


def test_a_merged_range_below_the_last_row_still_fills_down(tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["省份", "单位名称", "地址"])
    sheet.append(["吉林省", "九台区公安分局", "长春市九台区示例街1号"])
    sheet.merge_cells("A2:A4")  # normal-mode openpyxl gave rows 3 and 4 too
    buffer = io.BytesIO()
    book.save(buffer)
    (read,), _ = read_xlsx(tmp_path / "list.xlsx", buffer.getvalue())
    assert [row.number for row in read.rows] == [1, 2, 3, 4]
    assert [(c.text, c.merged_from) for c in read.rows[3].cells] == [
        ("吉林省", "A2"),
        ("", None),
        ("", None),
    ]


def test_overlapping_merged_ranges_are_refused(tmp_path: Path):
    merges = b'<mergeCells count="2"><mergeCell ref="A2:B3"/><mergeCell ref="B3:C4"/></mergeCells>'
    raw = hostile.edit_sheet(hostile.small_workbook(), b"</sheetData>", b"</sheetData>" + merges)
    with pytest.raises(SourceError, match="merged ranges A2:B3 and B3:C4 overlap"):
        read_xlsx(tmp_path / "list.xlsx", raw)


def test_a_shared_string_over_the_cell_limit_names_its_cell(tmp_path: Path):
    # Excel stores text in xl/sharedStrings.xml: the cell holds only an index, so the cap is
    # checked on the text openpyxl resolves.
    files = hostile.members(hostile.small_workbook(1))
    long_text = "号" * (MAX_CELL_CHARS + 1)
    files["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        f'uniqueCount="1"><si><t>{long_text}</t></si></sst>'
    ).encode()
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    sheet = files[hostile.SHEET]
    start = sheet.index(b'<c r="D2"')
    end = sheet.index(b"</c>", start) + 4
    files[hostile.SHEET] = sheet[:start] + b'<c r="D2" t="s"><v>0</v></c>' + sheet[end:]
    path = hostile.write(tmp_path, "list.xlsx", hostile.rezip(files))
    with pytest.raises(SourceError, match=r"sheet '名单' cell D2 holds 131,073 characters"):
        read_source(path)


def test_a_corrupt_member_is_a_corrupt_workbook_not_a_crash(tmp_path: Path):
    raw = bytearray(hostile.small_workbook())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo(hostile.SHEET)
    raw[info.header_offset + 60] ^= 0xFF  # inside the deflated sheet: CRC or inflate fails
    with pytest.raises(SourceError, match="corrupt"):
        read_xlsx(tmp_path / "list.xlsx", bytes(raw))
