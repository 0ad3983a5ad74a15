"""The review state of a CSV: what scripts/build_index.py checks before publishing it."""

from pathlib import Path

from geo.pipeline.ingest import read_source
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ocr.listcsv import (
    OCR_COLUMNS,
    csv_rows,
    csv_text,
    ocr_list_status,
    write_csv,
)
from geo.pipeline.ocr.model import PHONE_FORMAT, OcrCell, OcrResult, OcrRow

LABELS = ["序号", "单位名称", "地址", "联系电话"]


def _result() -> OcrResult:
    rows = []
    for n, phone in enumerate(["15400000000", "1540000000", "15400000002"], start=1):
        cells = {
            "序号": OcrCell(str(n)),
            "单位名称": OcrCell(f"示例县公安局{n}", 0.99),
            "地址": OcrCell(f'示例县样例路{n}号, "东"侧'),
            "联系电话": OcrCell(phone, 0.98),
        }
        if n == 2:
            cells["联系电话"].flag(PHONE_FORMAT)
        rows.append(OcrRow(f"p{n // 3}.png", n, (1, 2 * n, 300, 2 * n + 1), cells))
    return OcrResult(LABELS, rows, [], title=["示例省（样例数据）"])


def test_the_csv_reads_as_a_list_with_the_ocr_columns_as_extra(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    write_csv(_result(), path)
    ingest = read_source(path)
    assert [r.name for r in ingest.records] == ["示例县公安局1", "示例县公安局2", "示例县公安局3"]
    assert ingest.records[0].address == '示例县样例路1号, "东"侧'
    columns = ingest.sheets[0].columns
    assert {label: columns[label] for label in OCR_COLUMNS} == dict.fromkeys(OCR_COLUMNS, "extra")
    assert columns["联系电话"] == SourceField.OFFICE_PHONE.value


def test_flagged_rows_not_marked_reviewed_are_counted_and_named(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    write_csv(_result(), path)
    status = ocr_list_status(path)
    assert status is not None
    assert (status.rows, status.flagged_rows, status.unreviewed_rows) == (3, 1, 1)
    assert status.first_unreviewed == ("p0.png row 2",)
    assert "list.review.html" in status.refusal(path) and "--force" in status.refusal(path)
    rows = csv_rows(_result())
    rows[3][-1] = "yes"  # title, header, row 1, row 2: the flagged row marked reviewed
    path.write_text(csv_text(rows), encoding="utf-8")
    status = ocr_list_status(path)
    assert status is not None and status.unreviewed_rows == 0
    assert "1 with flagged cells, 1 of them reviewed" in status.describe()


def test_other_lists_are_not_ocr_lists(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("单位名称,地址,reviewed\n示例县公安局,示例县1号,\n", encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("单位名称,地址\n示例县公安局,示例县1号\n".encode("gb18030"))
    assert ocr_list_status(plain) is None
    assert ocr_list_status(gbk) is None
    assert ocr_list_status(tmp_path / "list.xlsx") is None
