"""Several images of one province, in order, read into one list of rows.

Each image is read alone (`geo.pipeline.ocr.table`); then a row cut by the bottom edge of one
image and continued at the top of the next is joined, rows repeated by overlapping screenshots
are dropped (and reported), every cell is checked (`geo.pipeline.ocr.checks`), and the 序号
column is checked for gaps. An image that cannot be read is reported and the others go on.
"""

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from geo.core.text import match_key
from geo.pipeline.ingest.header import Layout
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ocr.checks import flag_cells, seq_problems
from geo.pipeline.ocr.engine import Engine
from geo.pipeline.ocr.images import ImageError, PageImage, load_image
from geo.pipeline.ocr.model import OcrCell, OcrResult, OcrRow, Problem
from geo.pipeline.ocr.table import Columns, read_table

_OVERLAP_ROWS = 40  # how far back a repeated row (overlapping screenshots) is looked for


def read_images(
    paths: Sequence[Path],
    engine: Engine,
    *,
    loader: Callable[[Path], PageImage] = load_image,
) -> tuple[OcrResult, dict[str, PageImage]]:
    """Read every image in order; the result and the straightened images (for crops)."""
    result = OcrResult(labels=[], rows=[], problems=[])
    pages: dict[str, PageImage] = {}
    before: Columns | None = None
    layout: Layout | None = None
    for path in paths:
        started = time.perf_counter()
        try:
            page = loader(path)
        except ImageError as exc:
            result.problems.append(Problem("unreadable_image", path.name, str(exc)))
            continue
        pages[path.name] = page
        table = read_table(page, engine.read(page.pixels), before, engine)
        result.seconds_per_image[path.name] = round(time.perf_counter() - started, 2)
        result.problems.extend(table.problems)
        if table.columns is None:
            before = None
            continue
        if layout is None:
            layout = table.columns.layout
            result.title = table.outside
        elif table.outside:
            result.problems.append(
                Problem("text_outside_table", path.name, " / ".join(table.outside)[:200])
            )
        before = table.columns
        for label in table.columns.layout.labels:
            if label not in result.labels:
                result.labels.append(label)
        _append(result, table.rows)
    if layout is not None:
        for row in result.rows:
            for label in result.labels:
                row.cells.setdefault(label, OcrCell(""))
        flag_cells(result.rows, _merged_layout(layout, result.labels))
        seq = layout.fields.get(SourceField.SEQ, ())
        result.problems.extend(seq_problems(result.rows, layout.labels[seq[0]] if seq else None))
    for row in result.rows:
        if row.cut_bottom:
            result.problems.append(
                Problem("cut_row", row.image, f"{row.where}: cut by the image's edge; check it")
            )
    return result, pages


def _append(result: OcrResult, rows: Sequence[OcrRow]) -> None:
    at_top = True  # overlapping screenshots repeat rows only at the top of the next image
    for row in rows:
        previous = result.rows[-1] if result.rows else None
        if previous is not None and previous.cut_bottom and (row.cut_top or _no_anchor(row)):
            _join(previous, row)
            continue
        key = _key(row)
        earlier = [old for old in result.rows[-_OVERLAP_ROWS:] if old.image != row.image]
        if at_top and key and any(_key(old) == key for old in earlier):
            result.problems.append(
                Problem(
                    "overlap_duplicate",
                    row.image,
                    f"{row.where}: the same row as one read before (overlapping images); dropped",
                    row.position,
                )
            )
            continue
        at_top = False
        result.rows.append(row)


def _no_anchor(row: OcrRow) -> bool:
    return not any(cell.text for cell in row.cells.values() if "merged" not in cell.notes)


def _join(previous: OcrRow, row: OcrRow) -> None:
    """The rest of a row cut by the image edge, continued at the top of the next image."""
    for label, cell in row.cells.items():
        if "merged" in cell.notes:
            continue
        above = previous.cells.setdefault(label, OcrCell(""))
        if cell.text:
            above.text += cell.text
            above.confidence = min(above.confidence, cell.confidence)
        for flag in cell.flags:
            above.flag(flag)
    previous.cut_bottom = row.cut_bottom
    previous.notes.append(f"continued in {row.where}")


def _key(row: OcrRow) -> str:
    texts = [match_key(cell.text) for cell in row.cells.values() if "merged" not in cell.notes]
    return "\x1f".join(texts) if sum(1 for text in texts if text) >= 2 else ""


def _merged_layout(layout: Layout, labels: Sequence[str]) -> Layout:
    """The first layout, with the labels of later images' extra columns appended."""
    return Layout(layout.header_rows, tuple(labels), layout.fields, layout.extra_same_field)
