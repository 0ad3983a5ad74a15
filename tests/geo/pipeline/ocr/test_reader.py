"""Images of sample tables read back: every cell compared with what was drawn.

Each test reads one to three small images (2-4 s each on 2 cores); the engine loads once.
"""

from pathlib import Path

import pytest

from bench.ocr_tables import Style, sample_rows
from geo.core.phones import split_phones
from geo.pipeline.ocr.engine import RapidEngine
from geo.pipeline.ocr.model import OcrResult
from geo.pipeline.ocr.reader import read_images
from tests.geo.pipeline.ocr.conftest import ORDER, write_table


def _cells(result: OcrResult) -> list[dict[str, str]]:
    """Rows as field -> text, by the header the reader found (in the drawn order)."""
    return [
        {key: row.cells[label].text for key, label in zip(ORDER, result.labels, strict=True)}
        for row in result.rows
    ]


def _wrong_unflagged_phones(result: OcrResult, truth: list[dict[str, str]]) -> list[str]:
    label = result.labels[ORDER.index("phone")]
    wrong = []
    for row, expected in zip(result.rows, truth, strict=True):
        cell = row.cells[label]
        same = [p.tel for p in split_phones(cell.text)] == [
            p.tel for p in split_phones(expected["phone"])
        ]
        if not same and not cell.flags:
            wrong.append(f"{row.where}: {cell.text!r} for {expected['phone']!r}")
    return wrong


def test_a_clean_ruled_table_with_merged_city_cells_reads_exactly(
    engine: RapidEngine, tmp_path: Path
) -> None:
    rows = sample_rows(8, seed=3)
    write_table(tmp_path / "p1.png", rows, Style(merge_city=True))
    result, pages = read_images([tmp_path / "p1.png"], engine)
    assert result.labels == ["序号", "地市", "单位名称", "地址", "负责人", "联系电话"]
    assert _cells(result) == rows
    assert "样例数据" in result.title[0]
    assert [p.kind for p in result.problems] == []
    merged = [r for r in result.rows if "merged" in r.cells["地市"].notes]
    assert merged, "the merged city cells were not recognised as spanning rows"
    assert pages["p1.png"].skew_deg == 0.0


def test_a_degraded_photo_misreads_no_phone_without_a_flag(
    engine: RapidEngine, tmp_path: Path
) -> None:
    rows = sample_rows(8, seed=5)
    image = tmp_path / "photo.jpg"
    write_table(image, rows, Style(font="arphic-uming"), scale=0.7, rotate_deg=1.5, quality=55)
    result, pages = read_images([image], engine)
    assert abs(pages["photo.jpg"].skew_deg + 1.5) <= 0.2  # turned back
    assert len(result.rows) == len(rows)
    assert _wrong_unflagged_phones(result, rows) == []
    got = _cells(result)
    exact = sum(got[i][k] == rows[i][k] for i in range(len(rows)) for k in ORDER)
    assert exact >= 0.95 * len(rows) * len(ORDER)


@pytest.mark.parametrize("where", ["between rows", "through the text"])
def test_a_row_cut_across_two_images_is_joined_or_flagged_never_silently_wrong(
    engine: RapidEngine, tmp_path: Path, where: str
) -> None:
    rows = sample_rows(6, seed=11)
    rendered = write_table(tmp_path / "whole.png", rows)
    top, bottom = rendered.row_boxes[4]
    # Just below the 5th row's top rule, or through the middle of its text.
    cut = top + 3 if where == "between rows" else (top + bottom) // 2
    rendered.image.crop((0, 0, rendered.image.width, cut)).save(tmp_path / "a.png")
    rendered.image.crop((0, cut, rendered.image.width, rendered.image.height)).save(
        tmp_path / "b.png"
    )
    result, _ = read_images([tmp_path / "a.png", tmp_path / "b.png"], engine)
    assert len(result.rows) == len(rows), [r.where for r in result.rows]
    got = _cells(result)
    if where == "between rows":
        assert got == rows
        assert [p.kind for p in result.problems] == ["text_outside_table"] or not result.problems
        return
    # The cut row: each cell read whole, or flagged; and no phone anywhere wrong unflagged.
    for key, label in zip(ORDER, result.labels, strict=True):
        cell = result.rows[4].cells[label]
        assert got[4][key] == rows[4][key] or cell.flags, (key, cell)
    assert _wrong_unflagged_phones(result, rows) == []
    assert any("b.png" in note for note in result.rows[4].notes)


def test_an_unruled_table_in_another_column_order_reads_exactly(
    engine: RapidEngine, tmp_path: Path
) -> None:
    order = ("seq", "name", "address", "phone", "contact", "city")
    rows = sample_rows(6, seed=13)
    write_table(tmp_path / "plain.png", rows, Style(order=order, ruled=False, font="wqy-microhei"))
    result, _ = read_images([tmp_path / "plain.png"], engine)
    assert result.labels == ["序号", "单位名称", "地址", "联系电话", "负责人", "地市"]
    got = [
        {k: r.cells[label].text for k, label in zip(order, result.labels, strict=False)}
        for r in result.rows
    ]
    assert got == rows


def test_a_missing_row_and_a_bad_file_are_reported_and_the_rest_is_read(
    engine: RapidEngine, tmp_path: Path
) -> None:
    rows = sample_rows(7, seed=17)
    del rows[4]  # 序号 5 is not in the image: a row the reader (or the screenshot) lost
    write_table(tmp_path / "gap.png", rows)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    result, _ = read_images([tmp_path / "broken.jpg", tmp_path / "gap.png"], engine)
    assert len(result.rows) == 6
    problems = {p.kind: p for p in result.problems}
    assert "broken.jpg" in problems["unreadable_image"].detail
    gap = problems["seq_gap"]
    assert gap.image == "gap.png" and gap.position == 5 and "row 5 missed" in gap.detail


def test_a_tall_image_is_read_in_overlapping_bands_without_losing_a_row(tmp_path: Path) -> None:
    # Bands of 600 px over an image of ~700: the stitching long screenshots go through.
    banded = RapidEngine(band_height=600)
    rows = sample_rows(10, seed=19)
    rendered = write_table(tmp_path / "long.png", rows, Style(merge_city=True, font_size=18))
    assert rendered.image.height > 600 + 50
    result, _ = read_images([tmp_path / "long.png"], banded)
    assert [r.cells["序号"].text for r in result.rows] == [str(i) for i in range(1, 11)]
    assert _cells(result) == rows
