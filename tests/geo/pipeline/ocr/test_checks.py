"""Phone cells and 序号 continuity: the checks that keep a misread from being silent."""

import pytest

from geo.pipeline.ingest.header import Layout
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ocr.checks import flag_cells, phone_problem, seq_problems
from geo.pipeline.ocr.model import LOW_CONFIDENCE, PHONE_FORMAT, OcrCell, OcrRow

# Shapes only: 154 is a mobile prefix no operator has been assigned; 010/0731 with 6000000(0).
WELL_FORMED = [
    "15400000000",
    "154 0000 0000",
    "１５４００００００００",
    "010-60000000",
    "(0731)6000000",
    "0731-60000000",
    "010-60000000转123",
    "15400000000、0731-6000000",
    "15400000000/15400000001",
    "15400000000 15400000001",
]
MALFORMED = [
    ("1540000000", "not a phone number"),  # a digit lost
    ("154000000001", "not a phone number"),  # a digit doubled
    ("15400000000.15400000001", "not a phone number"),  # separator misread as a dot
    ("010-6000000", "8-digit"),  # Beijing numbers have 8 digits
    ("0731-600000", "not a phone number"),
    ("60000000", "no area code"),
    ("011-60000000", "no such area code"),
    ("1S400000000", "not a phone number"),  # a letter for a digit
]


@pytest.mark.parametrize("text", WELL_FORMED)
def test_well_formed_phone_cells_pass(text: str) -> None:
    assert phone_problem(text) is None


@pytest.mark.parametrize(("text", "why"), MALFORMED)
def test_malformed_phone_cells_say_why(text: str, why: str) -> None:
    problem = phone_problem(text)
    assert problem is not None and why in problem


def _layout() -> Layout:
    return Layout(
        header_rows=(0,),
        labels=("序号", "单位名称", "地址", "电话"),
        fields={
            SourceField.SEQ: (0,),
            SourceField.NAME: (1,),
            SourceField.ADDRESS: (2,),
            SourceField.OFFICE_PHONE: (3,),
        },
        extra_same_field=(),
    )


def _row(position: int, seq: str, phone: str, phone_confidence: float = 1.0) -> OcrRow:
    cells = {
        "序号": OcrCell(seq),
        "单位名称": OcrCell("示例县公安局", 0.85),
        "地址": OcrCell("示例县样例路1号"),
        "电话": OcrCell(phone, phone_confidence),
    }
    return OcrRow("p.png", position, (0, 0, 10, 10), cells)


def test_phones_are_flagged_when_unsure_or_malformed_other_cells_when_unsure() -> None:
    rows = [_row(1, "1", "15400000000", 0.94), _row(2, "2", "1540000000"), _row(3, "3", "")]
    flag_cells(rows, _layout())
    assert rows[0].cells["电话"].flags == [LOW_CONFIDENCE]  # 0.94 < 0.95 for a phone
    assert rows[1].cells["电话"].flags == [PHONE_FORMAT]
    assert rows[2].cells["电话"].flags == []  # an empty cell is not a misread
    assert all(row.cells["单位名称"].flags == [LOW_CONFIDENCE] for row in rows)  # 0.85 < 0.90


def test_gaps_repeats_and_missing_numbers_are_reported_with_their_row() -> None:
    rows = [_row(1, "1", ""), _row(2, "2", ""), _row(3, "4", ""), _row(4, "", ""), _row(5, "4", "")]
    problems = seq_problems(rows, "序号")
    assert [(p.kind, p.position) for p in problems] == [
        ("seq_gap", 3),
        ("seq_missing", 4),
        ("seq_repeat", 5),
    ]
    assert "row 3 missed" in problems[0].detail
    assert seq_problems(rows, None) == []
