"""One image's table: text boxes placed into cells of the grid, the header found, rows made.

The header is found by the rules of `geo.pipeline.ingest.header` (the same aliases and the
same two-row headers as CSV and XLSX lists): the cells are handed to it as a `Sheet`.
A cell spanning rows (a city merged down) gives its text to every row it spans, as XLSX merged
cells do. An image without a header continues the table of the image before it.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from geo.pipeline.ingest.header import Layout, find_layout
from geo.pipeline.ingest.records import SourceField
from geo.pipeline.ingest.sheet import Cell, Row, Sheet
from geo.pipeline.ocr.engine import Engine, TextBox
from geo.pipeline.ocr.grid import Grid, find_rules, text_lines
from geo.pipeline.ocr.images import PageImage, ink
from geo.pipeline.ocr.model import UNREAD, OcrCell, OcrRow, Problem

_INK_SHARE = 0.004  # of a cell's area: less ink than this is a blank cell, not unread text
_FILL_DOWN = (SourceField.PROVINCE, SourceField.CITY, SourceField.DISTRICT)


@dataclass
class Columns:
    """The column layout an image without a header borrows from the image before it."""

    layout: Layout
    xs: tuple[float, ...]
    width: int
    ruled: bool


@dataclass
class ImageTable:
    """What one image gave: its data rows, the layout used, text outside the table, problems."""

    rows: list[OcrRow] = field(default_factory=list)
    columns: Columns | None = None
    outside: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_header: bool = False


@dataclass
class _Band:
    top: float
    bottom: float
    cells: list[list[TextBox]]
    merged: set[int] = field(default_factory=set)  # columns whose text spans from above
    cut_top: bool = False
    cut_bottom: bool = False


def read_table(
    page: PageImage, boxes: Sequence[TextBox], before: Columns | None, engine: Engine
) -> ImageTable:
    """The rows of one image, given its text boxes and the columns of the image before it."""
    name = page.path.name
    if not boxes:
        return ImageTable(problems=[Problem("no_header", name, "no text found in the image")])
    mask = ink(page.pixels)
    height = float(np.median([box.height for box in boxes]))
    grid = find_rules(mask, height)
    if grid is not None:
        boxes = _split_at_rules(page, boxes, grid, engine)
    bands = _ruled_bands(grid, boxes, page.height) if grid else None
    if bands is None or grid is None:
        return _unruled(page, boxes, before, mask)
    layout, start, outside = _header(bands)
    table = ImageTable(outside=outside, has_header=layout is not None)
    if layout is None:
        if before is None or not before.ruled or len(before.layout.labels) != grid.columns:
            # Rules found but no header in them (a photo's slanted rules, say): try the text.
            return _unruled(page, boxes, before, mask)
        layout = before.layout
    table.columns = Columns(layout, grid.xs, page.width, ruled=True)
    table.rows = _rows(name, bands[start:], layout, grid.xs, mask)
    return table


def _split_at_rules(
    page: PageImage, boxes: Sequence[TextBox], grid: Grid, engine: Engine
) -> list[TextBox]:
    """Boxes the detector ran across a column rule, cut at the rule and each part read again."""
    out: list[TextBox] = []
    for box in boxes:
        margin = box.height * 0.5
        inner = [x for x in grid.xs[1:-1] if box.x0 + margin < x < box.x1 - margin]
        if not inner:
            out.append(box)
            continue
        edges = [box.x0, *inner, box.x1]
        for left, right in itertools.pairwise(edges):
            crop = page.pixels[
                max(0, int(box.y0)) : int(box.y1) + 1,
                int(left) + 3 : max(int(left) + 3, int(right) - 2),
            ]
            text, score = engine.recognise(crop)
            if text:
                out.append(TextBox(left, box.y0, right, box.y1, text, score))
    return out


def _ruled_bands(grid: Grid, boxes: Sequence[TextBox], image_height: int) -> list[_Band] | None:
    ys = list(grid.ys)
    inside = [b for b in boxes if grid.xs[0] <= b.cx <= grid.xs[-1]]
    top_cut = any(b.cy < ys[0] for b in inside)
    bottom_cut = any(b.cy > ys[-1] for b in inside)
    edges = [0.0, *ys] if top_cut else ys
    edges = [*edges, float(image_height)] if bottom_cut else edges
    bands = [_Band(t, b, [[] for _ in range(grid.columns)]) for t, b in itertools.pairwise(edges)]
    if not bands:
        return None
    bands[0].cut_top, bands[-1].cut_bottom = top_cut, bottom_cut
    offset = 1 if top_cut else 0
    for box in inside:
        band = int(np.searchsorted(edges, box.cy)) - 1
        column = grid.column_of(box.cx)
        if 0 <= band < len(bands) and column is not None:
            bands[band].cells[column].append(box)
    # A cell spanning rows: its text (wherever it sits in the span) goes to every row.
    for column in range(grid.columns):
        start = 0
        for index in range(1, len(bands)):
            joined = (index - offset, column) in grid.joined
            if joined:
                continue
            _spread(bands, start, index, column)
            start = index
        _spread(bands, start, len(bands), column)
    return bands


def _spread(bands: list[_Band], start: int, stop: int, column: int) -> None:
    if stop - start < 2:
        return
    text = [b for band in bands[start:stop] for b in band.cells[column]]
    for index in range(start, stop):
        bands[index].cells[column] = list(text)
        if index > start:
            bands[index].merged.add(column)


def _header(bands: list[_Band]) -> tuple[Layout | None, int, list[str]]:
    """The layout, the first data band, and the text of the bands above the header."""
    sheet = Sheet(
        None,
        tuple(
            Row(
                index + 1,
                tuple(
                    Cell(_text(cell), merged_from="A1" if column in band.merged else None)
                    for column, cell in enumerate(band.cells)
                ),
            )
            for index, band in enumerate(bands)
        ),
    )
    layout = find_layout(sheet)
    if layout is None:
        return None, 0, []
    first = layout.header_rows[0]
    outside = [_text([b for cell in band.cells for b in cell]) for band in bands[:first]]
    return layout, layout.header_rows[-1] + 1, [text for text in outside if text]


def _text(boxes: Sequence[TextBox]) -> str:
    """A cell's lines of text in reading order, joined (Chinese wraps without a space)."""
    return "".join(box.text for line in text_lines(boxes) for box in line)


def _rows(
    image: str, bands: Sequence[_Band], layout: Layout, xs: Sequence[float], mask: NDArray[np.bool_]
) -> list[OcrRow]:
    rows = []
    for position, band in enumerate(bands, start=1):
        cells: dict[str, OcrCell] = {}
        for column, label in enumerate(layout.labels):
            boxes = band.cells[column] if column < len(band.cells) else []
            cell = OcrCell(_text(boxes), min((b.score for b in boxes), default=1.0))
            if column in band.merged:
                cell.notes.append("merged")
            if not boxes and column + 1 < len(xs):
                region = mask[int(band.top) + 5 : int(band.bottom) - 4,
                              int(xs[column]) + 5 : int(xs[column + 1]) - 4]  # fmt: skip
                if region.size and region.mean() > _INK_SHARE:
                    cell.confidence = 0.0
                    cell.flag(UNREAD)
            cells[label] = cell
        box = (int(xs[0]), int(band.top), int(xs[-1]), int(band.bottom))
        rows.append(OcrRow(image, position, box, cells, band.cut_top, band.cut_bottom))
    return rows


def _refuse(image: str, bands: Sequence[_Band], before: Columns | None, columns: int) -> ImageTable:
    """No header and nothing to borrow: every band is reported, none is guessed."""
    why = (
        "no header row and no image before it to continue"
        if before is None
        else f"no header row, and its {columns} columns do not match the "
        f"{len(before.layout.labels)} of the image before it"
    )
    problems = [Problem("no_header", image, why)]
    for position, band in enumerate(bands, start=1):
        text = " | ".join(_text(cell) for cell in band.cells if cell)
        if text:
            problems.append(Problem("no_header", image, f"row not read: {text[:80]}", position))
    return ImageTable(problems=problems)


def _unruled(
    page: PageImage, boxes: Sequence[TextBox], before: Columns | None, mask: NDArray[np.bool_]
) -> ImageTable:
    """Rows from lines of text, columns from the header boxes (or the image before)."""
    name = page.path.name
    lines = text_lines(boxes)
    sheet = Sheet(
        None, tuple(Row(i + 1, tuple(Cell(b.text) for b in line)) for i, line in enumerate(lines))
    )
    layout = find_layout(sheet)
    table = ImageTable(has_header=layout is not None)
    if layout is not None:
        header = lines[layout.header_rows[-1]]
        centres = [b.cx for b in header]
        xs = (
            min(0.0, min(b.x0 for b in boxes)),
            *((a + b) / 2 for a, b in itertools.pairwise(centres)),
            float(page.width),
        )
        table.outside = [_text(line) for line in lines[: layout.header_rows[0]]]
        body = lines[layout.header_rows[-1] + 1 :]
    elif before is not None and not before.ruled:
        layout = before.layout
        xs = tuple(x * page.width / before.width for x in before.xs)
        body = lines
    else:
        fake = [_Band(0, 0, [[b] for b in line]) for line in lines]
        return _refuse(name, fake, before, max(len(line) for line in lines))
    grid = Grid(xs, ())
    table.columns = Columns(layout, xs, page.width, ruled=False)
    bands: list[_Band] = []
    for line in body:
        cells: list[list[TextBox]] = [[] for _ in range(grid.columns)]
        for box in line:
            column = grid.column_of(box.cx)
            cells[column if column is not None else grid.columns - 1].append(box)
        top, bottom = min(b.y0 for b in line), max(b.y1 for b in line)
        if bands and _continues(cells, layout):
            # A wrapped line (no 序号, no name of its own): it belongs to the row above.
            for column, extra in enumerate(cells):
                bands[-1].cells[column].extend(extra)
            bands[-1].bottom = bottom
            continue
        bands.append(_Band(top - 4, bottom + 4, cells))
    if bands:
        bands[0].cut_top = layout is before.layout if before else False
    table.rows = _rows(name, bands, layout, xs, np.zeros((0, 0), dtype=bool))
    _fill_down(table.rows, layout)
    return table


def _continues(cells: list[list[TextBox]], layout: Layout) -> bool:
    anchors = [
        column
        for key in (SourceField.SEQ, SourceField.NAME)
        for column in layout.fields.get(key, ())[:1]
    ]
    return bool(anchors) and all(not cells[column] for column in anchors if column < len(cells))


def _fill_down(rows: list[OcrRow], layout: Layout) -> None:
    """An unruled list prints a province or city once for its group: carry it down."""
    for key in _FILL_DOWN:
        for column in layout.fields.get(key, ()):
            label, above = layout.labels[column], None
            for row in rows:
                cell = row.cells[label]
                if cell.text:
                    above = cell
                elif above is not None:
                    row.cells[label] = OcrCell(above.text, above.confidence, [], ["merged"])
